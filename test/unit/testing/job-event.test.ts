import { describe, expect, it } from 'vitest';
import { parseJobEvent } from '../../../src/event.js';
import { artifactLocations, jobEvent } from '../../../src/testing/index.js';

describe('Function: jobEvent', () => {
  it('builds an event the engine parses, with a fresh UUID job id each time', () => {
    // Act
    const first = jobEvent();
    const second = jobEvent();

    // Assess
    expect(parseJobEvent(first).ok).toBe(true);
    expect(first['CodePipeline.job'].id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(first['CodePipeline.job'].id).not.toBe(second['CodePipeline.job'].id);
  });

  it('JSON-encodes object parameters and passes strings as they are', () => {
    // Act
    const fromObject = jobEvent({ params: { a: 1 } });
    const fromString = jobEvent({ params: 'plain text' });
    const none = jobEvent();

    // Assess
    expect(
      fromObject['CodePipeline.job'].data.actionConfiguration.configuration.UserParameters,
    ).toBe('{"a":1}');
    expect(
      fromString['CodePipeline.job'].data.actionConfiguration.configuration.UserParameters,
    ).toBe('plain text');
    expect(none['CodePipeline.job'].data.actionConfiguration.configuration).not.toHaveProperty(
      'UserParameters',
    );
  });

  it('lays out input and output artifacts in the artifact store bucket', () => {
    // Act
    const event = jobEvent({
      artifacts: { SourceOutput: { 'a.txt': 'a' } },
      outputArtifacts: ['Report'],
      bucket: 'my-store',
    });
    const locations = artifactLocations(event);

    // Assess
    expect(locations.inputs).toEqual([
      {
        name: 'SourceOutput',
        bucket: 'my-store',
        key: expect.stringMatching(/^demo-pipeline\/SourceOutput\/[A-Za-z0-9]{7}$/),
      },
    ]);
    expect(locations.outputs.map((output) => output.name)).toEqual(['Report']);
    expect(event['CodePipeline.job'].data.outputArtifacts?.[0]?.revision).toBeNull();
  });

  it('adds the continuation token and encryption key when given', () => {
    // Act
    const event = jobEvent({ continuationToken: 'abc', encryptionKey: 'alias/artifacts' });

    // Assess
    expect(event['CodePipeline.job'].data.continuationToken).toBe('abc');
    expect(event['CodePipeline.job'].data.encryptionKey).toEqual({
      id: 'alias/artifacts',
      type: 'KMS',
    });
  });
});
