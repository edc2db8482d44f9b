import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, NotAJobEventError } from '../../src/errors.js';
import { parseJobEvent } from '../../src/event.js';
import { jobEvent } from '../../src/testing/index.js';

describe('Function: parseJobEvent', () => {
  it('parses a full CodePipeline job event', () => {
    // Prepare
    const event = jobEvent({
      params: { minRating: 4 },
      artifacts: { BuildOutput: { 'a.txt': 'x' } },
      outputArtifacts: ['Report'],
      encryptionKey: 'arn:aws:kms:us-east-1:111111111111:key/abc',
      continuationToken: 'tok',
    });

    // Act
    const parsed = parseJobEvent(event);

    // Assess
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.job.id).toBe(event['CodePipeline.job'].id);
    expect(parsed.job.data.actionConfiguration.configuration.UserParameters).toBe(
      '{"minRating":4}',
    );
    expect(parsed.job.data.inputArtifacts.map((artifact) => artifact.name)).toEqual([
      'BuildOutput',
    ]);
    expect(parsed.job.data.outputArtifacts[0]?.revision).toBeNull();
    expect(parsed.job.data.encryptionKey?.type).toBe('KMS');
    expect(parsed.job.data.continuationToken).toBe('tok');
  });

  it('defaults missing artifact lists to empty', () => {
    // Prepare
    const event = jobEvent();
    const data = event['CodePipeline.job'].data as Record<string, unknown>;
    delete data.inputArtifacts;
    delete data.outputArtifacts;

    // Act
    const parsed = parseJobEvent(event);

    // Assess
    expect(parsed.ok && parsed.job.data.inputArtifacts).toEqual([]);
  });

  it.each([
    ['null', null],
    ['a string', 'hello'],
    ['an array', []],
    ['an S3 event', { Records: [{ s3: {} }] }],
    ['a job without an id', { 'CodePipeline.job': { accountId: '1' } }],
  ])('refuses %s, naming CodePipeline.job', (_label, event) => {
    // Act & Assess
    expect(() => parseJobEvent(event)).toThrow(NotAJobEventError);
    expect(() => parseJobEvent(event)).toThrow(/CodePipeline\.job/);
  });

  it('returns a ConfigurationError naming the field when a job has malformed data', () => {
    // Prepare
    const event = jobEvent();
    const job = event['CodePipeline.job'] as { data: { artifactCredentials: unknown } };
    job.data.artifactCredentials = { accessKeyId: 'AKIAEXAMPLEKEY1' };

    // Act
    const parsed = parseJobEvent(event);

    // Assess
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.jobId).toBe(event['CodePipeline.job'].id);
    expect(parsed.error).toBeInstanceOf(ConfigurationError);
    expect(parsed.error.message).toContain(
      'CodePipeline.job.data.artifactCredentials.secretAccessKey',
    );
    expect(parsed.error.message).toContain('secretAccessKey: is missing');
    expect(parsed.error.message).not.toContain('AKIAEXAMPLEKEY1');
  });

  it('says which type a field should have, without quoting the value', () => {
    // Prepare
    const event = jobEvent();
    const job = event['CodePipeline.job'] as {
      data: { artifactCredentials: Record<string, unknown>; inputArtifacts: unknown };
    };
    job.data.artifactCredentials.sessionToken = 123456789;
    job.data.inputArtifacts = 'SourceOutput';

    // Act
    const parsed = parseJobEvent(event);

    // Assess
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.message).toBe(
      'The CodePipeline job event is malformed: CodePipeline.job.data.inputArtifacts: expected array; CodePipeline.job.data.artifactCredentials.sessionToken: expected string',
    );
  });
});

describe('Fuzz: parseJobEvent', () => {
  it('either parses, returns a malformed-job failure, or refuses with NotAJobEventError, for any JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ 'CodePipeline.job': fc.jsonValue() }),
          fc.record({
            'CodePipeline.job': fc.record({
              id: fc.string({ minLength: 1 }),
              data: fc.jsonValue(),
            }),
          }),
        ),
        (event) => {
          try {
            const parsed = parseJobEvent(event);
            if (!parsed.ok) expect(parsed.error).toBeInstanceOf(ConfigurationError);
          } catch (error) {
            expect(error).toBeInstanceOf(NotAJobEventError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
