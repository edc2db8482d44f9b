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
