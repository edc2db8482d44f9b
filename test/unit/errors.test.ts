import { createServer } from 'node:net';
import { CodePipelineClient, GetJobDetailsCommand } from '@aws-sdk/client-codepipeline';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodePipelineJobError,
  ConfigurationError,
  FAILURE_TYPES,
  failureOf,
  JobFailedError,
  PermissionError,
  RevisionOutOfSyncError,
  RevisionUnavailableError,
  SystemUnavailableError,
} from '../../src/errors.js';
import { invokeAction } from '../../src/invoke-action.js';
import {
  accessDeniedResponse,
  type EmbeddedS3,
  startEmbeddedS3,
} from '../../src/local/embedded-s3.js';
import { jobEvent, runJob } from '../../src/testing/index.js';
import { type ScriptedReply, startTestJobApi } from '../helpers/job-api.js';

describe('Errors: failure types', () => {
  it.each([
    [JobFailedError, 'JobFailed'],
    [ConfigurationError, 'ConfigurationError'],
    [PermissionError, 'PermissionError'],
    [RevisionOutOfSyncError, 'RevisionOutOfSync'],
    [RevisionUnavailableError, 'RevisionUnavailable'],
    [SystemUnavailableError, 'SystemUnavailable'],
  ])('%o reports as %s, keeps its cause and its own name', (ErrorClass, failureType) => {
    // Prepare
    const cause = new Error('root');

    // Act
    const error = new ErrorClass('message', { cause });

    // Assess
    expect(error).toBeInstanceOf(CodePipelineJobError);
    expect(error.failureType).toBe(failureType);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe(ErrorClass.name);
    expect(FAILURE_TYPES).toContain(failureType);
  });

  it('lets the base class carry any failure type', () => {
    expect(failureOf(new CodePipelineJobError('stale', 'RevisionOutOfSync'))).toEqual({
      failureType: 'RevisionOutOfSync',
      message: 'stale',
    });
  });

  it('reports other errors as JobFailed with their name, and non-errors as text', () => {
    expect(failureOf(new TypeError('bad'))).toEqual({
      failureType: 'JobFailed',
      message: 'TypeError: bad',
    });
    expect(failureOf(42)).toEqual({ failureType: 'JobFailed', message: 'Non-error thrown: 42' });
  });
});

describe('Function: failureOf, causes', () => {
  it('follows the cause of a real fetch failure to the refused connection', async () => {
    // Prepare: a loopback port just closed refuses connections (fetch blocks port 1 itself
    // as a "bad port", before connecting).
    const port = await closedPort();
    const thrown = await fetch(`http://127.0.0.1:${port}`).catch((error: unknown) => error);

    // Act
    const { failureType, message } = failureOf(thrown);

    // Assess
    expect(failureType).toBe('JobFailed');
    expect(message).toMatch(
      new RegExp(
        `^TypeError: fetch failed; caused by Error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`,
      ),
    );
  });

  it('lists the errors of an AggregateError', () => {
    // Act
    const { message } = failureOf(
      new AggregateError([new Error('first'), new RangeError('second')], 'all failed'),
    );

    // Assess
    expect(message).toBe(
      'AggregateError: all failed; including Error: first; including RangeError: second',
    );
  });

  it('stops at five causes and survives a cycle', () => {
    // Prepare
    const first = new Error('one');
    const second = new Error('two', { cause: first });
    first.cause = second;
    let deep = new Error('level 0');
    for (let level = 1; level <= 10; level++) deep = new Error(`level ${level}`, { cause: deep });

    // Act & Assess
    expect(failureOf(second).message).toBe('Error: two; caused by Error: one');
    expect(failureOf(deep).message).toBe(
      'Error: level 10; caused by Error: level 9; caused by Error: level 8; caused by Error: level 7; caused by Error: level 6; caused by Error: level 5; …',
    );
  });

  it('keeps the message when a cause cannot be read, and does not repeat a quoted cause', () => {
    // Prepare
    const unreadable = new Error('outer');
    Object.defineProperty(unreadable, 'cause', {
      get() {
        throw new Error('no');
      },
    });
    const quoted = new JobFailedError('Could not read: Access Denied', {
      cause: new Error('Access Denied'),
    });

    // Act & Assess
    expect(failureOf(unreadable).message).toBe(
      'Error: outer; caused by a value that cannot be read',
    );
    expect(failureOf(quoted).message).toBe('Could not read: Access Denied');
    expect(failureOf(new JobFailedError('gate said no', { cause: 'a string' })).message).toBe(
      'gate said no; caused by a string',
    );
  });
});

describe('Failure messages with causes, through a handler', () => {
  it('masks credentials in a cause and clamps the whole message to the API limit', async () => {
    // Prepare
    const event = jobEvent();
    const { secretAccessKey } = event['CodePipeline.job'].data.artifactCredentials;
    const handler = invokeAction({
      run: () => {
        throw new Error('deploy failed', {
          cause: new Error(`signed with ${secretAccessKey} ${'x'.repeat(6000)}`),
        });
      },
    });

    // Act
    const result = await runJob(handler, { event });

    // Assess
    expect(result.message).toMatch(
      /^Error: deploy failed; caused by Error: signed with \[REDACTED\] x/,
    );
    expect(result.message).not.toContain(secretAccessKey);
    expect(result.message?.length).toBe(5000);
  });
});

describe("Function: failureOf, errors from the user's own AWS SDK calls", () => {
  let codePipeline: Awaited<ReturnType<typeof startTestJobApi>>;
  let s3: EmbeddedS3;
  const credentials = { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback' };

  beforeAll(async () => {
    codePipeline = await startTestJobApi();
    s3 = await startEmbeddedS3({ buckets: ['user-bucket'] });
  });
  afterAll(async () => {
    await codePipeline.close();
    await s3.close();
  });

  /** What a user's own CodePipeline call throws when the endpoint answers `replies`. */
  async function codePipelineCallFailing(replies: ScriptedReply[], maxAttempts = 1) {
    const client = new CodePipelineClient({
      endpoint: codePipeline.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    const jobId = `00000000-0000-4000-8000-${String(++calls).padStart(12, '0')}`;
    codePipeline.script(jobId, replies);
    try {
      await client.send(new GetJobDetailsCommand({ jobId }));
      throw new Error('the call succeeded');
    } catch (error) {
      return error;
    } finally {
      client.destroy();
    }
  }
  let calls = 0;

  it.each([
    ['a throttle (400 ThrottlingException)', 'SystemUnavailable', 400, 'ThrottlingException'],
    ['a 503', 'SystemUnavailable', 503, 'ServiceUnavailableException'],
    ['a 500', 'SystemUnavailable', 500, 'InternalServerError'],
    ['access denied (400 AccessDeniedException)', 'PermissionError', 400, 'AccessDeniedException'],
    ['any other error', 'JobFailed', 400, 'ValidationException'],
  ] as const)('maps %s to %s', async (_label, failureType, status, type) => {
    // Act
    const thrown = await codePipelineCallFailing([
      { kind: 'error', status, type, message: 'nope' },
    ]);

    // Assess
    expect(failureOf(thrown)).toEqual({
      failureType,
      message: expect.stringMatching(new RegExp(`^${type}: nope \\(HTTP ${status}, 1 attempt`)),
    });
  });

  it('maps throttling that outlasts the SDK retries to SystemUnavailable, counting the attempts', async () => {
    // Act
    const thrown = await codePipelineCallFailing(
      [
        { kind: 'error', status: 503, type: 'ServiceUnavailableException' },
        { kind: 'error', status: 503, type: 'ServiceUnavailableException' },
      ],
      2,
    );

    // Assess
    expect(failureOf(thrown)).toEqual({
      failureType: 'SystemUnavailable',
      message: expect.stringContaining('(HTTP 503, 2 attempts'),
    });
  });

  it('maps a call that timed out to SystemUnavailable', async () => {
    // Act
    const thrown = await codePipelineCallFailing([{ kind: 'hang' }]);

    // Assess
    expect((thrown as Error).name).toBe('TimeoutError');
    expect(failureOf(thrown).failureType).toBe('SystemUnavailable');
  });

  it('maps an S3 403 AccessDenied from a user S3 call to PermissionError', async () => {
    // Prepare
    s3.intercept(() => accessDeniedResponse());
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });

    // Act
    const thrown = await client
      .send(new GetObjectCommand({ Bucket: 'user-bucket', Key: 'key' }))
      .catch((error: unknown) => error);
    s3.intercept(undefined);
    client.destroy();

    // Assess
    expect(failureOf(thrown)).toEqual({
      failureType: 'PermissionError',
      message: expect.stringMatching(/^AccessDenied: Access Denied \(HTTP 403/),
    });
  });

  it('leaves errors that did not come from the SDK as JobFailed, whatever their name', () => {
    const lookalike = Object.assign(new Error('slow'), { name: 'ThrottlingException' });
    expect(failureOf(lookalike).failureType).toBe('JobFailed');
  });
});

/** A loopback port nothing listens on: one the OS just handed out and got back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
