import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../../src/artifacts/byte-source.js';
import { resolveLimits } from '../../../src/artifacts/limits.js';
import { ZipArchive } from '../../../src/artifacts/zip-reader.js';
import { type ZipSource, zipStream } from '../../../src/artifacts/zip-writer.js';
import { JobFailedError } from '../../../src/errors.js';

const MiB = 1024 * 1024;
/** Info-ZIP's unzip, where the machine has it (CI does): a second, independent reader. */
const UNZIP = '/usr/bin/unzip';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
let workDir: string;

async function zipOf(sources: ZipSource[], forceZip64End = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const options = { level: 6, label: 'output artifact "Out"', forceZip64End };
  for await (const chunk of zipStream(sources, options)) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function bigFile(name: string, data: Buffer): Promise<ZipSource> {
  const file = path.join(workDir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
  return { name, kind: 'file', path: file, size: data.length, executable: false };
}

/**
 * Waits until the stream has buffered something and then stopped growing its buffer
 * (nobody reads it) for several polls in a row: a writer starved of CPU on a busy
 * machine for one poll is not taken for a writer that stopped.
 */
async function settled(stream: Readable): Promise<number> {
  let last = -1;
  let unchanged = 0;
  while (stream.readableLength === 0 || unchanged < 5) {
    unchanged = stream.readableLength === last ? unchanged + 1 : 0;
    last = stream.readableLength;
    await sleep(50);
  }
  return last;
}

describe('Function: zipStream', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'zip-writer-unit-'));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('writes small, incompressible and streamed big files that JSZip and our reader read back', async () => {
    // Prepare
    const text = Buffer.from('const a = 1;\n'.repeat(2000));
    const noise = randomBytes(50_000);
    const bigText = Buffer.from('export const value = 42;\n'.repeat(120_000));
    const bigNoise = Buffer.concat([randomBytes(1_500_000), Buffer.alloc(1_500_000, 'x')]);
    const executable = await bigFile('bin/tool', bigText);
    const zip = await zipOf([
      { name: 'src/', kind: 'directory' },
      { name: 'src/a.ts', kind: 'bytes', data: text },
      { name: 'img/ünïcode.png', kind: 'bytes', data: noise },
      { ...executable, executable: true } as ZipSource,
      await bigFile('big.bin', bigNoise),
      { name: 'empty.txt', kind: 'bytes', data: Buffer.alloc(0) },
    ]);

    // Act
    const loaded = await JSZip.loadAsync(zip);
    const archive = await ZipArchive.open(new BufferSource(zip), 'Out', resolveLimits({}));

    // Assess
    expect(Object.keys(loaded.files)).toEqual([
      'src/',
      'src/a.ts',
      'img/ünïcode.png',
      'bin/tool',
      'big.bin',
      'empty.txt',
    ]);
    expect((await loaded.file('src/a.ts')?.async('nodebuffer'))?.equals(text)).toBe(true);
    expect((await loaded.file('img/ünïcode.png')?.async('nodebuffer'))?.equals(noise)).toBe(true);
    expect((await loaded.file('bin/tool')?.async('nodebuffer'))?.equals(bigText)).toBe(true);
    expect((await loaded.file('big.bin')?.async('nodebuffer'))?.equals(bigNoise)).toBe(true);
    expect((await loaded.file('empty.txt')?.async('nodebuffer'))?.length).toBe(0);
    const method = (name: string) => archive.get(name)?.raw.compressionMethod;
    // Deflated where the start of the entry shrinks, stored where it does not.
    expect(['src/a.ts', 'img/ünïcode.png', 'bin/tool', 'big.bin'].map(method)).toEqual([
      8, 0, 8, 0,
    ]);
    expect(archive.get('src/')?.isDirectory).toBe(true);
    const mode = (name: string) =>
      ((archive.get(name)?.raw.externalFileAttributes ?? 0) >>> 16) & 0o777;
    expect([mode('bin/tool'), mode('big.bin'), mode('src/a.ts'), mode('src/')]).toEqual([
      0o755, 0o644, 0o644, 0o755,
    ]);
    // Info-ZIP checks every entry's CRC and its local header against the central one.
    if (existsSync(UNZIP)) {
      const file = path.join(workDir, 'written.zip');
      await writeFile(file, zip);
      // In a UTF-8 locale: without one (the Lambda pass sets LANG=en_US.UTF-8, which Debian
      // does not install), Info-ZIP escapes a UTF-8 central name but not the local one, and
      // warns that they differ, for any zip with non-ASCII names.
      const { stdout } = await promisify(execFile)(UNZIP, ['-t', file], {
        env: { ...process.env, LC_ALL: 'C.UTF-8' },
      });
      expect(stdout).toContain('No errors detected');
    }
  });

  it('writes the Zip64 end record that our reader reads back', async () => {
    // Prepare: the writer switches to Zip64 at 65,535 entries (zip-writer.heavy.test.ts
    // writes that many, in `npm run test:heavy`). Here it is told to write the Zip64 end
    // record anyway, so the classic record says 0xffff entries and only the Zip64 one has
    // the real count.
    const sources: ZipSource[] = [];
    for (let folder = 0; folder < 4; folder++) {
      sources.push({ name: `d${folder}/`, kind: 'directory' });
      for (let file = 0; file < 32; file++) {
        const data = Buffer.from(file === 0 ? `first of d${folder}` : '');
        sources.push({ name: `d${folder}/f${file}.txt`, kind: 'bytes', data });
      }
    }

    // Act
    const zip = await zipOf(sources, true);
    const archive = await ZipArchive.open(new BufferSource(zip), 'Out', resolveLimits({}));

    // Assess
    expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // Zip64 end record
    expect(zip.readUInt16LE(zip.length - 22 + 10)).toBe(0xffff); // classic record: "see Zip64"
    expect(archive.entries.length).toBe(132);
    expect(archive.entries.at(-1)?.path).toBe('d3/f31.txt');
    const first = archive.get('d3/f0.txt');
    expect(first && (await archive.readSmallEntry(first, 1000)).toString()).toBe('first of d3');
  });

  it('reads a big file only as fast as the zip is consumed', async () => {
    // Prepare: 8 MiB that is stored, so each byte read is a byte of output; eight times
    // what may be buffered.
    const source = await bigFile('unread.bin', randomBytes(8 * MiB));
    const stream = zipStream([source], { level: 6, label: 'output artifact "Out"' });

    // Act: one read(0) asks the stream to fill its buffer; nobody reads more until the
    // writer has stopped producing.
    stream.read(0);
    const buffered = await settled(stream);
    let total = 0;
    for await (const chunk of stream) total += (chunk as Buffer).length;

    // Assess
    expect(buffered).toBeLessThan(MiB);
    expect(total).toBeGreaterThan(8 * MiB);
  });

  it('does not keep a memory pool alive per entry until the zip ends', async () => {
    // Prepare: the writer keeps every entry's name until the central directory; a name
    // allocated between other small buffers keeps its whole 64 KiB Buffer pool alive.
    const probe = path.join(repoRoot, 'test/fixtures/zip-writer/memory-probe.ts');

    // Act: 2,000 deflated entries, garbage collected halfway through the output.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', probe, '2000'],
      { cwd: repoRoot },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      heldHalfwayBytes: number;
    };

    // Assess: one pool per entry would be ~64 MiB here.
    expect(result.heldHalfwayBytes).toBeLessThan(24 * MiB);
    // About 3 s of CPU in a process of its own, with tsx compiling at start: several
    // times that in wall-clock time when other work shares the cores.
  }, 120_000);

  it('fails with an error naming the artifact and the entry when a file disappears', async () => {
    // Prepare
    const missing = path.join(workDir, 'gone.bin');

    // Act
    const error = await zipOf([
      { name: 'gone.bin', kind: 'file', path: missing, size: 5_000_000, executable: false },
    ]).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toContain('output artifact "Out"');
    expect((error as Error).message).toContain('"gone.bin"');
  });

  it('fails instead of writing a wrong entry when a file changed size after it was listed', async () => {
    // Prepare
    const source = await bigFile('shrinking.bin', Buffer.alloc(3 * MiB, 'a'));
    await truncate((source as { path: string }).path, 2 * MiB);

    // Act
    const error = await zipOf([source]).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as Error).message).toBe(
      'Cannot write output artifact "Out": "shrinking.bin": it changed size while being zipped',
    );
  });
});
