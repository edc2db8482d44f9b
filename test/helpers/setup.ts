// One setup file for the whole suite: the aws-sdk-client-mock matchers for vitest
// (loaded with the mocks); the secret scan: a test fails when an invented artifact
// credential shows up in what it printed, in a request one of its servers received, in
// a child process's output or in a command sent to a mocked AWS client (see
// secret-scan-capture.ts); and the open-handle check: a test file fails when it leaves
// a child process running or a server listening, passed or failed (see open-handles.ts).
import { afterAll, afterEach, expect, vi } from 'vitest';
import { listeningServers, takeOpenHandles, trackChildProcesses } from './open-handles.js';
import { describeSecretFindings } from './secret-scan.js';
import { installSecretCapture, takeSecretFindings } from './secret-scan-capture.js';

// Every mocked client is followed, whichever test or helper creates it; and the
// aws-sdk-client-mock matchers come with the mocks, so the many files that use no
// mocked client do not load them (~80 ms a file).
vi.mock(import('aws-sdk-client-mock'), async (importOriginal) => {
  const original = await importOriginal();
  await import('aws-sdk-client-mock-vitest/extend');
  const { watchMockedClient } = await import('./secret-scan-capture.js');
  return {
    ...original,
    mockClient: ((...args: Parameters<typeof original.mockClient>) =>
      watchMockedClient(original.mockClient(...args))) as typeof original.mockClient,
  };
});

installSecretCapture();
trackChildProcesses();
const serversAtStart = listeningServers();

function failOnLeaks(subject: string): void {
  const findings = takeSecretFindings();
  if (findings.length === 0) return;
  throw new Error(
    `Secret scan: ${subject} leaked artifact credentials (values not shown):\n${describeSecretFindings(findings)}`,
  );
}

afterEach((context) => {
  failOnLeaks(`the test "${context.task.fullName}"`);
});

// Registered first, so it runs after the test file's own afterAll hooks (they run in
// reverse order): what those hooks close is closed by then.
afterAll(async () => {
  const problems = await takeOpenHandles(serversAtStart);
  if (problems.length > 0) {
    throw new Error(`Open handles: ${expect.getState().testPath} left ${problems.join('; ')}`);
  }
});

afterAll(() => {
  failOnLeaks(
    `${expect.getState().testPath} (outside any test: module load, beforeAll or afterAll)`,
  );
});
