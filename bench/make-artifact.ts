/**
 * Writes a test artifact: a zip of a few big incompressible entries (random bytes,
 * stored, as build outputs of binaries and images look to a compressor) and one small
 * JSON file, streamed to disk 1 MiB at a time so a 1 GiB artifact never sits in memory.
 * Entries use data descriptors (CRC and sizes after the data), so each is written in
 * one pass. No zip64: every size and offset stays below 4 GiB.
 */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { DOS_DATE, endOfCentralDirectory } from './zip-records.js';

export interface ArtifactSpec {
  /** Approximate total size in bytes; the big entries share it. */
  readonly totalBytes: number;
  readonly bigEntries: number;
  readonly smallPath: string;
  readonly smallContent: Buffer;
}

interface Written {
  readonly name: Buffer;
  readonly offset: number;
  readonly crc: number;
  readonly size: number;
}

const CHUNK = 1024 * 1024;
const FLAG_DATA_DESCRIPTOR = 0x0008;

/** Writes the zip to `file` and returns its size in bytes. */
export async function writeArtifact(file: string, spec: ArtifactSpec): Promise<number> {
  const handle = await open(file, 'w');
  let offset = 0;
  const written: Written[] = [];
  const put = async (bytes: Buffer) => {
    await handle.write(bytes);
    offset += bytes.length;
  };
  const entry = async (path: string, size: number, chunkAt: (done: number) => Buffer) => {
    const name = Buffer.from(path);
    const start = offset;
    await put(localHeader(name));
    let crc = 0;
    let done = 0;
    while (done < size) {
      const chunk = chunkAt(done);
      crc = crc32(chunk, crc);
      await put(chunk);
      done += chunk.length;
    }
    await put(dataDescriptor(crc, size));
    written.push({ name, offset: start, crc, size });
  };
  try {
    // The small file first: a reader that jumps to it needs a ranged read at the
    // start of the object as well as the tail, the less convenient case for ours.
    await entry(spec.smallPath, spec.smallContent.length, () => spec.smallContent);
    const bigSize = Math.floor(spec.totalBytes / spec.bigEntries);
    for (let i = 1; i <= spec.bigEntries; i++) {
      await entry(`assets/blob-${i}.bin`, bigSize, (done) =>
        randomBytes(Math.min(CHUNK, bigSize - done)),
      );
    }
    const directoryStart = offset;
    for (const item of written) await put(centralHeader(item));
    await put(endOfCentralDirectory(written.length, offset - directoryStart, directoryStart));
  } finally {
    await handle.close();
  }
  return offset;
}

function localHeader(name: Buffer): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(FLAG_DATA_DESCRIPTOR, 6);
  header.writeUInt16LE(0, 8); // stored
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  // CRC and sizes stay zero here; the data descriptor carries them.
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function dataDescriptor(crc: number, size: number): Buffer {
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc >>> 0, 4);
  descriptor.writeUInt32LE(size, 8);
  descriptor.writeUInt32LE(size, 12);
  return descriptor;
}

function centralHeader(item: Written): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(FLAG_DATA_DESCRIPTOR, 8);
  header.writeUInt16LE(0, 10);
  header.writeUInt16LE(0, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(item.crc >>> 0, 16);
  header.writeUInt32LE(item.size, 20);
  header.writeUInt32LE(item.size, 24);
  header.writeUInt16LE(item.name.length, 28);
  header.writeUInt32LE(0o100644 * 0x10000, 38); // a regular file, rw-r--r--
  header.writeUInt32LE(item.offset, 42);
  return Buffer.concat([header, item.name]);
}
