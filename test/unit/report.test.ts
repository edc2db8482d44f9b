import {
  CodePipelineClient,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportNotDeliveredError } from '../../src/errors.js';
import { createJsonLogger } from '../../src/logger.js';
import { failureOutcome, inProgressOutcome, successOutcome } from '../../src/outcome.js';
import { Redactor } from '../../src/redact.js';
import { type ReportOptions, reportOutcome } from '../../src/report.js';

const jobId = '11111111-2222-3333-4444-555555555555';
const awsError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

describe('Function: reportOutcome', () => {
  const codePipeline = mockClient(CodePipelineClient);
  const lines: string[] = [];
  let options: ReportOptions;

  beforeEach(() => {
    codePipeline.reset();
    lines.length = 0;
    const redactor = new Redactor(['SECRET-KEY-VALUE']);
    options = {
      client: new CodePipelineClient({ region: 'us-east-1' }),
      logger: createJsonLogger({ keys: { jobId }, redactor, sink: (line) => lines.push(line) }),
      redactor,
      backoffMs: () => 1,
    };
  });

  afterEach(() => codePipeline.reset());

  it('sends a success with its execution details and output variables', async () => {
    // Prepare
    codePipeline.on(PutJobSuccessResultCommand).resolves({});

    // Act
    const result = await reportOutcome(
      jobId,
      successOutcome({ summary: 'ok', outputVariables: { a: '1' } }),
      options,
    );

    // Assess
    expect(result.status).toBe('reported');
    expect(codePipeline).toHaveReceivedCommandWith(PutJobSuccessResultCommand, {
      jobId,
      executionDetails: { summary: 'ok' },
      outputVariables: { a: '1' },
    });
  });

  it('logs a delivered success at debug, a failure and a job in progress at info', async () => {
    // Prepare
    codePipeline.on(PutJobSuccessResultCommand).resolves({});
    codePipeline.on(PutJobFailureResultCommand).resolves({});
    const debugLines: string[] = [];
    const atLevel = (level: 'info' | 'debug', sink: string[]): ReportOptions => ({
      ...options,
      logger: createJsonLogger({
        keys: { jobId },
        redactor: options.redactor,
        level,
        sink: (line) => sink.push(line),
      }),
    });
    const answers = [
      successOutcome({ summary: 'ok' }),
      failureOutcome('too few ratings', 'JobFailed'),
      inProgressOutcome('{"v":1}'),
    ];

    // Act
    for (const outcome of answers) await reportOutcome(jobId, outcome, atLevel('info', lines));
    for (const outcome of answers) {
      await reportOutcome(jobId, outcome, atLevel('debug', debugLines));
    }

    // Assess
    const reported = (sink: string[]) =>
      sink.map((line) => JSON.parse(line) as { level: string; message: string });
    expect(reported(lines)).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'Reported failed to CodePipeline' }),
      expect.objectContaining({ level: 'INFO', message: 'Reported in-progress to CodePipeline' }),
    ]);
    expect(reported(debugLines)).toEqual([
      expect.objectContaining({ level: 'DEBUG', message: 'Reported succeeded to CodePipeline' }),
      expect.objectContaining({ level: 'INFO', message: 'Reported failed to CodePipeline' }),
      expect.objectContaining({ level: 'INFO', message: 'Reported in-progress to CodePipeline' }),
    ]);
  });

  it('sends a continuation token without output variables', async () => {
    // Prepare
    codePipeline.on(PutJobSuccessResultCommand).resolves({});

    // Act
    await reportOutcome(jobId, inProgressOutcome('{"v":1}', { percentComplete: 50 }), options);

    // Assess
    const input = codePipeline.commandCalls(PutJobSuccessResultCommand)[0]?.args[0].input;
    expect(input?.continuationToken).toBe('{"v":1}');
    expect(input?.executionDetails?.percentComplete).toBe(50);
    expect(input).not.toHaveProperty('outputVariables');
  });

  it('refuses output variables sent with a continuation token, as a failure', async () => {
    // Prepare
    codePipeline.on(PutJobFailureResultCommand).resolves({});
    const outcome = { ...inProgressOutcome('{"v":1}'), outputVariables: { a: '1' } };

    // Act
    const result = await reportOutcome(jobId, outcome, options);

    // Assess
    expect(result.sent.status).toBe('failed');
    expect(codePipeline).not.toHaveReceivedCommand(PutJobSuccessResultCommand);
    expect(
      codePipeline.commandCalls(PutJobFailureResultCommand)[0]?.args[0].input.failureDetails
        ?.message,
    ).toMatch(/cannot be sent together with a continuation token/);
  });

  it('retries throttling and 5xx errors, then succeeds', async () => {
    // Prepare
    codePipeline
      .on(PutJobSuccessResultCommand)
      .rejectsOnce(awsError('ThrottlingException', 400))
      .rejectsOnce(awsError('InternalServerError', 500))
      .resolves({});

    // Act
    const result = await reportOutcome(jobId, successOutcome(), options);

    // Assess
    expect(result.status).toBe('reported');
    expect(codePipeline).toHaveReceivedCommandTimes(PutJobSuccessResultCommand, 3);
  });

  it('throws ReportNotDeliveredError when every attempt fails', async () => {
    // Prepare
    codePipeline.on(PutJobFailureResultCommand).rejects(awsError('ThrottlingException', 400));

    // Act & Assess
    await expect(
      reportOutcome(jobId, failureOutcome('no'), { ...options, reportAttempts: 3 }),
    ).rejects.toThrow(ReportNotDeliveredError);
    expect(codePipeline).toHaveReceivedCommandTimes(PutJobFailureResultCommand, 3);
  });

  it('does not retry an error that retrying cannot fix', async () => {
    // Prepare
    codePipeline.on(PutJobSuccessResultCommand).rejects(awsError('AccessDeniedException', 400));

    // Act & Assess
    await expect(reportOutcome(jobId, successOutcome(), options)).rejects.toThrow(
      ReportNotDeliveredError,
    );
    expect(codePipeline).toHaveReceivedCommandTimes(PutJobSuccessResultCommand, 1);
  });

  it('reports JobNotFoundException as a job CodePipeline does not know, not as answered', async () => {
    // Prepare
    codePipeline.on(PutJobSuccessResultCommand).rejects(awsError('JobNotFoundException', 400));

    // Act
    const result = await reportOutcome(jobId, successOutcome(), options);

    // Assess
    expect(result.status).toBe('job-not-found');
    expect(lines.join('\n')).toContain('CodePipeline does not know this job');
    expect(lines.join('\n')).not.toContain('already answered');
    expect(codePipeline).toHaveReceivedCommandTimes(PutJobSuccessResultCommand, 1);
  });

  it.each(['InvalidJobStateException'])(
    'logs %s as already answered instead of throwing',
    async (name) => {
      // Prepare
      codePipeline.on(PutJobSuccessResultCommand).rejects(awsError(name, 400));

      // Act
      const result = await reportOutcome(jobId, successOutcome(), options);

      // Assess
      expect(result.status).toBe('already-answered');
      expect(lines.join('\n')).toContain('already answered');
    },
  );

  it('replaces a success CodePipeline rejects with a failure that says why', async () => {
    // Prepare
    codePipeline
      .on(PutJobSuccessResultCommand)
      .rejects(awsError('OutputVariablesSizeExceededException', 400));
    codePipeline.on(PutJobFailureResultCommand).resolves({});

    // Act
    const result = await reportOutcome(
      jobId,
      successOutcome({ outputVariables: { big: 'x' } }),
      options,
    );

    // Assess
    expect(result.status).toBe('reported');
    expect(result.sent.status).toBe('failed');
    expect(
      codePipeline.commandCalls(PutJobFailureResultCommand)[0]?.args[0].input.failureDetails
        ?.message,
    ).toContain('OutputVariablesSizeExceededException');
  });

  it('masks secrets and clamps the failure message to 5000 characters', async () => {
    // Prepare
    codePipeline.on(PutJobFailureResultCommand).resolves({});

    // Act
    await reportOutcome(jobId, failureOutcome(`key SECRET-KEY-VALUE ${'z'.repeat(6000)}`), options);

    // Assess
    const message =
      codePipeline.commandCalls(PutJobFailureResultCommand)[0]?.args[0].input.failureDetails
        ?.message ?? '';
    expect(message.length).toBe(5000);
    expect(message).not.toContain('SECRET-KEY-VALUE');
  });

  it('gives an empty failure message a default text', async () => {
    // Prepare
    codePipeline.on(PutJobFailureResultCommand).resolves({});

    // Act
    await reportOutcome(jobId, failureOutcome('   '), options);

    // Assess
    expect(
      codePipeline.commandCalls(PutJobFailureResultCommand)[0]?.args[0].input.failureDetails
        ?.message,
    ).toBe('The job failed without a message');
  });
});
