/**
 * What the two bench zip generators (make-artifact.ts, make-tree.ts) write alike: the
 * timestamp every entry carries and the end-of-central-directory record. Their entry
 * headers differ (data descriptors or not, stored or deflated, Unix modes), so each
 * keeps its own.
 */

/** 2026-01-01 in MS-DOS date format; the time field stays 00:00. */
export const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;

/** The record that ends a zip (no zip64): how many entries, and where the central directory lies. */
export function endOfCentralDirectory(
  entries: number,
  directorySize: number,
  directoryOffset: number,
): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries, 8);
  end.writeUInt16LE(entries, 10);
  end.writeUInt32LE(directorySize, 12);
  end.writeUInt32LE(directoryOffset, 16);
  return end;
}
