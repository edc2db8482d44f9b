/**
 * extractTo's one pass over a real S3 on loopback (s3rver behind a recording proxy):
 * how many requests and bytes it costs, what a small read costs, and how a body that
 * lies, ends early, breaks off or disagrees with its central directory is refused with
 * the target left as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobArtifacts } from '../../../src/artifacts/index.js';
import { CodePipelineJobError, SystemUnavailableError } from '../../../src/errors.js';
import { type EmbeddedS3, startEmbeddedS3 } from '../../../src/local/embedded-s3.js';
import type { StsStub } from '../../../src/local/sts-stub.js';
import { buildZip, type RawEntry } from '../../fixtures/hostile-zips/raw-zip.js';
import { artifactContext, artifactRef, failure, tree } from '../../helpers/artifact-context.js';
import { loopbackAwsEnv, setEnv } from '../../helpers/env.js';
import { SAMPLE_ARTIFACT_CREDENTIALS } from '../../helpers/local-clients.js';
import { startLoopbackSts } from '../../helpers/loopback-aws.js';

const BUCKET = 'one-pass';
const KiB = 1024;
const MiB = 1024 * KiB;

let server: EmbeddedS3;
let sts: StsStub;
let restoreEnv: () => void;
let workDir: string;

/** Over 1 MiB, so the artifact is read with ranged GETs, not one whole GET. */
const PADDING = randomBytes(1200 * KiB);

function input(key: string) {
  const { context } = artifactContext({
    credentials: { ...SAMPLE_ARTIFACT_CREDENTIALS },
    inputs: [artifactRef('BuildOutput', BUCKET, key)],
  });
  return new JobArtifacts(context).input();
}

/** The zip's central directory: where it starts, how long it is, its records. */
function centralDirectory(zip: Buffer): { offset: number; size: number; records: Buffer[] } {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const size = zip.readUInt32LE(end + 12);
  const offset = zip.readUInt32LE(end + 16);
  const records: Buffer[] = [];
  for (let at = offset; at < offset + size; ) {
    const length =
      46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    records.push(zip.subarray(at, at + length));
    at += length;
  }
  return { offset, size, records };
}

/** The same zip with its central directory rewritten (records dropped or reordered). */
function withCentralRecords(zip: Buffer, change: (records: Buffer[]) => Buffer[]): Buffer {
  const { offset, records } = centralDirectory(zip);
  const kept = Buffer.concat(change(records));
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(change(records).length, 8);
  end.writeUInt16LE(change(records).length, 10);
  end.writeUInt32LE(kept.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([zip.subarray(0, offset), kept, end]);
}

const recordName = (record: Buffer) => record.subarray(46, 46 + record.readUInt16LE(28)).toString();

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** An archive of a few files around the padding; each test changes it its own way. */
const ENTRIES: RawEntry[] = [
  { name: 'first.txt', data: Buffer.from('first file\n'.repeat(100)) },
  { name: 'padding.bin', data: PADDING, method: 0 },
  { name: 'dir/', method: 0 },
  { name: 'dir/last.json', data: Buffer.from(JSON.stringify({ last: true })) },
];

/** Extracts `zip` from S3 into a target that already holds one file of its own. */
async function extractExpectingFailure(key: string, zip: Buffer) {
  await server.putObject(BUCKET, key, zip);
  const target = path.join(workDir, key.replaceAll('/', '-'));
  await mkdir(target, { recursive: true });
  await writeFile(path.join(target, 'mine.txt'), 'mine');
  const error = await failure(input(key).extractTo(target));
  return { error, left: await tree(target) };
}

describe('extractTo, one pass over S3 on loopback', () => {
  beforeAll(async () => {
    server = await startEmbeddedS3({ buckets: [BUCKET] });
    sts = await startLoopbackSts();
    restoreEnv = setEnv(loopbackAwsEnv(server.endpoint, sts.endpoint));
    workDir = await mkdtemp(path.join(tmpdir(), 'one-pass-it-'));
  });
  afterEach(() => {
    server.intercept(undefined);
  });
  afterAll(async () => {
    restoreEnv?.();
    await server?.close();
    await sts?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('extracts with one GET of the body: the object once, in a few requests', async () => {
    // Prepare
    const zip = buildZip(ENTRIES);
    await server.putObject(BUCKET, 'whole.zip', zip);
    const target = path.join(workDir, 'whole');
    server.clearRequests();

    // Act
    const result = await input('whole.zip').extractTo(target);

    // Assess
    expect(result).toMatchObject({ files: 3, directories: 1 });
    expect(sha(await readFile(path.join(target, 'padding.bin')))).toBe(sha(PADDING));
    expect(JSON.parse(await readFile(path.join(target, 'dir/last.json'), 'utf8'))).toEqual({
      last: true,
    });
    const gets = server.requests().filter((request) => request.method === 'GET');
    // The tail (with the whole small directory in it) and the body.
    expect(gets).toHaveLength(2);
    expect(server.bytesServed()).toBeLessThan(zip.length * 1.01);
  });

  it('reads one small entry with at most the central directory, that entry and 64 KiB', async () => {
    // Prepare: a small entry before 4 MiB of other data and a directory of 200 entries
    const small = Buffer.from(JSON.stringify({ rating: 5 }));
    const zip = buildZip([
      { name: 'reports/rating.json', data: small },
      { name: 'big.bin', data: randomBytes(4 * MiB), method: 0 },
      ...Array.from({ length: 200 }, (_, index) => ({
        name: `many/file-${index}.txt`,
        data: Buffer.from(`file ${index}\n`),
      })),
    ]);
    await server.putObject(BUCKET, 'small-read.zip', zip);
    const directory = centralDirectory(zip);
    const localRecord = 30 + 'reports/rating.json'.length + small.length; // stored or smaller
    server.clearRequests();

    // Act
    const read = await input('small-read.zip').json('reports/rating.json');

    // Assess
    expect(read).toEqual({ rating: 5 });
    // The tail read to find the end record is 64 KiB plus the end record and Zip64 locator.
    const bound = directory.size + 22 + 20 + localRecord + 64 * KiB;
    expect(server.bytesServed()).toBeLessThanOrEqual(bound);
    expect(server.requests().filter((request) => request.method === 'GET')).toHaveLength(2);
  });

  it('skips a gap between records and extracts entries listed out of order', async () => {
    // Prepare: the directory drops first.txt (its record becomes a gap) and lists the rest backwards
    const zip = withCentralRecords(buildZip(ENTRIES), (records) =>
      records.filter((record) => recordName(record) !== 'first.txt').reverse(),
    );
    await server.putObject(BUCKET, 'gap.zip', zip);
    const target = path.join(workDir, 'gap');

    // Act
    const result = await input('gap.zip').extractTo(target);

    // Assess
    expect(result).toMatchObject({ files: 2, directories: 1 });
    expect(await tree(target)).toEqual(['dir', 'dir/last.json', 'padding.bin']);
  });

  it('refuses two entries that share one record before writing anything', async () => {
    // Prepare
    const zip = buildZip([...ENTRIES, { name: 'again.bin', sameDataAs: 1 }]);

    // Act
    const { error, left } = await extractExpectingFailure('overlap.zip', zip);

    // Assess
    expect(error).toBeInstanceOf(CodePipelineJobError);
    expect(error.message).toMatch(
      /"padding\.bin" and "again\.bin" overlap|"again\.bin" and "padding\.bin" overlap/,
    );
    expect(left).toEqual(['mine.txt']);
  });

  it('refuses an entry whose local header disagrees with the central directory, leaving the target clean', async () => {
    // Prepare: dir/last.json's local header names it dir/lost.json
    const zip = buildZip(ENTRIES);
    const at = zip.indexOf(Buffer.from('dir/last.json'));
    zip.write('dir/lost.json', at);

    // Act
    const { error, left } = await extractExpectingFailure('disagree.zip', zip);

    // Assess: first.txt and padding.bin were written before, and are gone again
    expect(error.message).toContain('"dir/last.json"');
    expect(error.message).toContain('its local header names it "dir/lost.json"');
    expect(left).toEqual(['mine.txt']);
  });

  it('refuses an entry that inflates past its declared size, leaving the target clean', async () => {
    // Prepare
    const zip = buildZip([
      ...ENTRIES,
      { name: 'liar.txt', data: Buffer.alloc(200 * KiB, 'a'), declaredSize: 1000 },
    ]);

    // Act
    const { error, left } = await extractExpectingFailure('size-lie.zip', zip);

    // Assess
    expect(error.message).toContain('"liar.txt"');
    expect(error.message).toContain('inflates to more than the 1000 B it declares');
    expect(left).toEqual(['mine.txt']);
  });

  it('refuses a body that ends early, leaving the target clean', async () => {
    // Prepare: S3 answers the body's GET with its first 600 KiB only, as a complete response
    const zip = buildZip(ENTRIES);
    const { offset } = centralDirectory(zip);
    server.intercept((request) =>
      request.method === 'GET' && String(request.headers.range).startsWith('bytes=0-')
        ? {
            status: 206,
            body: zip.subarray(0, 600 * KiB),
            headers: { 'content-range': `bytes 0-${offset - 1}/${zip.length}` },
          }
        : undefined,
    );

    // Act
    const { error, left } = await extractExpectingFailure('truncated.zip', zip);

    // Assess
    expect(error.message).toContain('"padding.bin"');
    expect(error.message).toContain('ended early');
    expect(left).toEqual(['mine.txt']);
  });

  it('refuses a body whose connection is reset mid-stream, leaving the target clean', async () => {
    // Prepare
    const zip = buildZip(ENTRIES);
    server.intercept((request) =>
      request.method === 'GET' && String(request.headers.range).startsWith('bytes=0-')
        ? { fault: 'reset-mid-body' }
        : undefined,
    );

    // Act
    const { error, left } = await extractExpectingFailure('reset.zip', zip);

    // Assess
    expect(error).toBeInstanceOf(SystemUnavailableError);
    expect(error.message).toMatch(/BuildOutput/);
    expect(left).toEqual(['mine.txt']);
  });
});
