import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handler as artifactTour } from '../../../readme-examples/artifact-tour.js';
import { handler as feedback } from '../../../readme-examples/feedback-handler.js';
import { handler as middyChain } from '../../../readme-examples/middy-chain.js';
import { handler as pollDeployment } from '../../../readme-examples/poll-deployment.js';
import { handler as waitForDeployment } from '../../../readme-examples/wait-for-deployment.js';
import { runJob, runUntilDone } from '../../../src/testing/index.js';

const root = join(import.meta.dirname, '../../..');

// The README's examples are these files; these tests keep them working.
describe('Examples: README', () => {
  it('feedback handler passes good ratings and reports the average', async () => {
    // Act
    const result = await runJob(feedback, {
      params: { minRating: 4 },
      artifacts: { BuildOutput: { 'ratings.json': '[5,4,5,4]' } },
    });

    // Assess
    expect(result).toMatchObject({
      status: 'succeeded',
      summary: 'average rating 4.50 over 4 ratings',
      outputVariables: { averageRating: '4.50' },
    });
  });

  it('feedback handler fails low ratings and names a bad parameter', async () => {
    // Act
    const low = await runJob(feedback, {
      params: { minRating: 4 },
      artifacts: { BuildOutput: { 'ratings.json': '[2,3]' } },
    });
    const bad = await runJob(feedback, {
      params: { minRating: 9 },
      artifacts: { BuildOutput: {} },
    });

    // Assess
    expect(low).toMatchObject({ status: 'failed', message: 'average rating 2.50 is below 4' });
    expect(bad).toMatchObject({ status: 'failed', failureType: 'ConfigurationError' });
    expect(bad.message).toContain('UserParameters.minRating');
  });

  it('artifact tour reads, extracts, streams and writes artifacts', async () => {
    // Act
    const result = await runJob(artifactTour, {
      artifacts: {
        BuildOutput: {
          'reports/coverage.json': '{"total":87}',
          'CHANGELOG.md': 'v1.2.0\n- faster',
          'data/results.csv': 'a,1\nb,2\nc,3\n',
        },
      },
      outputArtifacts: ['GateReport'],
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.summary).toBe('v1.2.0: coverage 87%, 5 entries, 3 files extracted, 3 rows');
    expect(JSON.parse(String(result.outputArtifacts.GateReport?.['report.json']))).toEqual({
      coverage: 87,
      rows: 3,
    });
  });

  it('middy chain example reports through codePipelineJob', async () => {
    // Act
    const result = await runJob(middyChain as never, { params: { env: 'prod' } });

    // Assess
    expect(result).toMatchObject({ status: 'succeeded', summary: 'checked prod' });
  });

  it('pollUntil example reports progress until the deployment succeeds', async () => {
    // Prepare
    const states = [
      { state: 'RUNNING', percent: 40 },
      { state: 'RUNNING', percent: 80 },
      { state: 'SUCCEEDED', percent: 100 },
    ];
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(states.shift()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const statusUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/deployment`;

    // Act
    const result = await runUntilDone(pollDeployment, { params: { statusUrl } }).finally(() =>
      server.close(),
    );

    // Assess
    expect(result.rounds.map((round) => [round.status, round.percentComplete])).toEqual([
      ['in-progress', 40],
      ['in-progress', 80],
      ['succeeded', undefined],
    ]);
    expect(result.summary).toBe('Deployed');
  });

  it('deployment wait example continues until the deployment is done', async () => {
    // Prepare: a status endpoint that says IN_PROGRESS twice
    let asked = 0;
    const server = createServer((_request, response) => {
      asked += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: asked < 3 ? 'IN_PROGRESS' : 'SUCCEEDED' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const statusUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;

    // Act
    const result = await runUntilDone(waitForDeployment, { params: { statusUrl } }).finally(() =>
      server.close(),
    );

    // Assess
    expect(result.rounds.map((round) => round.status)).toEqual([
      'in-progress',
      'in-progress',
      'succeeded',
    ]);
    expect(result.summary).toBe('deployed after 3 checks');
  });
});

describe('README: code blocks', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it.each([
    'readme-examples/artifact-tour.ts',
    'readme-examples/deployment-checks.ts',
    'readme-examples/feedback-handler.ts',
    'readme-examples/middy-chain.ts',
    'readme-examples/poll-deployment.ts',
    'readme-examples/release-freeze.ts',
    'handlers/release-notes-check.ts',
    'readme-examples/wait-for-deployment.ts',
  ])('shows %s exactly as tested', (path) => {
    expect(readme).toContain(`// ${path}\n${readFileSync(join(root, path), 'utf8')}`);
  });

  it.each(['release-gate.ts', 'release-gate.test.ts'])(
    'shows the packaged-kit test file %s exactly as run',
    (name) => {
      expect(readme).toContain(
        `// ${name}\n${readFileSync(join(root, 'test/fixtures/package-consumer', name), 'utf8')}`,
      );
    },
  );
});
