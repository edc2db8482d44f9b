/**
 * The end of a zip being written: every entry's central directory record, and the end
 * records (Zip64 when the archive needs them). A writer of many small files is bound by
 * what it keeps per entry until the end, so each record is serialized the moment its
 * entry is written and kept as bytes, packed into shared 64 KiB blocks: 46 bytes plus
 * the name plus 9 (plus 28 for a Zip64 entry), not an object per entry. 100,000 entries
 * with 40-byte names hold ~10 MiB, outside V8's heap.
 */

/** Entries beyond which the classic end record cannot count them (it says 0xffff). */
const MAX_CLASSIC_ENTRIES = 0xffff;
/** Sizes and offsets from this value on go in a Zip64 field (0xffffffff means "see Zip64"). */
export const ZIP64_FROM = 0xffffffff;

/** Unix (3) in the high byte; zip specification 6.3 in the low byte. */
export const VERSION_MADE_BY = (3 << 8) | 63;
export const VERSION_NEEDED_DEFAULT = 20;
export const VERSION_NEEDED_ZIP64 = 45;
/** General purpose flag: the name is UTF-8. */
export const FLAG_UTF8 = 1 << 11;
/** General purpose flag: CRC and sizes follow the data, in a data descriptor. */
export const FLAG_DATA_DESCRIPTOR = 1 << 3;

const CENTRAL_HEADER_BYTES = 46;
/** Info-ZIP's "UT" extra field, modification time only (as the central directory has it). */
const UNIX_TIME_EXTRA_BYTES = 9;
/** Zip64 extra field with uncompressed size, compressed size and local header offset. */
const ZIP64_EXTRA_BYTES = 28;
const ZIP64_END_BYTES = 56;
const ZIP64_LOCATOR_BYTES = 20;
const END_BYTES = 22;
const BLOCK_BYTES = 64 * 1024;

/** What the central directory needs of one written entry. */
export interface WrittenEntry {
  readonly name: Buffer;
  readonly method: 0 | 8;
  readonly flags: number;
  readonly dosTime: number;
  readonly dosDate: number;
  /** Seconds since the epoch, for the UT extra field. */
  readonly unixTime: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /** Unix mode in the high 16 bits. */
  readonly externalAttributes: number;
  /** The local header already said Zip64: the central record says it too. */
  readonly zip64: boolean;
}

export class CentralDirectory {
  readonly #blocks: Buffer[] = [];
  #used = BLOCK_BYTES;
  #bytes = 0;
  #entries = 0;

  /** Entries recorded so far. */
  get entries(): number {
    return this.#entries;
  }

  /** Records `entry` (its bytes, not the object). */
  add(entry: WrittenEntry): void {
    const zip64 =
      entry.zip64 ||
      entry.compressedSize >= ZIP64_FROM ||
      entry.uncompressedSize >= ZIP64_FROM ||
      entry.localHeaderOffset >= ZIP64_FROM;
    const length =
      CENTRAL_HEADER_BYTES +
      entry.name.length +
      UNIX_TIME_EXTRA_BYTES +
      (zip64 ? ZIP64_EXTRA_BYTES : 0);
    const record = this.#reserve(length);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(VERSION_MADE_BY, 4);
    record.writeUInt16LE(zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED_DEFAULT, 6);
    record.writeUInt16LE(entry.flags, 8);
    record.writeUInt16LE(entry.method, 10);
    record.writeUInt16LE(entry.dosTime, 12);
    record.writeUInt16LE(entry.dosDate, 14);
    record.writeUInt32LE(entry.crc, 16);
    record.writeUInt32LE(zip64 ? ZIP64_FROM : entry.compressedSize, 20);
    record.writeUInt32LE(zip64 ? ZIP64_FROM : entry.uncompressedSize, 24);
    record.writeUInt16LE(entry.name.length, 28);
    record.writeUInt16LE(length - CENTRAL_HEADER_BYTES - entry.name.length, 30);
    record.writeUInt16LE(0, 32); // comment length
    record.writeUInt16LE(0, 34); // disk number
    record.writeUInt16LE(0, 36); // internal attributes
    record.writeUInt32LE(entry.externalAttributes, 38);
    record.writeUInt32LE(zip64 ? ZIP64_FROM : entry.localHeaderOffset, 42);
    entry.name.copy(record, CENTRAL_HEADER_BYTES);
    let at = CENTRAL_HEADER_BYTES + entry.name.length;
    // Info-ZIP writes the access-time flag too (without the field) in the central copy.
    record.writeUInt16LE(0x5455, at);
    record.writeUInt16LE(UNIX_TIME_EXTRA_BYTES - 4, at + 2);
    record.writeUInt8(0b11, at + 4);
    record.writeInt32LE(entry.unixTime, at + 5);
    at += UNIX_TIME_EXTRA_BYTES;
    if (zip64) {
      record.writeUInt16LE(0x0001, at);
      record.writeUInt16LE(ZIP64_EXTRA_BYTES - 4, at + 2);
      record.writeBigUInt64LE(BigInt(entry.uncompressedSize), at + 4);
      record.writeBigUInt64LE(BigInt(entry.compressedSize), at + 12);
      record.writeBigUInt64LE(BigInt(entry.localHeaderOffset), at + 20);
    }
    this.#entries++;
  }

  /**
   * The central directory and the end records, for an archive whose central directory
   * starts at `offset`; the blocks are given up as they are returned.
   */
  *finish(offset: number, options: { forceZip64End?: boolean } = {}): Generator<Buffer> {
    const size = this.#bytes;
    const blocks = this.#blocks.splice(0);
    for (const [index, block] of blocks.entries()) {
      yield index === blocks.length - 1 ? block.subarray(0, this.#used) : block;
    }
    const zip64 =
      options.forceZip64End === true ||
      this.#entries >= MAX_CLASSIC_ENTRIES ||
      size >= ZIP64_FROM ||
      offset >= ZIP64_FROM;
    const end = Buffer.alloc((zip64 ? ZIP64_END_BYTES + ZIP64_LOCATOR_BYTES : 0) + END_BYTES);
    let at = 0;
    if (zip64) {
      end.writeUInt32LE(0x06064b50, 0);
      end.writeBigUInt64LE(BigInt(ZIP64_END_BYTES - 12), 4);
      end.writeUInt16LE(VERSION_MADE_BY, 12);
      end.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
      // Disk numbers (16, 20) stay 0: one disk.
      end.writeBigUInt64LE(BigInt(this.#entries), 24);
      end.writeBigUInt64LE(BigInt(this.#entries), 32);
      end.writeBigUInt64LE(BigInt(size), 40);
      end.writeBigUInt64LE(BigInt(offset), 48);
      end.writeUInt32LE(0x07064b50, 56);
      // Locator: disk of the Zip64 end record (60) stays 0.
      end.writeBigUInt64LE(BigInt(offset + size), 64); // where the Zip64 end record is
      end.writeUInt32LE(1, 72); // disks
      at = ZIP64_END_BYTES + ZIP64_LOCATOR_BYTES;
    }
    end.writeUInt32LE(0x06054b50, at);
    const entries = zip64 ? MAX_CLASSIC_ENTRIES : this.#entries;
    end.writeUInt16LE(entries, at + 8);
    end.writeUInt16LE(entries, at + 10);
    end.writeUInt32LE(zip64 ? ZIP64_FROM : size, at + 12);
    end.writeUInt32LE(zip64 ? ZIP64_FROM : offset, at + 16);
    yield end;
  }

  /** `length` bytes at the end of the last block, starting a new block when it is full. */
  #reserve(length: number): Buffer {
    if (this.#used + length > BLOCK_BYTES) {
      // A record is at most 46 + 65,535 + 9 + 28 bytes: a long name gets a block of its own size.
      this.#blocks.push(Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, length)));
      // A block ends where its records end: only the last block is partly filled.
      const last = this.#blocks.at(-2);
      if (last && this.#used < last.length)
        this.#blocks[this.#blocks.length - 2] = last.subarray(0, this.#used);
      this.#used = 0;
    }
    const block = this.#blocks.at(-1) as Buffer;
    const record = block.subarray(this.#used, this.#used + length);
    this.#used += length;
    this.#bytes += length;
    return record;
  }
}
