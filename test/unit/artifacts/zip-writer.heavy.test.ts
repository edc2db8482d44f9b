// The heavy tier (`npm run test:heavy`, run by CI with its own budget): checks that
// need tens of seconds of CPU. zip-writer.test.ts checks the same format path cheaply.
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../../../src/artifacts/byte-source.js';
import { resolveLimits } from '../../../src/artifacts/limits.js';
import { ZipArchive } from '../../../src/artifacts/zip-reader.js';
import { type ZipSource, zipStream } from '../../../src/artifacts/zip-writer.js';

describe('Function: zipStream (heavy)', () => {
  // 65,600 entries: a few seconds of CPU (the yazl writer before took 15-30 s: its
  // cost grew with the square of the entry count).
  it('writes more than 65,535 entries as Zip64, read back by our reader', async () => {
    // Prepare: 65,536 files, nearly all empty, in 64 folders. In memory, not on disk:
    // creating them took longer than zipping them, and the reading path is the same.
    const sources: ZipSource[] = [];
    for (let folder = 0; folder < 64; folder++) {
      sources.push({ name: `d${folder}/`, kind: 'directory' });
      for (let file = 0; file < 1024; file++) {
        const data = Buffer.from(file === 0 ? `first of d${folder}` : '');
        sources.push({ name: `d${folder}/f${file}.txt`, kind: 'bytes', data });
      }
    }

    // Act
    const chunks: Buffer[] = [];
    for await (const chunk of zipStream(sources, { level: 6, label: 'output artifact "Out"' })) {
      chunks.push(chunk as Buffer);
    }
    const zip = Buffer.concat(chunks);
    const archive = await ZipArchive.open(
      new BufferSource(zip),
      'Out',
      resolveLimits({ maxEntries: 100_000 }),
    );

    // Assess
    expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // Zip64 end record
    expect(archive.entries.length).toBe(65_600);
    expect(archive.entries.at(-1)?.path).toBe('d63/f1023.txt');
    const first = archive.get('d63/f0.txt');
    expect(first && (await archive.readSmallEntry(first, 1000)).toString()).toBe('first of d63');
  }, 300_000);
});
