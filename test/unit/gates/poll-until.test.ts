import { describe, expect, it } from 'vitest';
import { type PollResult, pollUntil } from '../../../src/gates/index.js';
import { encodeContinuation, invokeAction } from '../../../src/index.js';
import { runJob, runUntilDone } from '../../../src/testing/index.js';

/** A handler whose check answers from a script, recording the context it was given. */
function scripted(results: PollResult<{ deploymentId: string }>[], intervalRounds?: number) {
  const seen: { attempt: number; state: unknown; round: number }[] = [];
  const handler = invokeAction({
    run: pollUntil<undefined, { deploymentId: string }>({
      maxMinutes: 30,
      ...(intervalRounds ? { intervalRounds } : {}),
      check(job, poll) {
        seen.push({ attempt: poll.attempt, state: poll.state, round: job.round });
        const result = results[Math.min(poll.attempt, results.length) - 1];
        if (!result) throw new Error('script exhausted');
        return result;
      },
    }),
  });
  return { handler, seen };
}

/** A token as a round of a job started `minutesAgo` would have written it. */
function tokenStarted(minutesAgo: number, round = 3): string {
  return encodeContinuation({
    state: { n: round, m: 'deployment 42 is 80% done' },
    round,
    startedAt: Date.now() - minutesAgo * 60_000,
  });
}

describe('Function: pollUntil', () => {
  it('succeeds with the summary of a done check', async () => {
    // Prepare
    const { handler } = scripted([{ status: 'done', summary: 'Deployment 42 is live' }]);

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.summary).toBe('Deployment 42 is live');
  });

  it('continues while pending, with percentComplete and summary, and passes the check its state', async () => {
    // Prepare
    const { handler, seen } = scripted([
      { status: 'pending', progress: 30, summary: 'Deploying', state: { deploymentId: 'd-42' } },
      { status: 'pending', progress: 70.4 },
      { status: 'done', outputVariables: { deploymentId: 'd-42' } },
    ]);

    // Act
    const result = await runUntilDone(handler);

    // Assess
    expect(result.rounds.map((round) => round.status)).toEqual([
      'in-progress',
      'in-progress',
      'succeeded',
    ]);
    expect(result.rounds[0]?.percentComplete).toBe(30);
    expect(result.rounds[0]?.summary).toMatch(/^Deploying \(check 1, \d+ s of 30 min\)$/);
    expect(result.rounds[1]?.percentComplete).toBe(70);
    expect(result.rounds[1]?.summary).toMatch(/^Still waiting \(check 2, /);
    expect(result.summary).toMatch(/^Done after 3 checks in \d+ s$/);
    expect(result.outputVariables).toEqual({ deploymentId: 'd-42' });
    expect(seen).toEqual([
      { attempt: 1, state: undefined, round: 1 },
      { attempt: 2, state: { deploymentId: 'd-42' }, round: 2 },
      { attempt: 3, state: { deploymentId: 'd-42' }, round: 3 },
    ]);
  });

  it('fails with the message and failure type of a failed check', async () => {
    // Prepare
    const { handler } = scripted([
      { status: 'failed', message: 'Deployment 42 rolled back', failureType: 'RevisionOutOfSync' },
    ]);

    // Act
    const result = await runJob(handler);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toBe('Deployment 42 rolled back');
    expect(result.failureType).toBe('RevisionOutOfSync');
  });

  it('fails with the last status once maxMinutes have passed since the first round', async () => {
    // Prepare
    const { handler, seen } = scripted([{ status: 'pending', summary: 'Deployment 42 at 90%' }]);

    // Act
    const result = await runJob(handler, { continuationToken: tokenStarted(31) });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failureType).toBe('JobFailed');
    expect(result.message).toMatch(
      /^Gave up after 31 min \(maxMinutes 30\) and 4 checks; last status: Deployment 42 at 90%$/,
    );
    expect(seen).toHaveLength(1);
  });

  it('still succeeds when the last look after maxMinutes finds it done', async () => {
    // Prepare
    const { handler } = scripted([{ status: 'done', summary: 'Just made it' }], 5);

    // Act
    const result = await runJob(handler, { continuationToken: tokenStarted(45) });

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.summary).toBe('Just made it');
  });

  it('checks only every intervalRounds rounds, repeating the last progress in between', async () => {
    // Prepare
    const { handler, seen } = scripted(
      [
        { status: 'pending', progress: 10, summary: 'Queued' },
        { status: 'done', summary: 'Done' },
      ],
      3,
    );

    // Act
    const result = await runUntilDone(handler);

    // Assess
    expect(result.status).toBe('succeeded');
    expect(result.rounds).toHaveLength(4);
    expect(seen.map((call) => call.round)).toEqual([1, 4]);
    expect(result.rounds[1]?.percentComplete).toBe(10);
    expect(result.rounds[2]?.summary).toMatch(/^Queued \(check 1, /);
  });

  it('rejects options that cannot work, at cold start', () => {
    // Prepare
    const check = () => ({ status: 'done' }) as const;

    // Assess
    expect(() => pollUntil({ check, maxMinutes: 0 })).toThrow('maxMinutes must be a positive');
    expect(() => pollUntil({ check, maxMinutes: 5, intervalRounds: 1.5 })).toThrow(
      'intervalRounds must be an integer',
    );
    expect(() => pollUntil({ check: undefined as never, maxMinutes: 5 })).toThrow(
      'needs a check(job) function',
    );
  });
});
