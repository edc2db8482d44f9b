// The secret scan must be able to fail. Each case below leaks an invented credential
// on purpose through one channel, then takes the findings itself (so this test stays
// green) and checks the scan saw the leak, named the field, and showed no value.
import { spawn } from 'node:child_process';
import { Console } from 'node:console';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CodePipelineClient, PutJobFailureResultCommand } from '@aws-sdk/client-codepipeline';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { jobClientHooksOf } from '../../src/clients.js';
import { fakeArtifactCredentials } from '../../src/testing/fake-credentials.js';
import { runJob } from '../../src/testing/index.js';
import { runFixtureVitest } from '../helpers/fixture-vitest.js';
import { startTestJobApi } from '../helpers/job-api.js';
import {
  describeSecretFindings,
  findSecrets,
  findSecretsInValue,
  requestHeadForScan,
  StreamScanner,
} from '../helpers/secret-scan.js';
import { installSecretCapture, takeSecretFindings } from '../helpers/secret-scan-capture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('Function: findSecrets', () => {
  it('finds each field of an issued credential, exactly, and never echoes a value', () => {
    // Prepare
    const credentials = fakeArtifactCredentials();
    const text = `key=${credentials.accessKeyId} secret=${credentials.secretAccessKey} token=${credentials.sessionToken}`;

    // Act
    const findings = findSecrets(text, 'a log line');
    const described = describeSecretFindings(findings);

    // Assess
    expect(findings).toEqual([
      { field: 'accessKeyId', where: 'a log line', exact: true },
      { field: 'secretAccessKey', where: 'a log line', exact: true },
      { field: 'sessionToken', where: 'a log line', exact: true },
    ]);
    expect(described).toContain('secretAccessKey (the exact value) in a log line');
    for (const value of Object.values(credentials)) expect(described).not.toContain(value);
  });

  it('reports a fragment, or a value another process invented, as not exact', () => {
    // Prepare
    const { sessionToken } = fakeArtifactCredentials();

    // Act
    const fragment = findSecrets(`token ${sessionToken.slice(0, 40)}...`, 'an error message');
    const foreign = findSecrets('CanarySecretAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'child output');

    // Assess
    expect(fragment).toEqual([{ field: 'sessionToken', where: 'an error message', exact: false }]);
    expect(foreign).toEqual([{ field: 'secretAccessKey', where: 'child output', exact: false }]);
  });

  it('finds nothing in text without credentials, redacted ones included', () => {
    expect(findSecrets('{"message":"[REDACTED]","key":"AKIALOCALDUMMY000000"}', 'stdout')).toEqual(
      [],
    );
  });

  it('walks objects, arrays and bytes, naming the property path', () => {
    // Prepare
    const { secretAccessKey } = fakeArtifactCredentials();

    // Act
    const findings = findSecretsInValue(
      {
        jobId: 'j',
        failureDetails: { message: `denied ${secretAccessKey}` },
        parts: [Buffer.from(secretAccessKey)],
      },
      'input',
    );

    // Assess
    expect(findings.map((finding) => finding.where)).toEqual([
      'input.failureDetails.message',
      'input.parts[0]',
    ]);
  });
});

describe('Class: StreamScanner', () => {
  it('finds a value split across two chunks', () => {
    // Prepare
    const { sessionToken } = fakeArtifactCredentials();
    const scanner = new StreamScanner('a body');

    // Act
    scanner.push(`{"message":"${sessionToken.slice(0, 70)}`);
    scanner.push(`${sessionToken.slice(70)}"}`);

    // Assess
    expect(scanner.findings()).toEqual([{ field: 'sessionToken', where: 'a body', exact: true }]);
  });
});

describe('Function: requestHeadForScan', () => {
  it('lets SigV4 carry the key id and session token, and nothing else', () => {
    // Prepare
    const { accessKeyId, secretAccessKey, sessionToken } = fakeArtifactCredentials();
    const signed = {
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'a'.repeat(64)}`,
      'x-amz-security-token': sessionToken,
    };

    // Act
    const legitimate = findSecrets(
      requestHeadForScan('GET', `/bucket/key?X-Amz-Credential=${accessKeyId}%2F20250101`, signed),
      'request',
    );
    const leaking = findSecrets(
      requestHeadForScan('GET', `/bucket/key?debug=${encodeURIComponent(sessionToken)}`, {
        ...signed,
        'x-debug': secretAccessKey,
      }),
      'request',
    );

    // Assess
    expect(legitimate).toEqual([]);
    expect(leaking.map((finding) => finding.field)).toEqual(['sessionToken', 'secretAccessKey']);
  });
});

describe('Capture: every channel a test can leak through', () => {
  it('sees writes to stdout through a writer installed later, as runJob installs one', () => {
    // Prepare
    const { secretAccessKey } = fakeArtifactCredentials();
    const original = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;

    // Act
    try {
      process.stdout.write(`oops ${secretAccessKey}\n`);
    } finally {
      process.stdout.write = original;
    }

    // Assess
    expect(takeSecretFindings()).toEqual([
      { field: 'secretAccessKey', where: 'stdout', exact: true },
    ]);
  });

  it('sees console output, on whichever console the test file has', () => {
    // Prepare
    const { sessionToken } = fakeArtifactCredentials();
    const saved = globalThis.console;
    globalThis.console = new Console(new Writable({ write: (_chunk, _encoding, done) => done() }));

    // Act
    try {
      installSecretCapture();
      console.error('token:', { sessionToken });
    } finally {
      globalThis.console = saved;
    }

    // Assess
    expect(takeSecretFindings()).toEqual([
      { field: 'sessionToken', where: 'console.error', exact: true },
    ]);
  });

  it('sees a request body and headers that a loopback server receives', async () => {
    // Prepare
    const { secretAccessKey, sessionToken } = fakeArtifactCredentials();
    const server = await startTestJobApi([]);
    const port = Number(new URL(server.endpoint).port);

    // Act
    await new Promise<void>((resolve, reject) => {
      const sent = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'x-note': sessionToken } },
        (response) => response.resume().on('end', resolve),
      );
      sent.on('error', reject);
      sent.write(`{"message":"${secretAccessKey.slice(0, 20)}`);
      sent.end(`${secretAccessKey.slice(20)}"}`);
    });
    await server.close();

    // Assess
    const where = `an HTTP request POST / to 127.0.0.1:${port}`;
    expect(takeSecretFindings()).toEqual([
      { field: 'sessionToken', where: `${where} (request line or headers)`, exact: true },
      { field: 'secretAccessKey', where: `${where} (body)`, exact: true },
    ]);
  });

  it("sees a child process's output, with credentials the child invented", async () => {
    // Act
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/testing/fake-credentials.ts').then((m) => console.log(m.fakeArtifactCredentials().secretAccessKey))",
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } },
    );
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    await new Promise((resolve) => child.on('close', resolve));

    // Assess
    expect(printed).toMatch(/^CanarySecret/);
    expect(takeSecretFindings()).toEqual([
      {
        field: 'secretAccessKey',
        where: expect.stringMatching(/^stdout of child process ".*node/),
        exact: false,
      },
    ]);
  });

  it('sees the input of a command sent to a client mocked with aws-sdk-client-mock', async () => {
    // Prepare
    const { sessionToken } = fakeArtifactCredentials();
    const mock = mockClient(CodePipelineClient);
    const client = new CodePipelineClient({ region: 'us-east-1' });

    // Act
    await client.send(
      new PutJobFailureResultCommand({
        jobId: 'job',
        failureDetails: { type: 'JobFailed', message: `denied for ${sessionToken}` },
      }),
    );
    mock.restore();

    // Assess
    expect(takeSecretFindings()).toEqual([
      {
        field: 'sessionToken',
        where:
          'the input of a PutJobFailureResultCommand sent to a mocked AWS client.failureDetails.message',
        exact: true,
      },
    ]);
  });

  it("sees what a handler run by runJob logs and reports, with the job's own credentials", async () => {
    // Act: a hand-written handler without the framework's redaction, answering through
    // the client the kit hands the engine (pointed at the run's own job API)
    await runJob(
      async (
        event: {
          'CodePipeline.job': {
            id: string;
            data: { artifactCredentials: { secretAccessKey: string } };
          };
        },
        context: Context,
      ) => {
        const job = event['CodePipeline.job'];
        process.stdout.write(
          `${JSON.stringify({ message: job.data.artifactCredentials.secretAccessKey })}\n`,
        );
        const client = jobClientHooksOf(context)?.codePipeline?.() ?? new CodePipelineClient({});
        await client.send(
          new PutJobFailureResultCommand({
            jobId: job.id,
            failureDetails: {
              type: 'JobFailed',
              message: job.data.artifactCredentials.secretAccessKey,
            },
          }),
        );
      },
    );

    // Assess
    expect(takeSecretFindings().map((finding) => finding.where)).toEqual([
      'stdout',
      expect.stringMatching(/^an HTTP request POST \/ to 127\.0\.0\.1:\d+ \(body\)$/),
    ]);
  });
});

describe('Setup file: a leak fails the test that made it', () => {
  it('fails the leaking test by name, names the field, shows no value, and passes the clean one', async () => {
    // Act: a vitest of its own on a fixture with one leaking and one clean test
    const result = await runFixtureVitest('test/fixtures/secret-scan/vitest.config.ts');

    // Assess
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      'Secret scan: the test "leaking.test.ts > sends the secret access key in a request body" leaked artifact credentials',
    );
    expect(result.output).toMatch(
      /artifact credential field secretAccessKey \(the exact value\) in an HTTP request POST \/report to 127\.0\.0\.1:\d+ \(body\)/,
    );
    expect(result.output).toMatch(/Tests\s+1 failed \| 1 passed/);
    expect(result.output).not.toContain('CanarySecret');
  });
});
