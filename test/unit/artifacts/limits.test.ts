import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ARTIFACT_LIMITS,
  formatBytes,
  resolveLimits,
} from '../../../src/artifacts/limits.js';
import { ConfigurationError } from '../../../src/errors.js';

describe('Function: resolveLimits', () => {
  it('applies the defaults when nothing is given', () => {
    // Act
    const limits = resolveLimits(undefined);

    // Assess
    expect(limits).toEqual({
      maxEntries: 10_000,
      maxTotalBytes: 1024 ** 3,
      maxEntryBytes: 1024 ** 3,
      maxReadBytes: 256 * 1024 ** 2,
    });
    expect(limits).toEqual(DEFAULT_ARTIFACT_LIMITS);
  });

  it('keeps the limits the user raised and defaults the rest', () => {
    // Act
    const limits = resolveLimits({ maxEntries: 50_000, maxTotalBytes: 4 * 1024 ** 3 });

    // Assess
    expect(limits.maxEntries).toBe(50_000);
    expect(limits.maxTotalBytes).toBe(4 * 1024 ** 3);
    expect(limits.maxEntryBytes).toBe(DEFAULT_ARTIFACT_LIMITS.maxEntryBytes);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %d', (value) => {
    // Act & Assess
    expect(() => resolveLimits({ maxEntries: value })).toThrow(ConfigurationError);
  });

  it('refuses an unknown limit name so a typo fails loudly', () => {
    // Act & Assess
    expect(() => resolveLimits({ maxEntrys: 5 } as never)).toThrow(
      /Unknown artifact limit "maxEntrys"/,
    );
  });
});

describe('Function: formatBytes', () => {
  it.each([
    [512, '512 B'],
    [2048, '2 KiB'],
    [1536 * 1024, '1.5 MiB'],
    [1024 ** 3, '1 GiB'],
  ])('formats %d as %s', (bytes, text) => {
    // Act & Assess
    expect(formatBytes(bytes)).toBe(text);
  });
});
