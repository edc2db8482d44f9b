import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource } from '../../../src/artifacts/byte-source.js';
import { resolveLimits } from '../../../src/artifacts/limits.js';
import { ZipArchive } from '../../../src/artifacts/zip-reader.js';
import { type ZipSource, zipStream } from '../../../src/artifacts/zip-writer.js';

let workDir: string;

async function zipOf(sources: ZipSource[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of zipStream(sources, { level: 6, label: 'output artifact "Out"' })) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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
    const big = Buffer.concat([randomBytes(1_500_000), Buffer.alloc(1_500_000, 'x')]);
    const bigFile = path.join(workDir, 'big.bin');
    await writeFile(bigFile, big);
    const zip = await zipOf([
      { name: 'src/', kind: 'directory' },
      { name: 'src/a.ts', kind: 'bytes', data: text },
      { name: 'img/ünïcode.png', kind: 'bytes', data: noise },
      { name: 'big.bin', kind: 'file', path: bigFile, size: big.length, executable: true },
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
      'big.bin',
      'empty.txt',
    ]);
    expect((await loaded.file('src/a.ts')?.async('nodebuffer'))?.equals(text)).toBe(true);
    expect((await loaded.file('img/ünïcode.png')?.async('nodebuffer'))?.equals(noise)).toBe(true);
    expect((await loaded.file('big.bin')?.async('nodebuffer'))?.equals(big)).toBe(true);
    const method = (name: string) => archive.get(name)?.raw.compressionMethod;
    expect([method('src/a.ts'), method('img/ünïcode.png'), method('big.bin')]).toEqual([8, 0, 8]);
    expect(archive.get('src/')?.isDirectory).toBe(true);
    expect(((archive.get('big.bin')?.raw.externalFileAttributes ?? 0) >>> 16) & 0o777).toBe(0o755);
    expect(((archive.get('src/a.ts')?.raw.externalFileAttributes ?? 0) >>> 16) & 0o777).toBe(0o644);
  });

  it('fails with an error naming the artifact when a file disappears before its turn', async () => {
    // Prepare
    const missing = path.join(workDir, 'gone.bin');

    // Act
    const error = await zipOf([
      { name: 'gone.bin', kind: 'file', path: missing, size: 5_000_000, executable: false },
    ]).catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).message).toContain('gone.bin');
  });
});
