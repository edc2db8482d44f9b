/**
 * Faults while reading an input artifact: every S3 call the artifact API makes
 * crossed with every way S3 (or the network in front of it) fails, hostile or
 * damaged archives, and an artifact bigger than the memory budget.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArtifactLimits } from '../../../src/artifacts/index.js';
import type { Job } from '../../../src/job.js';
import { accessDeniedResponse, s3ErrorResponse } from '../../../src/local/embedded-s3.js';
import { buildZip } from '../../fixtures/hostile-zips/raw-zip.js';
import {
  type Expected,
  type FaultCase,
  faultHandler,
  jobWithArtifact,
  TIMING,
  type Timing,
} from '../helpers/fault-case.js';
import type { S3Call, S3Fault } from '../helpers/s3-faults.js';

const DATA = { ok: true };

/** Smaller than the tail fetched first: read whole with the tail GetObject alone. */
const SMALL_ARTIFACT = buildZip([{ name: 'data.json', data: Buffer.from(JSON.stringify(DATA)) }]);

/** Over 1 MiB: read with the tail GetObject and ranged GetObjects (data.json). */
const LARGE_ARTIFACT = buildZip([
  { name: 'data.json', data: Buffer.from(JSON.stringify(DATA)) },
  { name: 'padding.bin', data: randomBytes(1_300_000), method: 0 },
]);

const ARTIFACT_FOR: Record<S3Call, Buffer> = {
  'tail GetObject': SMALL_ARTIFACT,
  'ranged GetObject': LARGE_ARTIFACT,
};

const succeeded: Expected = { verdict: 'answered-once', answer: 'succeeded' };
const timedOut: Expected = { verdict: 'answered-once', answer: 'JobFailed', message: /timed out/ };
const unavailable: Expected = { verdict: 'answered-once', answer: 'SystemUnavailable' };

/** How S3 fails; `calls` limits a kind to the calls it makes sense for. */
const S3_KINDS: ReadonlyArray<{
  kind: string;
  fault: Omit<S3Fault, 'call'>;
  expected: Expected;
  timing?: Timing;
  calls?: readonly S3Call[];
}> = [
  {
    kind: '403 AccessDenied',
    fault: { response: accessDeniedResponse(), times: 'always' },
    expected: {
      verdict: 'answered-once',
      answer: 'PermissionError',
      message: /PipelineArtifactRole/,
    },
  },
  {
    kind: '404 NoSuchKey',
    fault: { response: s3ErrorResponse(404, 'NoSuchKey'), times: 'always' },
    expected: { verdict: 'answered-once', answer: 'RevisionUnavailable' },
  },
  {
    kind: '404 NoSuchBucket',
    fault: { response: s3ErrorResponse(404, 'NoSuchBucket'), times: 'always' },
    expected: { verdict: 'answered-once', answer: 'RevisionUnavailable' },
  },
  {
    kind: '500 InternalError on every attempt',
    fault: { response: s3ErrorResponse(500, 'InternalError'), times: 'always' },
    expected: unavailable,
  },
  {
    kind: '503 SlowDown on every attempt',
    fault: { response: s3ErrorResponse(503, 'SlowDown'), times: 'always' },
    expected: unavailable,
  },
  {
    kind: '503 SlowDown once (the SDK retries)',
    fault: { response: s3ErrorResponse(503, 'SlowDown'), times: 'once' },
    expected: succeeded,
  },
  {
    kind: 'connection reset on every attempt',
    fault: { response: { fault: 'reset' }, times: 'always' },
    expected: unavailable,
  },
  {
    kind: 'connection reset once (the SDK retries)',
    fault: { response: { fault: 'reset' }, times: 'once' },
    expected: succeeded,
  },
  {
    kind: 'connection reset mid-body',
    fault: { response: { fault: 'reset-mid-body' }, times: 'always' },
    expected: unavailable,
    calls: ['tail GetObject', 'ranged GetObject'],
  },
  {
    kind: 'hang (no response)',
    fault: { response: { fault: 'hang' }, times: 'always' },
    expected: timedOut,
    timing: TIMING.tight,
  },
];

const S3_CALLS: readonly S3Call[] = ['tail GetObject', 'ranged GetObject'];

const readData = async (job: Job<unknown, unknown>) => {
  const data = await job.input('BuildOutput').json<typeof DATA>('data.json');
  return job.succeed({ summary: `read data.json: ok=${data.ok}` });
};

function hostile(file: string): Buffer {
  return readFileSync(path.join(import.meta.dirname, '../../fixtures/hostile-zips', file));
}

/** Extracts into a fresh directory and removes it whatever happens. */
const extractAll = async (job: Job<unknown, unknown>) => {
  const directory = path.join(tmpdir(), `fault-matrix-${randomUUID()}`);
  try {
    await job.input('BuildOutput').extractTo(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
};

const ARCHIVE_FAULTS: ReadonlyArray<{
  point: string;
  kind: string;
  body: Buffer;
  run: (job: Job<unknown, unknown>) => Promise<unknown>;
  limits?: Partial<ArtifactLimits>;
  message: RegExp;
}> = [
  {
    point: 'unzip',
    kind: 'not a zip',
    body: hostile('not-a-zip.zip'),
    run: (job) => job.input('BuildOutput').files(),
    message: /not a readable zip/,
  },
  {
    point: 'unzip',
    kind: 'truncated archive',
    body: hostile('truncated.zip'),
    run: (job) => job.input('BuildOutput').files(),
    message: /zip/,
  },
  {
    point: 'unzip',
    kind: 'zip bomb (inflates past its declared size)',
    body: hostile('size-lie-bomb.zip'),
    run: (job) => job.input('BuildOutput').read('bomb.txt'),
    message: /bomb\.txt/,
  },
  {
    point: 'unzip',
    kind: 'too many entries',
    body: hostile('too-many-entries.zip'),
    run: (job) => job.input('BuildOutput').files(),
    limits: { maxEntries: 50 },
    message: /51 entries/,
  },
  {
    point: 'unzip',
    kind: 'zip-slip entry on extractTo',
    body: hostile('zip-slip-dotdot.zip'),
    run: extractAll,
    message: /\.\.\/evil\.txt/,
  },
  {
    point: 'memory budget',
    kind: 'read() of a file over maxReadBytes',
    body: buildZip([{ name: 'big.txt', data: Buffer.alloc(200_000, 'a') }]),
    run: (job) => job.input('BuildOutput').read('big.txt'),
    limits: { maxReadBytes: 64 * 1024 },
    message: /limit/,
  },
  {
    point: 'memory budget',
    kind: 'download() of an artifact over maxReadBytes',
    body: LARGE_ARTIFACT,
    run: (job) => job.input('BuildOutput').download(),
    limits: { maxReadBytes: 1024 * 1024 },
    message: /maxReadBytes/,
  },
];

export function artifactFaultCases(): FaultCase[] {
  const s3 = S3_CALLS.flatMap((call) =>
    S3_KINDS.filter((kind) => !kind.calls || kind.calls.includes(call)).map(
      ({ kind, fault, expected, timing = TIMING.roomy }): FaultCase => ({
        point: `S3 ${call}`,
        kind,
        expected,
        async prepare(world) {
          const { event, jobId, key, secrets } = await jobWithArtifact(world, ARTIFACT_FOR[call]);
          world.s3Faults.add(key, { ...fault, call });
          const handler = faultHandler(readData, timing);
          return { event, jobId, handler, timing, closedBefore: false, secrets };
        },
      }),
    ),
  );
  const archives = ARCHIVE_FAULTS.map(
    ({ point, kind, body, run, limits, message }): FaultCase => ({
      point,
      kind,
      expected: { verdict: 'answered-once', answer: 'JobFailed', message },
      async prepare(world) {
        const { event, jobId, secrets } = await jobWithArtifact(world, body);
        const handler = faultHandler(run, TIMING.roomy, {
          ...(limits ? { artifactLimits: limits } : {}),
        });
        return { event, jobId, handler, timing: TIMING.roomy, closedBefore: false, secrets };
      },
    }),
  );
  return [...s3, ...archives];
}
