import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobFailedError } from '../../../src/errors.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { failure, inputServing, tree } from '../../helpers/artifact-context.js';

const s3Mock = mockClient(S3Client);
let workDir: string;

/**
 * One deflated entry written the way streaming zip writers (yazl, ours) write it: CRC-32
 * and sizes zero in the local header, then in a data descriptor after the data.
 */
function zipWithDataDescriptor(
  name: string,
  content: Buffer,
  descriptor: { crc?: number; signature?: boolean } = {},
): Buffer {
  const nameBytes = Buffer.from(name);
  const data = deflateRawSync(content);
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x0808, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt16LE(nameBytes.length, 26);
  const trailer = Buffer.alloc(descriptor.signature === false ? 12 : 16);
  let at = 0;
  if (descriptor.signature !== false) at = trailer.writeUInt32LE(0x08074b50, 0);
  at = trailer.writeUInt32LE(descriptor.crc ?? crc, at);
  at = trailer.writeUInt32LE(data.length, at);
  trailer.writeUInt32LE(content.length, at);
  const record = Buffer.concat([local, nameBytes, data, trailer]);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0808, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const directory = Buffer.concat([central, nameBytes]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(record.length, 16);
  return Buffer.concat([record, directory, end]);
}

describe('Class: LocalRecordWalker (through extractTo)', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'local-records-'));
  });
  afterEach(() => {
    s3Mock.reset();
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it.each([true, false])(
    'extracts an entry whose CRC-32 and sizes come in a data descriptor (signature: %s)',
    async (signature) => {
      // Prepare
      const content = Buffer.from('streamed by a zip writer\n'.repeat(50));
      const target = path.join(workDir, `descriptor-${signature}`);
      const artifact = inputServing(
        s3Mock,
        zipWithDataDescriptor('out.txt', content, { signature }),
      );

      // Act
      const result = await artifact.extractTo(target);

      // Assess
      expect(result).toMatchObject({ files: 1, bytes: content.length });
      expect((await readFile(path.join(target, 'out.txt'))).equals(content)).toBe(true);
    },
  );

  it('refuses a data descriptor that disagrees with the central directory', async () => {
    // Prepare
    const target = path.join(workDir, 'descriptor-lie');
    const zip = zipWithDataDescriptor('out.txt', Buffer.from('x'.repeat(100)), { crc: 1234 });

    // Act
    const error = await failure(inputServing(s3Mock, zip).extractTo(target));

    // Assess
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.message).toContain('"out.txt"');
    expect(error.message).toContain('data descriptor disagrees with the central directory');
    expect(await tree(target).catch(() => [])).toEqual([]);
  });

  it('refuses an entry whose data does not match its CRC-32', async () => {
    // Prepare: both headers carry the same wrong CRC-32
    const target = path.join(workDir, 'crc');
    const zip = buildZip([{ name: 'bad.txt', data: Buffer.from('hello'), crc: 42 }]);

    // Act
    const error = await failure(inputServing(s3Mock, zip).extractTo(target));

    // Assess
    expect(error.message).toBe(
      'Refusing to extract entry "bad.txt" of artifact "BuildOutput": its CRC-32 does not match its data (a damaged archive)',
    );
  });
});
