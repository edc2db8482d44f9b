import { totalmem } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CollectionPacer,
  collectDeadBuffers,
  memoryBudgetBytes,
} from '../../../src/artifacts/dead-buffers.js';

const MiB = 1024 * 1024;

describe('memoryBudgetBytes', () => {
  it("is the Lambda function's configured memory size", () => {
    expect(memoryBudgetBytes({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' })).toBe(128 * MiB);
  });

  it('is the least of the configured size, the cgroup limit and the machine', () => {
    const constrained = vi.spyOn(process, 'constrainedMemory').mockReturnValue(100 * MiB);
    try {
      expect(memoryBudgetBytes({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' })).toBe(100 * MiB);
      expect(memoryBudgetBytes({})).toBe(100 * MiB);
    } finally {
      constrained.mockRestore();
    }
  });

  it("is the machine's memory when nothing else limits the process", () => {
    // constrainedMemory() answers 0 or ~2^64 when no cgroup limits the process.
    for (const unlimited of [0, 2 ** 64]) {
      const constrained = vi.spyOn(process, 'constrainedMemory').mockReturnValue(unlimited);
      try {
        expect(memoryBudgetBytes({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'not a number' })).toBe(
          totalmem(),
        );
      } finally {
        constrained.mockRestore();
      }
    }
  });
});

describe('collectDeadBuffers', () => {
  // Assigned, not stubbed: with --expose-gc (the Lambda pass) `gc` is a writable but
  // non-configurable global, which vi.stubGlobal cannot redefine.
  const withGc = globalThis as { gc?: (() => void) | undefined };
  const realGc = withGc.gc;
  const gc = vi.fn();
  beforeEach(() => {
    withGc.gc = gc;
    vi.stubEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '128');
    gc.mockClear();
  });
  afterEach(() => {
    withGc.gc = realGc;
    if (realGc === undefined) delete withGc.gc;
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('collects once the process uses more than half its memory', () => {
    vi.spyOn(process.memoryUsage, 'rss').mockReturnValue(65 * MiB);

    collectDeadBuffers();

    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('leaves V8 alone while memory is plentiful: a full collection costs tens of ms', () => {
    vi.spyOn(process.memoryUsage, 'rss').mockReturnValue(64 * MiB);

    collectDeadBuffers();

    expect(gc).not.toHaveBeenCalled();
  });

  it('is asked for once per 8 MiB a streaming path moves (CollectionPacer)', () => {
    vi.spyOn(process.memoryUsage, 'rss').mockReturnValue(100 * MiB);
    const pacer = new CollectionPacer();

    pacer.moved(8 * MiB - 1);
    expect(gc).not.toHaveBeenCalled();
    pacer.moved(1);
    expect(gc).toHaveBeenCalledTimes(1);
    pacer.moved(8 * MiB - 1);
    expect(gc).toHaveBeenCalledTimes(1);
    pacer.moved(8 * MiB);
    expect(gc).toHaveBeenCalledTimes(2);
  });

  it('does nothing where Node does not expose gc', () => {
    withGc.gc = undefined;
    vi.spyOn(process.memoryUsage, 'rss').mockReturnValue(1024 * MiB);

    expect(() => collectDeadBuffers()).not.toThrow();
    expect(gc).not.toHaveBeenCalled();
  });
});
