import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../../src/artifacts/limits.js';
import { ByteLimit, ZipArchive } from '../../../src/artifacts/zip-reader.js';
import { JobFailedError } from '../../../src/errors.js';
import { buildZip, buildZipSegments } from '../../fixtures/hostile-zips/raw-zip.js';
import { CountingSource } from '../../helpers/artifact-context.js';

const GiB = 1024 ** 3;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('Class: ZipArchive', () => {
  it('reads a small file after a 5 GiB entry in a Zip64 archive touching only a few MiB', async () => {
    // Prepare: a 5 GiB stored entry that is never allocated, then a small file past 4 GiB
    const source = new CountingSource(
      buildZipSegments([
        { name: 'huge.bin', data: { zeros: 5 * GiB } },
        { name: 'after/small.txt', data: Buffer.from('beyond four gigabytes\n') },
      ]),
    );
    const limits = resolveLimits({ maxEntryBytes: 8 * GiB });

    // Act
    const archive = await ZipArchive.open(source, 'Big', limits);
    const entry = archive.get('after/small.txt');
    const text = entry ? (await readAll(await archive.openEntry(entry, 1024))).toString() : '';

    // Assess
    expect(source.size).toBeGreaterThan(5 * GiB);
    expect(archive.entries.map((item) => [item.path, item.size])).toEqual([
      ['huge.bin', 5 * GiB],
      ['after/small.txt', 22],
    ]);
    expect(text).toBe('beyond four gigabytes\n');
    expect(source.bytesRead).toBeLessThan(4 * 1024 * 1024);
  });

  it('reads archives with Zip64 records even when they are small', async () => {
    // Prepare
    const source = new CountingSource(
      buildZip([{ name: 'a.txt', data: Buffer.from('zip64 small') }], { zip64: true }),
    );

    // Act
    const archive = await ZipArchive.open(source, 'Small64', resolveLimits({}));
    const entry = archive.get('a.txt');

    // Assess
    expect(entry?.size).toBe(11);
    expect(entry && (await readAll(await archive.openEntry(entry, 100))).toString()).toBe(
      'zip64 small',
    );
  });

  it('stops an entry the moment it inflates past its declared size', async () => {
    // Prepare: declares 100 bytes, inflates to 8 MiB
    const source = new CountingSource(
      buildZip([{ name: 'bomb.txt', data: Buffer.alloc(8 * 1024 * 1024), declaredSize: 100 }]),
    );
    const archive = await ZipArchive.open(source, 'Bombs', resolveLimits({}));
    const entry = archive.get('bomb.txt');
    if (!entry) throw new Error('fixture broken');
    let received = 0;

    // Act
    const error = await (async () => {
      for await (const chunk of await archive.openEntry(entry, 1024 * 1024)) {
        received += (chunk as Buffer).length;
      }
    })().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toContain('"bomb.txt"');
    expect(received).toBeLessThanOrEqual(100);
  });

  it('stops an entry at the caller limit even when its declared size is honest', async () => {
    // Prepare
    const source = new CountingSource(buildZip([{ name: 'big.txt', data: Buffer.alloc(200_000) }]));
    const archive = await ZipArchive.open(source, 'Art', resolveLimits({}));
    const entry = archive.get('big.txt');
    if (!entry) throw new Error('fixture broken');

    // Act
    const error = await archive.openEntry(entry, 1000).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toMatch(
      /"big\.txt".*declares 195\.3 KiB, more than the limit of 1000 B/,
    );
  });

  it('lists hostile names instead of failing the whole listing, and refuses to open them', async () => {
    // Prepare
    const source = new CountingSource(
      buildZip([
        { name: 'ok.txt', data: Buffer.from('ok') },
        { name: '..\\evil.txt', data: Buffer.from('evil') },
      ]),
    );
    const archive = await ZipArchive.open(source, 'Art', resolveLimits({}));
    const evil = archive.entries[1];

    // Act
    const error = evil
      ? await archive.openEntry(evil, 100).catch((caught: unknown) => caught)
      : undefined;

    // Assess
    expect(archive.entries.map((entry) => entry.path)).toEqual(['ok.txt', '..\\evil.txt']);
    expect((error as Error).message).toContain('Refusing entry "..\\evil.txt" of artifact "Art"');
  });

  it('flags a repeated entry name as unsafe', async () => {
    // Prepare
    const source = new CountingSource(
      buildZip([
        { name: 'a.txt', data: Buffer.from('one') },
        { name: 'a.txt', data: Buffer.from('two') },
      ]),
    );

    // Act
    const archive = await ZipArchive.open(source, 'Art', resolveLimits({}));

    // Assess
    expect(archive.entries[1]?.unsafeReason).toContain('more than one entry');
  });
});

describe('Method: ZipArchive.readSmallEntry', () => {
  it('gives the same bytes as openEntry for deflated and stored entries', async () => {
    // Prepare
    const text = Buffer.from('build output line\n'.repeat(500));
    const binary = randomBytes(70_000);
    const source = new CountingSource(
      buildZip([
        { name: 'deflated.txt', data: text },
        { name: 'stored.bin', data: binary, method: 0 },
        { name: 'empty.txt', data: Buffer.alloc(0) },
      ]),
    );
    const archive = await ZipArchive.open(source, 'Art', resolveLimits({}));
    const read = (path: string) => {
      const entry = archive.get(path);
      if (!entry || !archive.isSmall(entry)) throw new Error('fixture broken');
      return archive.readSmallEntry(entry, 1024 * 1024);
    };

    // Act
    const [deflated, stored, empty] = await Promise.all(
      ['deflated.txt', 'stored.bin', 'empty.txt'].map(read),
    );

    // Assess
    expect(deflated?.equals(text)).toBe(true);
    expect(stored?.equals(binary)).toBe(true);
    expect(empty?.length).toBe(0);
  });

  it('refuses an entry that inflates past its declared size', async () => {
    // Prepare: declares 100 bytes, inflates to 8 MiB (8 KiB compressed: a small entry)
    const source = new CountingSource(
      buildZip([{ name: 'bomb.txt', data: Buffer.alloc(8 * 1024 * 1024), declaredSize: 100 }]),
    );
    const archive = await ZipArchive.open(source, 'Bombs', resolveLimits({}));
    const entry = archive.get('bomb.txt');
    if (!entry || !archive.isSmall(entry)) throw new Error('fixture broken');

    // Act
    const error = await archive.readSmallEntry(entry, 1024 * 1024).catch((caught) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toContain(
      'Refusing entry "bomb.txt" of artifact "Bombs": it inflates to more than the 100 B it declares',
    );
  });

  it('refuses an entry that holds fewer bytes than it declares', async () => {
    // Prepare
    const source = new CountingSource(
      buildZip([{ name: 'short.txt', data: Buffer.from('ten bytes!'), declaredSize: 20 }]),
    );
    const archive = await ZipArchive.open(source, 'Art', resolveLimits({}));
    const entry = archive.get('short.txt');
    if (!entry) throw new Error('fixture broken');

    // Act
    const error = await archive.readSmallEntry(entry, 1024).catch((caught) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toContain('holds 10 bytes where it declares 20');
  });

  it('applies the caller limit before reading anything', async () => {
    // Prepare
    const source = new CountingSource(buildZip([{ name: 'big.txt', data: Buffer.alloc(5000) }]));
    const archive = await ZipArchive.open(source, 'Art', resolveLimits({}));
    const entry = archive.get('big.txt');
    if (!entry) throw new Error('fixture broken');
    const reads = source.reads;

    // Act
    const error = await archive.readSmallEntry(entry, 1000).catch((caught) => caught);

    // Assess
    expect((error as Error).message).toMatch(/"big\.txt".*more than the limit of 1000 B/);
    expect(source.reads).toBe(reads);
  });
});

describe('Class: ByteLimit', () => {
  it('fails the stream as soon as more bytes than allowed pass, whatever yauzl checked', async () => {
    // Prepare: our own running limit, independent of yauzl's declared-size check
    const limit = new ByteLimit(10, () => 'too much');
    let delivered = 0;

    // Act
    const error = await pipeline(
      Readable.from([Buffer.alloc(6), Buffer.alloc(6), Buffer.alloc(6)]),
      limit,
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) delivered += chunk.length;
      },
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toBe('too much');
    expect(delivered).toBeLessThanOrEqual(6);
    // Stopped at the chunk that crossed the limit; the third never went through.
    expect(limit.bytes).toBe(12);
  });
});
