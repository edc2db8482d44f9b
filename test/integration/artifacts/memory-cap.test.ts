/**
 * The 128 MB promise, small: extractTo, stream and output().write run in a child whose
 * memory cgroup caps it at what an idle child uses plus MARGIN, over an artifact several
 * times MARGIN, and succeed; a child that holds the whole artifact in one Buffer is
 * killed by the same cap. A change that buffers whole entries fails here. The full-size
 * proof (1 GiB under 128 MiB) is `npm run bench -- --only memory-cap`.
 *
 * Needs root and cgroup v1 (as CI has); elsewhere it is skipped, saying why.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry } from '../../../bench/bundle.js';
import { childEnv } from '../../../bench/child-process.js';
import {
  type CappedResult,
  memoryCgroup,
  runInMemoryCgroup,
} from '../../../bench/memory-cgroup.js';
import { type EmbeddedS3, startEmbeddedS3 } from '../../../src/local/embedded-s3.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import { SAMPLE_ARTIFACT_CREDENTIALS } from '../../helpers/local-clients.js';
import { lambdaNodeFlags } from '../../lambda-runtime/lambda-environment.js';

const MiB = 1024 * 1024;
/**
 * What the operations may use over an idle child's peak. Streaming needs ~40 MiB of
 * it: V8 collects dead Buffers (socket chunks, inflated pieces) only after ~64 MiB
 * of external memory has been allocated since the last full collection.
 */
const MARGIN = 64 * MiB;
/** The artifact: 3x the margin, a stored entry of random bytes and a deflated text entry. */
const STORED_BYTES = 2 * MARGIN;
const TEXT_BYTES = MARGIN;
const BUCKET = 'capped';
const KEY = 'pipeline/BuildOutput/capped.zip';

const support = await memoryCgroup();
if (!support.ok) console.warn(`memory-cap.test.ts skipped: ${support.reason}`);

let server: EmbeddedS3;
let workDir: string;
let child: string;
let idlePeak = 0;

async function capped(capBytes: number, ...args: string[]): Promise<CappedResult> {
  if (!support.ok) throw new Error(support.reason);
  return runInMemoryCgroup(
    support.parent,
    capBytes,
    process.execPath,
    [...lambdaNodeFlags(128), child, ...args],
    childEnv({
      AWS_ENDPOINT_URL_S3: server.endpoint,
      CAPPED_CREDENTIALS: JSON.stringify(SAMPLE_ARTIFACT_CREDENTIALS),
    }),
  );
}

const describeIfCgroup = support.ok ? describe : describe.skip;

describeIfCgroup('Memory: extractTo, stream and write stay within a capped cgroup', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'memory-cap-'));
    server = await startEmbeddedS3({ buckets: [BUCKET] });
    child = (
      await bundleEntry(
        path.resolve(import.meta.dirname, '../../../bench/children/capped.ts'),
        path.join(workDir, 'child'),
      )
    ).file;
    const text = Buffer.alloc(TEXT_BYTES, 'export const line = "some build output";\n');
    await server.putObject(
      BUCKET,
      KEY,
      buildZip([
        { name: 'big.bin', data: randomBytes(STORED_BYTES), method: 0 },
        { name: 'src/text.js', data: text },
      ]),
    );
    // An idle child: the SDK and the artifact code loaded, the central directory read.
    const idle = await capped(1024 * MiB, 'idle', BUCKET, KEY);
    expect(idle.exitCode, idle.stderr).toBe(0);
    idlePeak = idle.peakBytes;
    console.log(
      `memory-cap: idle child peak ${(idlePeak / MiB).toFixed(1)} MiB, cap ${((idlePeak + MARGIN) / MiB).toFixed(1)} MiB`,
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('extracts the whole artifact', async () => {
    // Act
    const result = await capped(
      idlePeak + MARGIN,
      'extract',
      BUCKET,
      KEY,
      path.join(workDir, 'extracted'),
    );

    // Assess
    expect(result.oomKilled, result.stderr).toBe(false);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}').details).toEqual({
      files: 2,
      bytes: STORED_BYTES + TEXT_BYTES,
    });
  }, 120_000);

  it('streams the big entry', async () => {
    // Act
    const result = await capped(idlePeak + MARGIN, 'stream', BUCKET, KEY, 'big.bin');

    // Assess
    expect(result.oomKilled, result.stderr).toBe(false);
    expect(result.exitCode, result.stderr).toBe(0);
  }, 120_000);

  it('writes the extracted folder back as an output artifact', async () => {
    // Act
    const result = await capped(
      idlePeak + MARGIN,
      'write',
      BUCKET,
      'pipeline/Out/capped.zip',
      path.join(workDir, 'extracted'),
    );

    // Assess
    expect(result.oomKilled, result.stderr).toBe(false);
    expect(result.exitCode, result.stderr).toBe(0);
  }, 120_000);

  it('kills a child that holds the whole artifact in memory (the control)', async () => {
    // Act
    const result = await capped(idlePeak + MARGIN, 'buffer', BUCKET, KEY);

    // Assess
    expect(result.oomKilled).toBe(true);
    expect(result.signal).toBe('SIGKILL');
  }, 120_000);
});
