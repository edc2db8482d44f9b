import { ConfigurationError } from '../errors.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Safety limits applied to input artifacts. Archives come from earlier pipeline
 * stages, which may run code from anyone who can open a pull request, so every
 * size and count a zip declares is checked, and checked again while bytes flow
 * (declared sizes can lie). Raise a limit when a legitimate artifact needs it.
 */
export interface ArtifactLimits {
  /**
   * Most entries an archive may have; larger archives are refused before any entry is read.
   * @default 10_000
   */
  readonly maxEntries: number;
  /**
   * Most uncompressed bytes `extractTo` writes in total.
   * @default 1 GiB (1_073_741_824)
   */
  readonly maxTotalBytes: number;
  /**
   * Most uncompressed bytes a single entry may have (declared, and counted while inflating).
   * @default 1 GiB (1_073_741_824)
   */
  readonly maxEntryBytes: number;
  /**
   * Most bytes `read`, `text`, `json` and `download` hold in memory at once. Use
   * `stream` or `extractTo` for bigger files: they keep memory flat.
   * @default 256 MiB (268_435_456)
   */
  readonly maxReadBytes: number;
}

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = Object.freeze({
  maxEntries: 10_000,
  maxTotalBytes: GiB,
  maxEntryBytes: GiB,
  maxReadBytes: 256 * MiB,
});

/** Applies the defaults once; a limit that is not a positive integer is a configuration mistake. */
export function resolveLimits(limits: Partial<ArtifactLimits> | undefined): ArtifactLimits {
  for (const name of Object.keys(limits ?? {})) {
    if (!(name in DEFAULT_ARTIFACT_LIMITS)) {
      throw new ConfigurationError(
        `Unknown artifact limit "${name}"; known limits: ${Object.keys(DEFAULT_ARTIFACT_LIMITS).join(', ')}`,
      );
    }
  }
  const resolved: ArtifactLimits = {
    maxEntries: limits?.maxEntries ?? DEFAULT_ARTIFACT_LIMITS.maxEntries,
    maxTotalBytes: limits?.maxTotalBytes ?? DEFAULT_ARTIFACT_LIMITS.maxTotalBytes,
    maxEntryBytes: limits?.maxEntryBytes ?? DEFAULT_ARTIFACT_LIMITS.maxEntryBytes,
    maxReadBytes: limits?.maxReadBytes ?? DEFAULT_ARTIFACT_LIMITS.maxReadBytes,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ConfigurationError(
        `Artifact limit ${name} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  return Object.freeze(resolved);
}

/** Human-readable byte counts for messages ("1.5 MiB"). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}
