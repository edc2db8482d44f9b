/**
 * Writes a zip as a stream of buffers, with Node's native zlib (deflate runs on libuv's
 * thread pool, beside the upload): small files are compressed in one call and stored
 * instead when deflate would not shrink them (images, archives); big files stream
 * through a deflater with their CRC and sizes in a data descriptor after the data, so
 * no file is ever held whole. No Zip64: an output past 4 GiB or 65,535 entries is
 * refused with a clear error rather than written as a zip nobody can read.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { crc32, createDeflateRaw, deflateRaw } from 'node:zlib';
import { JobFailedError } from '../errors.js';

const deflateRawAsync = promisify(deflateRaw);

/** One entry to write. */
export type ZipSource =
  | { readonly name: string; readonly kind: 'directory' }
  | { readonly name: string; readonly kind: 'bytes'; readonly data: Buffer }
  | {
      readonly name: string;
      readonly kind: 'file';
      readonly path: string;
      readonly size: number;
      readonly executable: boolean;
    };

/** Files up to this size are read and compressed in one call, bigger ones streamed. */
const WHOLE_FILE_BYTES = 1024 * 1024;
/** Small files compressed ahead while earlier ones are written out. */
const LOOKAHEAD = 4;
const MAX_32 = 0xffffffff;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const MADE_BY_UNIX = (3 << 8) | 20;

interface Written {
  readonly name: Buffer;
  readonly offset: number;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly attributes: number;
}

interface Prepared {
  readonly method: number;
  readonly crc: number;
  readonly size: number;
  readonly data: Buffer;
}

/** The zip of `sources`, in order, as a stream. */
export function zipStream(
  sources: readonly ZipSource[],
  options: { readonly level: number; readonly label: string },
): Readable {
  return Readable.from(zipChunks(sources, options), { objectMode: false });
}

async function* zipChunks(
  sources: readonly ZipSource[],
  options: { readonly level: number; readonly label: string },
): AsyncGenerator<Buffer> {
  if (sources.length > 0xffff) {
    throw new JobFailedError(
      `Cannot write ${options.label}: ${sources.length} entries, more than a zip without Zip64 holds (65,535)`,
    );
  }
  const dosTime = dosDateTime(new Date());
  const written: Written[] = [];
  let offset = 0;
  const tooBig = () =>
    new JobFailedError(
      `Cannot write ${options.label}: the zip would pass 4 GiB, more than a zip without Zip64 holds`,
    );
  // Whole-file entries are prepared a few ahead (reads and deflates overlap); a
  // streamed entry waits its turn. Each promise is awaited in order.
  const prepared = new Map<number, Promise<Prepared>>();
  const prepare = (index: number) => {
    const source = sources[index];
    if (source && !prepared.has(index) && isWhole(source)) {
      const promise = prepareWhole(source, options.level);
      promise.catch(() => {}); // awaited in order below; no unhandled rejection meanwhile
      prepared.set(index, promise);
    }
  };
  for (let index = 0; index < sources.length; index++) {
    for (let ahead = index; ahead < Math.min(index + LOOKAHEAD, sources.length); ahead++) {
      prepare(ahead);
    }
    const source = sources[index] as ZipSource;
    const name = Buffer.from(source.name, 'utf8');
    const start = offset;
    if (source.kind === 'directory') {
      const header = localHeader(name, FLAG_UTF8, 0, 0, 0, 0, dosTime);
      yield header;
      offset += header.length;
      written.push({
        name,
        offset: start,
        flags: FLAG_UTF8,
        method: 0,
        crc: 0,
        compressedSize: 0,
        size: 0,
        attributes: ((0o40755 << 16) | 0x10) >>> 0,
      });
      continue;
    }
    const attributes =
      ((source.kind === 'file' && source.executable ? 0o100755 : 0o100644) << 16) >>> 0;
    const whole = prepared.get(index);
    if (whole) {
      prepared.delete(index);
      const entry = await whole;
      const header = localHeader(
        name,
        FLAG_UTF8,
        entry.method,
        entry.crc,
        entry.data.length,
        entry.size,
        dosTime,
      );
      if (offset + header.length + entry.data.length > MAX_32) throw tooBig();
      yield header;
      yield entry.data;
      offset += header.length + entry.data.length;
      written.push({
        name,
        offset: start,
        flags: FLAG_UTF8,
        method: entry.method,
        crc: entry.crc,
        compressedSize: entry.data.length,
        size: entry.size,
        attributes,
      });
      continue;
    }
    // A big file: deflate as it is read; CRC and sizes follow in a data descriptor.
    const flags = FLAG_UTF8 | FLAG_DATA_DESCRIPTOR;
    const header = localHeader(name, flags, 8, 0, 0, 0, dosTime);
    yield header;
    offset += header.length;
    let crc = 0;
    let size = 0;
    let compressedSize = 0;
    const deflater = createDeflateRaw({ level: options.level });
    const input =
      source.kind === 'file' ? createReadStream(source.path) : Readable.from([source.data]);
    input.on('data', (chunk: Buffer) => {
      crc = crc32(chunk, crc);
      size += chunk.length;
    });
    input.on('error', (error: Error) => deflater.destroy(error));
    input.pipe(deflater);
    for await (const chunk of deflater) {
      compressedSize += (chunk as Buffer).length;
      if (offset + compressedSize > MAX_32 || size > MAX_32) {
        input.destroy();
        throw tooBig();
      }
      yield chunk as Buffer;
    }
    const descriptor = dataDescriptor(crc >>> 0, compressedSize, size);
    yield descriptor;
    offset += compressedSize + descriptor.length;
    written.push({
      name,
      offset: start,
      flags,
      method: 8,
      crc: crc >>> 0,
      compressedSize,
      size,
      attributes,
    });
  }
  const directoryStart = offset;
  for (const entry of written) {
    const header = centralHeader(entry, dosTime);
    yield header;
    offset += header.length;
  }
  if (offset > MAX_32) throw tooBig();
  yield endOfCentralDirectory(written.length, offset - directoryStart, directoryStart);
}

function isWhole(source: ZipSource): boolean {
  return (
    (source.kind === 'bytes' && source.data.length <= WHOLE_FILE_BYTES) ||
    (source.kind === 'file' && source.size <= WHOLE_FILE_BYTES)
  );
}

async function prepareWhole(source: ZipSource, level: number): Promise<Prepared> {
  const data =
    source.kind === 'file' ? await fs.readFile(source.path) : (source as { data: Buffer }).data;
  const crc = crc32(data) >>> 0;
  const deflated = data.length === 0 ? data : await deflateRawAsync(data, { level });
  // Like zip tools: store what deflate cannot shrink (it is already compressed).
  return deflated.length < data.length
    ? { method: 8, crc, size: data.length, data: deflated }
    : { method: 0, crc, size: data.length, data };
}

function dosDateTime(date: Date): { time: number; date: number } {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date:
      ((Math.max(date.getFullYear(), 1980) - 1980) << 9) |
      ((date.getMonth() + 1) << 5) |
      date.getDate(),
  };
}

function localHeader(
  name: Buffer,
  flags: number,
  method: number,
  crc: number,
  compressedSize: number,
  size: number,
  when: { time: number; date: number },
): Buffer {
  const header = Buffer.alloc(30 + name.length);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(flags, 6);
  header.writeUInt16LE(method, 8);
  header.writeUInt16LE(when.time, 10);
  header.writeUInt16LE(when.date, 12);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(compressedSize, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(name.length, 26);
  name.copy(header, 30);
  return header;
}

function dataDescriptor(crc: number, compressedSize: number, size: number): Buffer {
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc, 4);
  descriptor.writeUInt32LE(compressedSize, 8);
  descriptor.writeUInt32LE(size, 12);
  return descriptor;
}

function centralHeader(entry: Written, when: { time: number; date: number }): Buffer {
  const header = Buffer.alloc(46 + entry.name.length);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(MADE_BY_UNIX, 4);
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(entry.flags, 8);
  header.writeUInt16LE(entry.method, 10);
  header.writeUInt16LE(when.time, 12);
  header.writeUInt16LE(when.date, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(entry.compressedSize, 20);
  header.writeUInt32LE(entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt32LE(entry.attributes, 38);
  header.writeUInt32LE(entry.offset, 42);
  entry.name.copy(header, 46);
  return header;
}

function endOfCentralDirectory(entries: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries, 8);
  end.writeUInt16LE(entries, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}
