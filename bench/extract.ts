/**
 * Figure 4: extracting a whole input artifact (~200 MiB zip of build-output-like files)
 * from the embedded S3 (127.0.0.1) to disk: ours (`job.input(name).extractTo(dir)`:
 * ranged GETs, entries streamed to files) against the usual way without the framework,
 * one GetObject streamed to a file in /tmp and then Info-ZIP's `unzip -q`. The
 * baseline's time includes its download, as ours includes its reads: both start with
 * the artifact in S3 and end with the files on disk. Each run is a fresh child process,
 * so peak RSS is that extraction's own.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lambdaNodeFlags } from '../test/lambda-runtime/lambda-environment.js';
import { bundleSides } from './bundle.js';
import { childEnv } from './child-process.js';
import { makeTree, type Tree } from './make-tree.js';
import {
  allOk,
  failureNotes,
  medianOf,
  type Outcome,
  peakRssList,
  runMeasured,
} from './measured-child.js';
import { fileUploader, inS3Workspace } from './s3-workspace.js';
import { atMost, formatBytes, formatMs, formatRatio, type Row, renderTable } from './stats.js';
import { treeDigest } from './tree-digest.js';
import { ensureUnzip } from './unzip-available.js';

const BUCKET = 'bench-extract';
/**
 * Both sides' node children start as Lambda starts a function of this size: its node
 * flags (`--expose-gc` among them) and AWS_LAMBDA_FUNCTION_MEMORY_SIZE, which decide
 * when ours collects dead Buffers (src/artifacts/dead-buffers.ts). A function that
 * extracts 1 GiB artifacts is given at least this much; the 128 MB case is the
 * memory-cap figure's.
 */
const FUNCTION_MEMORY_MB = 1024;
const NODE_FLAGS = lambdaNodeFlags(FUNCTION_MEMORY_MB);
const KEY_PREFIX = 'bench-pipeline/BuildOutput/extract-';

export interface ExtractSize {
  /** Size of the zip in S3. */
  readonly zipBytes: number;
  readonly runs: number;
}

export interface ExtractOptions {
  readonly sizes: readonly ExtractSize[];
  /** Why sizes were left out, printed with the table. */
  readonly skipped?: string;
}

interface SizeResult {
  readonly zipBytes: number;
  readonly runs: number;
  readonly tree: Tree | undefined;
  readonly ours: Outcome[];
  readonly baseline: Outcome[];
}

export async function extractFigure(options: ExtractOptions): Promise<string> {
  const title = `Figure 4: extract a whole artifact (${options.sizes.map((size) => formatBytes(size.zipBytes)).join(', ')}) to disk, ours (extractTo) vs GetObject to a file + unzip`;
  const unzip = await ensureUnzip();
  const results: SizeResult[] = [];
  const problems: string[] = [];
  await inS3Workspace('extract', async ({ dir, s3 }) => {
    const bundles = await bundleSides(dir, 'extract');
    await s3.createBucket(BUCKET);
    const env = childEnv({
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_MEMORY_MB),
    });
    for (const size of options.sizes) {
      const label = formatBytes(size.zipBytes);
      const tree = await makeTree(join(dir, `data-${size.zipBytes}`), { zipBytes: size.zipBytes });
      const key = `${KEY_PREFIX}${size.zipBytes}.zip`;
      const uploader = fileUploader(s3);
      await uploader.upload(BUCKET, key, tree.zipFile, tree.zipBytes);
      uploader.destroy();
      await rm(tree.zipFile);
      const expected = await treeDigest(tree.directory);
      await rm(tree.directory, { recursive: true, force: true });
      const result: SizeResult = { ...size, tree, ours: [], baseline: [] };
      results.push(result);

      const runOurs = async (run: number) => {
        const target = join(dir, `out-ours-${run}`);
        const outcome = await runMeasured(
          bundles.ours.file,
          [BUCKET, key, target],
          env,
          NODE_FLAGS,
        );
        // The first run's files are compared with the tree; later runs by their count.
        if (outcome.ok && run === 0 && (await treeDigest(target)) !== expected) {
          problems.push(`${label}, ours: the extracted tree differs from the one zipped`);
        }
        await rm(target, { recursive: true, force: true });
        result.ours.push(outcome);
      };
      const runBaseline = async (run: number) => {
        if (!unzip.ok || result.baseline.some((outcome) => !outcome.ok)) return;
        const target = join(dir, `out-baseline-${run}`);
        await mkdir(target);
        const zipFile = join(dir, `download-${run}.zip`);
        const outcome = await runMeasured(
          bundles.baseline.file,
          [BUCKET, key, target, zipFile],
          env,
          NODE_FLAGS,
        );
        if (outcome.ok && run === 0 && (await treeDigest(target)) !== expected) {
          problems.push(`${label}, baseline: the extracted tree differs from the one zipped`);
        }
        await rm(target, { recursive: true, force: true });
        await rm(zipFile, { force: true });
        result.baseline.push(outcome);
      };
      // Alternate who goes first, so page cache and machine drift are shared.
      for (let run = 0; run < size.runs; run++) {
        if (run % 2 === 0) {
          await runOurs(run);
          await runBaseline(run);
        } else {
          await runBaseline(run);
          await runOurs(run);
        }
      }
      const oursOk = allOk(result.ours);
      if (oursOk?.some((m) => m.details.files !== undefined && m.details.files !== tree.files)) {
        problems.push(`${label}, ours: a run extracted a different number of files`);
      }
    }
  });

  return renderTable(
    title,
    results.flatMap((result) => rows(result, unzip.ok)),
    [
      ...(unzip.ok
        ? [
            `Baseline: ${unzip.version}${unzip.installed ? ' (installed by this run with apt-get install -y unzip)' : ''}; GetObject (AWS SDK v3, the same client ours uses) streamed to a file in the same temp folder, then \`unzip -q <file> -d <dir>\`. Its time is download + unzip; both pieces are listed. Its peak RSS is the larger of the node process that downloads and unzip's own (GNU time %M).`,
          ]
        : [`BASELINE MISSING: ${unzip.reason}. The ratios cannot be computed.`]),
      ...results.flatMap(({ tree }) =>
        tree
          ? [
              `Artifact ${formatBytes(tree.zipBytes)}: zip of ${tree.files} files in ${tree.directories} folders, ${formatBytes(tree.treeBytes)} uncompressed: ${tree.deflatedEntries} deflated text files (source-like, 200 B-96 KiB, and minified bundles to 2 MiB) and ${tree.storedEntries} stored binaries of random bytes (8 KiB-2 MiB, ${formatBytes(tree.binaryBytes)}); generated per run, uploaded to the embedded S3 on 127.0.0.1, deleted afterwards. The first run of each side is checked file by file against the zipped tree.`,
            ]
          : [],
      ),
      `Ours: the tail (64 KiB, with the central directory when it fits; a suffix-range GET, which also tells the size, so no HEAD), the rest of the central directory if any, then one GET of the body read in one pass. Each run is a fresh \`node ${NODE_FLAGS.join(' ')}\` child with AWS_LAMBDA_FUNCTION_MEMORY_SIZE=${FUNCTION_MEMORY_MB}, as Lambda starts a ${FUNCTION_MEMORY_MB} MB function, on both sides (${process.version}, bundled with the handlers' esbuild options); the SDK is loaded before the clock starts on both sides; extraction folders are on the same disk and deleted between runs. Medians of ${results.map((r) => `${r.runs} (${formatBytes(r.zipBytes)})`).join(', ')} runs per side, who goes first alternating.`,
      ...(options.skipped ? [options.skipped] : []),
      ...problems,
      ...results.flatMap((result) =>
        failureNotes(result.ours, result.baseline).map(
          (note) => `${formatBytes(result.zipBytes)}: ${note}`,
        ),
      ),
      ...results.map(
        (result) =>
          `Peak RSS of every run of ours, ${formatBytes(result.zipBytes)} (MiB): ${peakRssList(result.ours, 1)}.`,
      ),
    ],
  );
}

function rows(result: SizeResult, unzipAvailable: boolean): Row[] {
  const ours = allOk(result.ours);
  const baseline = allOk(result.baseline);
  const label = formatBytes(result.zipBytes);
  const missing = unzipAvailable ? 'FAILED' : 'no unzip';
  const oursMs = ours ? medianOf(ours, 'ms') : Number.NaN;
  const oursRss = ours ? medianOf(ours, 'peakRssBytes') : Number.NaN;
  const baselineMs = baseline ? medianOf(baseline, 'ms') : Number.NaN;
  const baselineRss = baseline
    ? medianOf(
        baseline.map((m) => ({
          ...m,
          peakRssBytes: Math.max(m.peakRssBytes, m.details.unzipPeakRssBytes ?? 0),
        })),
        'peakRssBytes',
      )
    : Number.NaN;
  const timeRatio = oursMs / baselineMs;
  const oursBytes = ours ? medianOf(ours, 'bytesReceived') : Number.NaN;
  const oursRequests = ours ? medianOf(ours, 'httpRequests') : Number.NaN;
  const objectBytes = result.tree?.zipBytes ?? Number.NaN;
  // Tail + (rest of the directory) + body, no HEAD; bytes within 3% of the object.
  const wireOk = oursRequests <= 3 && oursBytes <= objectBytes * 1.03;
  return [
    {
      metric: `${label}: time, S3 to files on disk, median`,
      ours: ours ? formatMs(oursMs, 0) : 'FAILED',
      baseline: baseline ? formatMs(baselineMs, 0) : missing,
      ratio: formatRatio(timeRatio),
      target: '<= 1.0x',
      result: ours && baseline ? atMost(timeRatio, 1.0) : 'MISS',
    },
    {
      metric: `${label}: bytes received, HTTP requests`,
      ours: ours ? `${formatBytes(oursBytes)} in ${oursRequests} req` : 'FAILED',
      baseline: baseline
        ? `${formatBytes(medianOf(baseline, 'bytesReceived'))} in ${medianOf(baseline, 'httpRequests')} req`
        : missing,
      ratio: `${formatRatio(oursBytes / objectBytes)} of the object`,
      target: '<= 1.03x, <= 3 requests',
      result: ours ? (wireOk ? 'PASS' : 'MISS') : 'MISS',
    },
    {
      metric: `${label}: baseline pieces, GetObject to file / unzip`,
      ours: '-',
      baseline: baseline
        ? `${formatMs(medianOf(baseline, 'details.downloadMs'), 0)} / ${formatMs(medianOf(baseline, 'details.unzipMs'), 0)}`
        : missing,
      ratio: baseline
        ? `ours / unzip alone ${formatRatio(oursMs / medianOf(baseline, 'details.unzipMs'))}`
        : '-',
      target: '-',
      result: 'info',
    },
    {
      metric: `${label}: peak RSS (uncapped), median`,
      ours: ours ? formatBytes(oursRss) : 'FAILED',
      baseline: baseline ? formatBytes(baselineRss) : missing,
      ratio: formatRatio(oursRss / baselineRss),
      target: '-',
      result: 'info',
    },
  ];
}
