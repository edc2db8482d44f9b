import { describe, expect, it } from 'vitest';
import { mapConcurrently } from '../../src/map-concurrently.js';

/** A promise and the functions that settle it, so a test decides when each call ends. */
function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapConcurrently', () => {
  it('returns the results in the order of the items, whatever order the calls end in', async () => {
    // Prepare
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];

    // Act
    const mapping = mapConcurrently([0, 1, 2], 3, async (item) => {
      await gates[item]?.promise;
      return `item ${item}`;
    });
    for (const gate of [...gates].reverse()) {
      gate.resolve();
      await settle();
    }

    // Assess
    expect(await mapping).toEqual(['item 0', 'item 1', 'item 2']);
  });

  it('has at most `limit` calls in flight, and starts the next one as soon as one ends', async () => {
    // Prepare
    const gates = Array.from({ length: 5 }, () => deferred<void>());
    const started: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;

    // Act
    const mapping = mapConcurrently([0, 1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await gates[item]?.promise;
      inFlight--;
      return item * 10;
    });
    await settle();
    const startedAtFirst = [...started];
    gates[1]?.resolve();
    await settle();
    const startedAfterOneEnded = [...started];
    for (const gate of gates) gate.resolve();

    // Assess
    expect(await mapping).toEqual([0, 10, 20, 30, 40]);
    expect(startedAtFirst).toEqual([0, 1]);
    expect(startedAfterOneEnded).toEqual([0, 1, 2]);
    expect(mostInFlight).toBe(2);
  });

  it('makes no call and returns nothing for no items', async () => {
    // Prepare
    let calls = 0;

    // Act
    const results = await mapConcurrently([], 4, async () => {
      calls++;
    });

    // Assess
    expect(results).toEqual([]);
    expect(calls).toBe(0);
  });

  it('rejects with the rejection of a call', async () => {
    // Act
    const mapping = mapConcurrently([1, 2, 3], 2, async (item) => {
      if (item === 2) throw new Error('item 2 failed');
      return item;
    });

    // Assess
    await expect(mapping).rejects.toThrow('item 2 failed');
  });
});
