/**
 * Figure 3: reading one small file from an input artifact of 8 MiB, 128 MiB and 1 GiB
 * on the embedded S3 (src/local/embedded-s3.ts, on 127.0.0.1): ours (ranged GETs via
 * yauzl) against downloading the whole object and loading it with JSZip. Each read runs
 * in a fresh child process, so its peak RSS belongs to that reader alone. Artifacts are
 * generated at bench time into a temporary folder, uploaded, and deleted afterwards.
 */
import { createHash } from 'node:crypto';
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleSides } from './bundle.js';
import { childEnv } from './child-process.js';
import type { ReadMeasurement } from './children/measure-read.js';
import { writeArtifact } from './make-artifact.js';
import {
  allOk,
  firstFailure,
  type Outcome as MeasuredOutcome,
  peakRssList,
  runMeasured,
} from './measured-child.js';
import { fileUploader, inS3Workspace } from './s3-workspace.js';
import {
  atLeast,
  atMost,
  formatBytes,
  formatMs,
  formatRatio,
  median,
  type Row,
  renderTable,
} from './stats.js';

const MiB = 1024 * 1024;
const BUCKET = 'bench-artifacts';
const SMALL_PATH = 'ratings.json';
const SMALL_CONTENT = Buffer.from(
  `${JSON.stringify(Array.from({ length: 40 }, (_, i) => 3 + (i % 3)))}\n`,
);

export interface ArtifactSize {
  readonly label: string;
  readonly bytes: number;
  readonly runs: number;
}

export const ARTIFACT_SIZES: readonly ArtifactSize[] = [
  { label: '8 MiB', bytes: 8 * MiB, runs: 5 },
  { label: '128 MiB', bytes: 128 * MiB, runs: 5 },
  { label: '1 GiB', bytes: 1024 * MiB, runs: 5 },
];

export interface ArtifactReadOptions {
  readonly sizes: readonly ArtifactSize[];
  /** Why sizes were left out, printed with the table. */
  readonly skipped?: string;
}

type Outcome = MeasuredOutcome<ReadMeasurement>;

interface SizeResult {
  readonly size: ArtifactSize;
  readonly objectBytes: number;
  /** What one small entry may cost: the central directory, the entry and 64 KiB. */
  readonly boundBytes: number;
  readonly ours: Outcome[];
  readonly baseline: Outcome[];
}

export async function artifactRead(options: ArtifactReadOptions): Promise<string> {
  const results: SizeResult[] = [];
  const notes: string[] = [];
  await inS3Workspace('artifact-read', async ({ dir, s3 }) => {
    const { ours, baseline } = await bundleSides(dir, 'read');
    await s3.createBucket(BUCKET);
    const uploader = fileUploader(s3);
    const expectedSha = createHash('sha256').update(SMALL_CONTENT).digest('hex');
    const env = childEnv({ AWS_ENDPOINT_URL_S3: s3.endpoint });
    const uploaded: { result: SizeResult; key: string }[] = [];

    for (const size of options.sizes) {
      const free = await freeBytes(dir);
      // Every object stays in s3rver's folder until the end, and the one being
      // uploaded also exists as our file for a moment: keep headroom.
      if (free < size.bytes * 2.5) {
        notes.push(
          `${size.label} skipped: ${formatBytes(free)} free in ${dir}, ${formatBytes(size.bytes * 2.5)} needed.`,
        );
        continue;
      }
      const file = join(dir, `artifact-${size.bytes}.zip`);
      const objectBytes = await writeArtifact(file, {
        totalBytes: size.bytes,
        bigEntries: 4,
        smallPath: SMALL_PATH,
        smallContent: SMALL_CONTENT,
      });
      const key = `bench-pipeline/BuildOutput/${size.label.replace(' ', '')}`;
      await uploader.upload(BUCKET, key, file, objectBytes);
      const boundBytes = await smallReadBound(file);
      await rm(file);

      uploaded.push({ result: { size, objectBytes, boundBytes, ours: [], baseline: [] }, key });
    }
    uploader.destroy();

    const read = async (bundle: string, key: string): Promise<Outcome> => {
      const outcome = await runMeasured<ReadMeasurement>(bundle, [BUCKET, key, SMALL_PATH], env);
      if (outcome.ok && outcome.value.fileSha256 !== expectedSha) {
        return { ok: false, reason: 'read the wrong bytes (sha256 differs)' };
      }
      return outcome;
    };
    // Rounds go across all sizes, so that whatever drifts on the machine during the
    // run (page cache, memory state) lands on every size alike: "flat in size" then
    // compares like with like.
    const rounds = Math.max(...uploaded.map(({ result }) => result.size.runs));
    for (let run = 0; run < rounds; run++) {
      for (const { result, key } of uploaded) {
        if (run >= result.size.runs) continue;
        // Alternate who goes first; a baseline that failed once is not asked again.
        const baselineFailed = result.baseline.some((outcome) => !outcome.ok);
        if (run % 2 === 0) {
          result.ours.push(await read(ours.file, key));
          if (!baselineFailed) result.baseline.push(await read(baseline.file, key));
        } else {
          if (!baselineFailed) result.baseline.push(await read(baseline.file, key));
          result.ours.push(await read(ours.file, key));
        }
      }
    }
    results.push(...uploaded.map(({ result }) => result));
  });
  return renderTable(
    'Figure 3: one small file from an input artifact, ours (ranged GETs) vs whole GetObject + JSZip',
    rowsOf(results),
    [
      ...notes,
      `Artifacts: ${SMALL_PATH} (JSON, ${SMALL_CONTENT.length} bytes) as the first entry, then 4 stored entries of random bytes; generated per run, uploaded to the embedded S3 on 127.0.0.1, deleted afterwards.`,
      `Each read is a fresh \`node\` child (${process.version}, bundled with the handlers' esbuild options); time = the read alone (the SDK is loaded before the clock starts on both sides); bytes = every byte on the child's TCP sockets, both directions; peak RSS = the child's VmHWM (/proc/self/status; getrusage's maxRSS carries the parent's RSS over exec). Medians of ${results.map((r) => `${r.size.runs} (${r.size.label})`).join(', ')} runs per reader.`,
      'Ratios in this table are baseline / ours: how many times faster, fewer bytes, less memory.',
      ...(options.skipped ? [options.skipped] : []),
      ...failureNotes(results),
      `Peak RSS of every run of ours (MiB): ${results
        .map((r) => `${r.size.label} [${peakRssList(r.ours, 1)}]`)
        .join('; ')}.`,
    ],
  );
}

/**
 * The bound on what reading the small first entry may transfer: the central directory
 * and end records, the entry's local record (header, name, data, data descriptor) and
 * 64 KiB, plus 1 KiB of HTTP headers per request (at most three; two since the tail GET
 * also tells the size: tail, entry).
 */
async function smallReadBound(zipFile: string): Promise<number> {
  const handle = await open(zipFile, 'r');
  try {
    const { size } = await handle.stat();
    const end = Buffer.alloc(22);
    await handle.read(end, 0, 22, size - 22);
    const directoryBytes = end.readUInt32LE(12);
    const entryRecord = 30 + Buffer.byteLength(SMALL_PATH) + SMALL_CONTENT.length + 16;
    return directoryBytes + 22 + 20 + entryRecord + 64 * 1024 + 3 * 1024;
  } finally {
    await handle.close();
  }
}

async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

function medians(outcomes: readonly Outcome[]) {
  const ok = allOk(outcomes);
  if (!ok) return undefined;
  const of = (field: keyof ReadMeasurement) => median(ok.map((m) => Number(m[field])));
  return {
    ms: of('ms'),
    bytes: of('bytesTransferred'),
    received: of('bytesReceived'),
    rss: of('peakRssBytes'),
    requests: of('httpRequests'),
  };
}

function rowsOf(results: readonly SizeResult[]): Row[] {
  const rows: Row[] = [];
  const first = results[0];
  const firstOurs = first ? medians(first.ours) : undefined;
  for (const result of results) {
    const ours = medians(result.ours);
    const baseline = medians(result.baseline);
    const label = `${result.size.label} (${formatBytes(result.objectBytes)} object)`;
    const isGiB = result.size.bytes >= 1024 * MiB;
    const failed = baseline === undefined ? 'FAILED' : undefined;
    rows.push({
      metric: `${label}: time`,
      ours: ours ? formatMs(ours.ms, 1) : 'FAILED',
      baseline: failed ?? formatMs(baseline?.ms ?? Number.NaN, 1),
      ratio: ours && baseline ? `${formatRatio(baseline.ms / ours.ms, 1)} faster` : 'n/a',
      target: isGiB ? '>= 20x faster' : '-',
      result: isGiB
        ? ours && baseline
          ? atLeast(baseline.ms / ours.ms, 20)
          : ours
            ? 'FAIL'
            : 'MISS'
        : 'info',
    });
    rows.push({
      metric: `${label}: bytes transferred`,
      ours: ours ? `${formatBytes(ours.bytes)} in ${ours.requests} req` : 'FAILED',
      baseline: failed ?? `${formatBytes(baseline?.bytes ?? 0)} in ${baseline?.requests} req`,
      ratio: ours && baseline ? `${formatRatio(baseline.bytes / ours.bytes, 0)} fewer` : 'n/a',
      target: '-',
      result: 'info',
    });
    rows.push({
      metric: `${label}: bytes for one small entry, vs CD + entry + 64 KiB`,
      ours: ours ? formatBytes(ours.received) : 'FAILED',
      baseline: `bound ${formatBytes(result.boundBytes)}`,
      ratio: ours ? formatRatio(ours.received / result.boundBytes) : 'n/a',
      target: '<= bound',
      result: ours ? (ours.received <= result.boundBytes ? 'PASS' : 'MISS') : 'MISS',
    });
    rows.push({
      metric: `${label}: peak RSS`,
      ours: ours ? formatBytes(ours.rss) : 'FAILED',
      baseline: failed ?? formatBytes(baseline?.rss ?? 0),
      ratio: ours && baseline ? `${formatRatio(baseline.rss / ours.rss, 1)} less` : 'n/a',
      target: isGiB ? '>= 10x less' : '-',
      result: isGiB
        ? ours && baseline
          ? atLeast(baseline.rss / ours.rss, 10)
          : ours
            ? 'FAIL'
            : 'MISS'
        : 'info',
    });
  }
  const last = results.at(-1);
  const lastOurs = last ? medians(last.ours) : undefined;
  if (first && last && first !== last && firstOurs && lastOurs) {
    const span = `ours ${last.size.label} / ours ${first.size.label}`;
    rows.push({
      metric: `flat in size: time, ${span}`,
      ours: formatMs(lastOurs.ms, 1),
      baseline: formatMs(firstOurs.ms, 1),
      ratio: formatRatio(lastOurs.ms / firstOurs.ms),
      target: '<= 1.5x',
      result: atMost(lastOurs.ms / firstOurs.ms, 1.5),
    });
    rows.push({
      metric: `flat in size: peak RSS, ${span}`,
      ours: formatBytes(lastOurs.rss),
      baseline: formatBytes(firstOurs.rss),
      ratio: formatRatio(lastOurs.rss / firstOurs.rss),
      target: '<= 1.1x',
      result: atMost(lastOurs.rss / firstOurs.rss, 1.1),
    });
    rows.push({
      metric: `flat in size: bytes, ${span}`,
      ours: formatBytes(lastOurs.bytes),
      baseline: formatBytes(firstOurs.bytes),
      ratio: formatRatio(lastOurs.bytes / firstOurs.bytes),
      target: '-',
      result: 'info',
    });
  }
  return rows;
}

function failureNotes(results: readonly SizeResult[]): string[] {
  const notes: string[] = [];
  for (const result of results) {
    for (const [who, outcomes] of [
      ['ours', result.ours],
      ['baseline', result.baseline],
    ] as const) {
      const reason = firstFailure(outcomes);
      if (reason) notes.push(`${result.size.label}, ${who} FAILED (not retried): ${reason}`);
    }
  }
  return notes;
}
