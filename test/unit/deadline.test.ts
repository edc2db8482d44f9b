import { afterEach, describe, expect, it, vi } from 'vitest';
import { startDeadline } from '../../src/deadline.js';

describe('Function: startDeadline', () => {
  it('has no deadline without a Lambda context', async () => {
    // Act
    const deadline = startDeadline(undefined, 1000);
    const raced = await Promise.race([
      deadline.expired.then(() => 'expired'),
      new Promise((r) => setTimeout(() => r('waiting'), 20)),
    ]);

    // Assess
    expect(raced).toBe('waiting');
    expect(deadline.budgetMs).toBe(Number.POSITIVE_INFINITY);
    expect(deadline.remainingMs()).toBe(Number.POSITIVE_INFINITY);
    deadline.cancel();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires the margin before the Lambda deadline', async () => {
    // Prepare: a fake clock, so a busy machine pausing this process between the timer
    // and the assertions cannot eat the 50 ms margin.
    vi.useFakeTimers();
    const end = Date.now() + 80;
    let expiredAt: number | undefined;

    // Act
    const deadline = startDeadline({ getRemainingTimeInMillis: () => end - Date.now() }, 50);
    deadline.expired.then(() => {
      expiredAt = Date.now();
    });
    await vi.advanceTimersByTimeAsync(29);
    const before = expiredAt;
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(before).toBeUndefined();
    expect(expiredAt).toBe(end - 50);
    expect(deadline.budgetMs).toBe(30);
    expect(deadline.remainingMs()).toBe(50);
  });

  it('treats a context that returns nonsense as having no time', async () => {
    // Act
    const deadline = startDeadline({ getRemainingTimeInMillis: () => Number.NaN }, 10);
    await deadline.expired;

    // Assess
    expect(deadline.budgetMs).toBe(0);
  });
});

describe('Method: Deadline.onExpired', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls back when the deadline expires, and not after cancel', async () => {
    // Prepare
    vi.useFakeTimers();
    const end = Date.now() + 100;
    const context = { getRemainingTimeInMillis: () => end - Date.now() };
    const expiring = startDeadline(context, 50);
    const cancelled = startDeadline(context, 50);
    const calls: string[] = [];

    // Act
    expiring.onExpired(() => calls.push('expired'));
    cancelled.onExpired(() => calls.push('cancelled'));
    cancelled.cancel();
    await vi.advanceTimersByTimeAsync(49);
    const before = [...calls];
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(before).toEqual([]);
    expect(calls).toEqual(['expired']);
  });

  it('calls back at once (in a microtask) when it has already expired, as a late then() would', async () => {
    // Prepare: no time left, and the timer has fired.
    const deadline = startDeadline({ getRemainingTimeInMillis: () => 0 }, 10);
    await deadline.expired;
    const calls: string[] = [];

    // Act
    deadline.onExpired(() => calls.push('late'));
    const synchronously = [...calls];
    await Promise.resolve();

    // Assess
    expect(synchronously).toEqual([]);
    expect(calls).toEqual(['late']);
  });
});
