/**
 * Figure 5: writing an output artifact of ~200 MiB (the zip) from a folder of
 * build-output-like files to the embedded S3 (127.0.0.1): ours
 * (`job.output(name).write(dir)`: zipped as a stream, multipart upload while zipping)
 * against the usual way without the framework, JSZip building the whole zip in memory
 * and one PutObject. Both compress at deflate level 6 and upload with SSE-KMS. Each
 * run is a fresh child process, so peak RSS is that write's own.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleSides } from './bundle.js';
import { childEnv } from './child-process.js';
import type { JobMeasurement } from './children/measure-job.js';
import { makeTree, type Tree } from './make-tree.js';
import {
  allOk,
  failureNotes,
  medianOf,
  type Outcome,
  peakRssList,
  runMeasured,
} from './measured-child.js';
import { inS3Workspace } from './s3-workspace.js';
import { formatBytes, formatMs, formatRatio, type Row, renderTable } from './stats.js';
import { treeDigest } from './tree-digest.js';
import { ensureUnzip, UNZIP_PATH } from './unzip-available.js';

const execFileAsync = promisify(execFile);
const BUCKET = 'bench-output';

export interface OutputWriteOptions {
  /** Size of the zip the folder makes (the tree is generated until its zip reaches it). */
  readonly zipBytes: number;
  readonly runs: number;
}

export async function outputWriteFigure(options: OutputWriteOptions): Promise<string> {
  const title = `Figure 5: write a ${formatBytes(options.zipBytes)} output artifact to S3, ours (write(dir), streamed multipart) vs JSZip in memory + one PutObject`;
  const unzip = await ensureUnzip();
  const ours: Outcome[] = [];
  const baseline: Outcome[] = [];
  const problems: string[] = [];
  let tree: Tree | undefined;
  await inS3Workspace('output-write', async ({ dir, s3 }) => {
    const bundles = await bundleSides(dir, 'write');
    tree = await makeTree(join(dir, 'data'), { zipBytes: options.zipBytes });
    await rm(tree.zipFile);
    const expected = await treeDigest(tree.directory);
    await s3.createBucket(BUCKET);
    const env = childEnv({ AWS_ENDPOINT_URL_S3: s3.endpoint });
    const source = tree.directory;

    // The first upload of each side is unzipped and compared with the folder, file by file.
    const check = async (who: string, key: string) => {
      if (!unzip.ok) return;
      const zipFile = join(dir, `check-${who}.zip`);
      const target = join(dir, `check-${who}`);
      await writeFile(zipFile, await s3.getObject(BUCKET, key));
      await mkdir(target);
      try {
        await execFileAsync(UNZIP_PATH, ['-q', zipFile, '-d', target]);
        if ((await treeDigest(target)) !== expected) {
          problems.push(`${who}: the uploaded zip does not unzip to the folder that was written`);
        }
      } catch (error) {
        problems.push(`${who}: unzip could not read the uploaded zip: ${(error as Error).message}`);
      } finally {
        await rm(zipFile, { force: true });
        await rm(target, { recursive: true, force: true });
      }
    };
    const runSide = async (who: 'ours' | 'baseline', run: number) => {
      const outcomes = who === 'ours' ? ours : baseline;
      if (outcomes.some((outcome) => !outcome.ok)) return;
      const key = `bench-pipeline/${who}/${run}.zip`;
      const outcome = await runMeasured(bundles[who].file, [BUCKET, key, source], env);
      if (outcome.ok && run === 0) await check(who, key);
      outcomes.push(outcome);
    };
    // Alternate who goes first, so page cache and machine drift are shared.
    for (let run = 0; run < options.runs; run++) {
      const order =
        run % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const);
      for (const who of order) await runSide(who, run);
    }
  });
  return renderTable(title, rows(allOk(ours), allOk(baseline)), [
    ...(tree
      ? [
          `Folder: ${tree.files} files in ${tree.directories} folders, ${formatBytes(tree.treeBytes)}: source-like text files (200 B-96 KiB), minified bundles (to 2 MiB) and ${formatBytes(tree.binaryBytes)} of random-byte binaries (8 KiB-2 MiB); generated per run (the same generator as figure 4), deleted afterwards.`,
        ]
      : []),
    `Ours: the folder walked while it is zipped by our streaming writer (deflate level 6; files up to 1 MiB stored when deflate does not shrink them, bigger ones when a trial deflate of their first 16 KiB does not) and uploaded with @aws-sdk/lib-storage in 5 MiB parts, 2 in flight. Baseline: every file read into JSZip, \`generateAsync\` (DEFLATE level 6), one PutObject of the buffer. Both with SSE-KMS.`,
    `Each run is a fresh \`node\` child (${process.version}, bundled with the handlers' esbuild options); the SDK is loaded before the clock starts on both sides (JSZip too, for the baseline). Medians of ${options.runs} runs per side, who goes first alternating. ${unzip.ok ? 'The first upload of each side is unzipped with unzip and compared with the folder, file by file.' : `Uploads NOT checked: ${unzip.reason}.`}`,
    'Ratios in this table are ours / baseline (below 1: ours is faster or smaller).',
    ...problems,
    ...failureNotes(ours, baseline),
    `Peak RSS of every run (MiB): ours [${peakRssList(ours, 0)}]; baseline [${peakRssList(baseline, 0)}].`,
  ]);
}

function rows(ours: JobMeasurement[] | undefined, baseline: JobMeasurement[] | undefined): Row[] {
  const value = (side: JobMeasurement[] | undefined, field: string) =>
    side ? medianOf(side, field) : Number.NaN;
  const oursMs = value(ours, 'ms');
  const baselineMs = value(baseline, 'ms');
  const oursRss = value(ours, 'peakRssBytes');
  const baselineRss = value(baseline, 'peakRssBytes');
  return [
    {
      metric: 'time: folder to object in S3, median',
      ours: ours ? formatMs(oursMs, 0) : 'FAILED',
      baseline: baseline ? formatMs(baselineMs, 0) : 'FAILED',
      ratio: formatRatio(oursMs / baselineMs),
      target: '-',
      result: 'info',
    },
    {
      metric: 'peak RSS, median',
      ours: ours ? formatBytes(oursRss) : 'FAILED',
      baseline: baseline ? formatBytes(baselineRss) : 'FAILED',
      ratio: formatRatio(oursRss / baselineRss),
      target: '-',
      result: 'info',
    },
    {
      metric: 'zip size, HTTP requests',
      ours: ours
        ? `${formatBytes(value(ours, 'details.bytes'))} in ${value(ours, 'httpRequests')} req`
        : 'FAILED',
      baseline: baseline
        ? `${formatBytes(value(baseline, 'details.bytes'))} in ${value(baseline, 'httpRequests')} req`
        : 'FAILED',
      ratio: formatRatio(value(ours, 'details.bytes') / value(baseline, 'details.bytes')),
      target: '-',
      result: 'info',
    },
  ];
}
