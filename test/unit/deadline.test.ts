import { describe, expect, it } from 'vitest';
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

  it('expires the margin before the Lambda deadline', async () => {
    // Prepare
    const end = Date.now() + 80;

    // Act
    const deadline = startDeadline({ getRemainingTimeInMillis: () => end - Date.now() }, 50);
    await deadline.expired;

    // Assess
    expect(deadline.budgetMs).toBeLessThanOrEqual(30);
    expect(deadline.remainingMs()).toBeGreaterThan(0);
    expect(deadline.remainingMs()).toBeLessThanOrEqual(80);
  });

  it('treats a context that returns nonsense as having no time', async () => {
    // Act
    const deadline = startDeadline({ getRemainingTimeInMillis: () => Number.NaN }, 10);
    await deadline.expired;

    // Assess
    expect(deadline.budgetMs).toBe(0);
  });
});
