import { describe, expect, it } from 'vitest';
import { ratingGate } from '../../../src/gates/index.js';
import { invokeAction } from '../../../src/index.js';
import { runJob } from '../../../src/testing/index.js';

const handler = invokeAction(ratingGate);

const ratingsJson = JSON.stringify([
  { user: 'a', rating: 5 },
  { user: 'b', rating: 4 },
  { user: 'c', rating: 4 },
  { user: 'd', rating: 5 },
]);

describe('Gate: ratingGate', () => {
  it('approves when the ratings are good enough, stating the average and count', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'ratings.json', minAverage: 4, minCount: 3 },
      artifacts: { SourceOutput: { 'ratings.json': ratingsJson } },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.summary).toBe(
      'Average rating 4.5 from 4 ratings (minAverage 4, minCount 3): approved',
    );
    expect(result.outputVariables).toEqual({ averageRating: '4.5', ratingCount: '4' });
  });

  it('fails when the average is below minAverage', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'ratings.json', minAverage: 4.6 },
      artifacts: { SourceOutput: { 'ratings.json': ratingsJson } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('JobFailed');
    expect(result.message).toContain('rejected, average 4.5 is below minAverage 4.6');
  });

  it('fails when there are fewer ratings than minCount', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'ratings.json', minAverage: 1, minCount: 5 },
      artifacts: { SourceOutput: { 'ratings.json': ratingsJson } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toContain('only 4 ratings, fewer than minCount 5');
  });

  it('fails when more than maxShare of the ratings are below the threshold', async () => {
    // Prepare
    const ratings = JSON.stringify([5, 5, 5, 5, 5, 5, 5, 5, 1, 1]);

    // Act
    const result = await runJob(handler, {
      params: {
        file: 'ratings.json',
        minAverage: 4,
        maxShareBelow: { threshold: 3, maxShare: 0.1 },
      },
      artifacts: { SourceOutput: { 'ratings.json': ratings } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toContain('20% of ratings are below 3, more than the allowed 10%');
  });

  it('reads a CSV column from the named artifact among several', async () => {
    // Prepare
    const csv = 'user,score,comment\nann,5,"great, fast"\nbob,4,ok\n';

    // Act
    const result = await runJob(handler, {
      params: { artifact: 'Feedback', file: 'export/ratings.csv', field: 'score', minAverage: 4 },
      artifacts: {
        SourceOutput: { 'ratings.json': '[1]' },
        Feedback: { 'export/ratings.csv': csv },
      },
    });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.outputVariables).toEqual({ averageRating: '4.5', ratingCount: '2' });
  });

  it('fails naming the row of a non-numeric rating', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'ratings.csv', minAverage: 1 },
      artifacts: { SourceOutput: { 'ratings.csv': 'rating\n5\nfive\n4\n' } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toBe('ratings.csv has 1 invalid rating: row 3: "five" is not a number');
  });

  it('fails naming the item of an out-of-range rating on a custom scale', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'nps.json', minAverage: 7, scale: { min: 0, max: 10 } },
      artifacts: { SourceOutput: { 'nps.json': '[9, 10, 11]' } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toBe(
      'nps.json has 1 invalid rating: item 3 (index 2): 11 is outside the scale 0..10',
    );
  });

  it('reports a configuration error when neither file nor url is set', async () => {
    // Act
    const result = await runJob(handler, { params: { minAverage: 4 } });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toContain('set exactly one of "file"');
  });

  it('reports a configuration error for a misspelt parameter', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'ratings.json', minAverage: 4, minCuont: 10 },
      artifacts: { SourceOutput: { 'ratings.json': ratingsJson } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toContain('minCuont');
  });

  it('reports a configuration error naming the field and what is wrong with it', async () => {
    // Act
    const result = await runJob(handler, {
      params: { file: 'ratings.json', minAverage: '4' },
      artifacts: { SourceOutput: { 'ratings.json': ratingsJson } },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toBe(
      'UserParameters is invalid: UserParameters.minAverage: expected number, received string',
    );
  });

  it('refuses a plain http URL that is not on loopback', async () => {
    // Act
    const result = await runJob(handler, {
      params: { url: 'http://ratings.example.com/export', minAverage: 4 },
    });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toContain('must be an https:// URL');
  });

  it('reports a configuration error naming url when it is not a URL at all', async () => {
    // Act
    const result = await runJob(handler, { params: { url: 'not a url', minAverage: 4 } });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('ConfigurationError');
    expect(result.message).toContain('UserParameters.url: must be an http:// or https:// URL');
  });
});
