import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CachedRangeReader } from '../../../src/artifacts/range-reader.js';
import { CountingSource } from '../../helpers/artifact-context.js';

const KiB = 1024;

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('Class: CachedRangeReader', () => {
  it('returns exactly the bytes asked for, across block boundaries (property)', async () => {
    // Prepare
    const bytes = randomBytes(200 * KiB);
    const reader = new CachedRangeReader(new CountingSource(bytes), {
      blockSize: 16 * KiB,
      maxCachedBlocks: 4,
    });
    const range = fc
      .tuple(fc.nat({ max: bytes.length }), fc.nat({ max: 40 * KiB }))
      .map(([start, length]) => [start, Math.min(bytes.length, start + length)] as const);

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(range, async ([start, end]) => {
        const read = await reader.readRange(start, end);
        expect(read.equals(bytes.subarray(start, end))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('serves repeated reads from its cache', async () => {
    // Prepare
    const source = new CountingSource(randomBytes(100 * KiB));
    const reader = new CachedRangeReader(source, { blockSize: 32 * KiB });

    // Act
    await reader.readRange(10, 100);
    await reader.readRange(200, 300);
    await reader.readRange(50, 60);

    // Assess
    expect(source.reads).toBe(1);
  });

  it('fetches further ahead during a sequential scan', async () => {
    // Prepare
    const source = new CountingSource(randomBytes(1024 * KiB));
    const reader = new CachedRangeReader(source, { blockSize: 8 * KiB, maxReadAheadBlocks: 8 });

    // Act: 46-byte records one after the other, like a central directory
    for (let at = 0; at < 512 * KiB; at += 46) await reader.readRange(at, at + 46);

    // Assess: without read-ahead this would be 64 requests
    expect(source.reads).toBeLessThan(16);
  });

  it('keeps the cache bounded', async () => {
    // Prepare
    const source = new CountingSource(randomBytes(512 * KiB));
    const reader = new CachedRangeReader(source, {
      blockSize: 8 * KiB,
      maxCachedBlocks: 4,
      maxReadAheadBlocks: 0,
    });

    // Act: touch 64 blocks, then the first one again
    for (let block = 0; block < 64; block++)
      await reader.readRange(block * 8 * KiB, block * 8 * KiB + 1);
    const before = source.reads;
    await reader.readRange(0, 1);

    // Assess: the first block was evicted and had to be fetched again
    expect(source.reads).toBe(before + 1);
  });

  it('streams a large range straight from the source without caching it', async () => {
    // Prepare
    const bytes = randomBytes(300 * KiB);
    const source = new CountingSource(bytes);
    const reader = new CachedRangeReader(source, { blockSize: 16 * KiB });

    // Act
    const streamed = await drain(reader.createReadStream({ start: 1000, end: 250 * KiB }));
    const reads = source.reads;
    await drain(reader.createReadStream({ start: 1000, end: 250 * KiB }));

    // Assess
    expect(streamed.equals(bytes.subarray(1000, 250 * KiB))).toBe(true);
    expect(source.reads).toBe(reads + 1);
  });

  it('takes the cached head of a large range from the cache and fetches only the rest', async () => {
    // Prepare: a small read fetches the first blocks (one block plus read-ahead)
    const bytes = randomBytes(300 * KiB);
    const source = new CountingSource(bytes);
    const reader = new CachedRangeReader(source, { blockSize: 16 * KiB });
    await reader.readRange(0, 100);
    await reader.readRange(16 * KiB, 16 * KiB + 100);
    const before = source.bytesRead;

    // Act
    const streamed = await drain(reader.createReadStream({ start: 1000, end: 250 * KiB }));

    // Assess: the same bytes, and the cached 32 KiB (or more) were not downloaded again
    expect(streamed.equals(bytes.subarray(1000, 250 * KiB))).toBe(true);
    expect(source.bytesRead - before).toBeLessThanOrEqual(250 * KiB - 32 * KiB);
  });

  it('does not cache a failed read', async () => {
    // Prepare
    const source = new CountingSource(randomBytes(64 * KiB));
    const original = source.read.bind(source);
    let fail = true;
    source.read = async (start, end) => {
      if (fail) {
        fail = false;
        throw new Error('transient');
      }
      return original(start, end);
    };
    const reader = new CachedRangeReader(source, { blockSize: 16 * KiB });

    // Act
    const first = await reader.readRange(0, 10).catch((error: Error) => error);
    const second = await reader.readRange(0, 10);

    // Assess
    expect(first).toBeInstanceOf(Error);
    expect(second.length).toBe(10);
  });

  it('refuses a read outside the archive', async () => {
    // Prepare
    const reader = new CachedRangeReader(new CountingSource(Buffer.alloc(10)));

    // Act & Assess
    await expect(reader.readRange(5, 11)).rejects.toThrow(RangeError);
  });
});
