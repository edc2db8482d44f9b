/**
 * The end of an archive fetched first, exactly what yauzl reads to find the
 * end-of-central-directory record: its 22 bytes, the longest comment a zip may carry
 * (65,535 bytes) and the 20-byte Zip64 locator before it. An input artifact's first
 * GET asks for these bytes (s3-object.ts), so the zip reader finds them in memory.
 */
export const ZIP_TAIL_BYTES = 20 + 22 + 0xffff;
