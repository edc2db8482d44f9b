import { describe, expect, it } from 'vitest';
import { SLOT_COUNT, WatchdogMemory, type WatchedJob } from '../../../src/watchdog/memory.js';

const job = (overrides: Partial<WatchedJob> = {}): WatchedJob => ({
  jobId: '11111111-2222-4333-8444-555555555555',
  reporterId: 3,
  startedAt: 1_700_000_000_000,
  deadlineAt: 1_700_000_028_000,
  lambdaEndAt: 1_700_000_030_000,
  budgetMs: 28_000,
  marginMs: 2000,
  ...overrides,
});

describe('Class: WatchdogMemory', () => {
  it('shows the watchdog thread exactly what the main thread watches', () => {
    // Prepare
    const main = new WatchdogMemory();
    const watchdog = new WatchdogMemory(main.buffer);

    // Act
    main.watch(job());

    // Assess
    expect([...watchdog.watched()].map((watched) => watched.job)).toEqual([job()]);
  });

  it('lets only the watchdog answer once it has claimed the job', () => {
    // Prepare
    const main = new WatchdogMemory();
    const watchdog = new WatchdogMemory(main.buffer);
    const view = main.watch(job());
    const [seen] = [...watchdog.watched()];

    // Act
    const watchdogClaimed = watchdog.claimForWatchdog(seen as NonNullable<typeof seen>);
    const mainClaimed = main.claimForMain(view as NonNullable<typeof view>);

    // Assess
    expect(watchdogClaimed).toBe(true);
    expect(mainClaimed).toBe(false);
    expect([...watchdog.watched()]).toEqual([]);
  });

  it('lets only the main thread answer once it has claimed the job', () => {
    // Prepare
    const main = new WatchdogMemory();
    const watchdog = new WatchdogMemory(main.buffer);
    const view = main.watch(job());
    const [seen] = [...watchdog.watched()];

    // Act
    const mainClaimed = main.claimForMain(view as NonNullable<typeof view>);
    const watchdogClaimed = watchdog.claimForWatchdog(seen as NonNullable<typeof seen>);

    // Assess
    expect(mainClaimed).toBe(true);
    expect(watchdogClaimed).toBe(false);
  });

  it('refuses a claim made with a view of an earlier invocation in the same slot', () => {
    // Prepare: the watchdog saw job A; A was answered and job B took the same slot.
    const main = new WatchdogMemory();
    const watchdog = new WatchdogMemory(main.buffer);
    const first = main.watch(job({ jobId: 'aaaaaaaa-2222-4333-8444-555555555555' }));
    const [stale] = [...watchdog.watched()];
    main.claimForMain(first as NonNullable<typeof first>);
    const second = main.watch(job({ jobId: 'bbbbbbbb-2222-4333-8444-555555555555' }));

    // Act
    const claimed = watchdog.claimForWatchdog(stale as NonNullable<typeof stale>);

    // Assess
    expect(second?.slot).toBe(first?.slot);
    expect(claimed).toBe(false);
    expect(main.claimForMain(second as NonNullable<typeof second>)).toBe(true);
  });

  it("hands the main thread the watchdog's verdict and frees the slot", async () => {
    // Prepare
    const main = new WatchdogMemory();
    const watchdog = new WatchdogMemory(main.buffer);
    const view = main.watch(job()) as NonNullable<ReturnType<WatchdogMemory['watch']>>;
    const [seen] = [...watchdog.watched()];
    watchdog.claimForWatchdog(seen as NonNullable<typeof seen>);
    main.claimForMain(view);

    // Act
    const waiting = main.verdict(view, 5000);
    watchdog.settle(seen as NonNullable<typeof seen>, 'already-answered');

    // Assess
    await expect(waiting).resolves.toBe('already-answered');
    expect(main.watch(job())?.slot).toBe(view.slot);
  });

  it('says nothing while the watchdog is still reporting, and frees the slot anyway', async () => {
    // Prepare
    const main = new WatchdogMemory();
    const watchdog = new WatchdogMemory(main.buffer);
    const view = main.watch(job()) as NonNullable<ReturnType<WatchdogMemory['watch']>>;
    const [seen] = [...watchdog.watched()];
    watchdog.claimForWatchdog(seen as NonNullable<typeof seen>);

    // Act
    const verdict = await main.verdict(view, 0);

    // Assess
    expect(verdict).toBeUndefined();
    expect(main.watch(job())?.slot).toBe(view.slot);
  });

  it('watches no more than SLOT_COUNT invocations at once', () => {
    // Prepare
    const main = new WatchdogMemory();
    for (let i = 0; i < SLOT_COUNT; i++) main.watch(job());

    // Act
    const overflow = main.watch(job());

    // Assess
    expect(overflow).toBeUndefined();
  });

  it('does not watch a job id that does not fit its slot', () => {
    expect(new WatchdogMemory().watch(job({ jobId: 'x'.repeat(65) }))).toBeUndefined();
    expect(new WatchdogMemory().watch(job({ jobId: 'é' }))).toBeUndefined();
  });

  it("shares the main thread's heartbeat", () => {
    // Prepare
    const main = new WatchdogMemory();
    const watchdog = new WatchdogMemory(main.buffer);

    // Act
    main.beat(1_700_000_000_123);

    // Assess
    expect(watchdog.lastBeat()).toBe(1_700_000_000_123);
  });
});
