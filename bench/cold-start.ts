/**
 * Figure 1: cold start. The esbuild bundle of handlers/feedback-gate against a
 * hand-written handler bundled with the same options. Init is measured the way Lambda
 * pays it: a fresh `node` process imports the bundle; we time the import with
 * `performance.now()`, many processes, median. A separate traced process records
 * which bundle files load at init, to check that the S3 and STS clients do not.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Metafile } from 'esbuild';
import { initOutputs } from '../scripts/build.mjs';
import { benchTempDir, bundleEntry, ROOT } from './bundle.js';
import { runNodeJson } from './child-process.js';
import {
  atMost,
  formatBytes,
  formatMs,
  formatRatio,
  median,
  percentile,
  type Row,
  renderTable,
} from './stats.js';

export interface ColdStartOptions {
  readonly runs: number;
}

const MEASURE_INIT = `
const start = performance.now();
const mod = await import(process.argv[2]);
const end = performance.now();
if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ importMs: end - start, readyMs: end }) + '\\n');
`;

// Hooks slow loading down, so tracing runs in its own process, never a timed one.
const TRACE_INIT = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, nextLoad) { loaded.push(url); return nextLoad(url, context); } });
await import(process.argv[2]);
process.stdout.write(JSON.stringify({ loaded }) + '\\n');
`;

/** Packages whose code must stay out of the init path (loaded only when an artifact is used). */
const LAZY_ONLY = /node_modules\/@aws-sdk\/(client-s3|client-sts|lib-storage)\//;

interface InitSample {
  readonly importMs: number;
  readonly readyMs: number;
}

interface BundleShape {
  /** Output files (absolute) the entry loads statically, itself included. */
  readonly initFiles: ReadonlySet<string>;
  readonly initBytes: number;
  readonly lazyBytes: number;
  /** Output files containing code of LAZY_ONLY packages. */
  readonly lazyOnlyFiles: ReadonlySet<string>;
  /** Bytes at init per package, largest first. */
  readonly initPackages: readonly [string, number][];
}

export async function coldStart(options: ColdStartOptions): Promise<string> {
  const dir = await benchTempDir('cold-start');
  try {
    return await measureColdStart(dir, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureColdStart(dir: string, options: ColdStartOptions): Promise<string> {
  const ours = await bundleEntry(join(ROOT, 'handlers/feedback-gate.ts'), join(dir, 'ours'));
  const baseline = await bundleEntry(
    join(ROOT, 'bench/baseline/hand-written-handler.ts'),
    join(dir, 'baseline'),
  );
  // Not a target, a diagnosis: the engine alone, without the gate's own code (zod schemas).
  const engine = await bundleEntry(join(ROOT, 'bench/noop-gate.ts'), join(dir, 'engine'));
  const measure = join(dir, 'measure-init.mjs');
  const trace = join(dir, 'trace-init.mjs');
  await writeFile(measure, MEASURE_INIT);
  await writeFile(trace, TRACE_INIT);

  const oursShape = shapeOf(ours.metafile, ours.file);
  const baselineShape = shapeOf(baseline.metafile, baseline.file);
  const engineShape = shapeOf(engine.metafile, engine.file);

  // The first runs fill the page cache; they are not counted.
  for (let i = 0; i < 3; i++) {
    await runNodeJson<InitSample>([measure, ours.file]);
    await runNodeJson<InitSample>([measure, baseline.file]);
    await runNodeJson<InitSample>([measure, engine.file]);
  }
  const samples = new Map<string, InitSample[]>([
    [ours.file, []],
    [baseline.file, []],
    [engine.file, []],
  ]);
  const order = [ours.file, baseline.file, engine.file];
  for (let i = 0; i < options.runs; i++) {
    // Rotate who goes first, so drift (thermal, other load) hits all alike.
    for (let k = 0; k < order.length; k++) {
      const file = order[(i + k) % order.length] as string;
      samples.get(file)?.push(await runNodeJson<InitSample>([measure, file]));
    }
  }
  const oursSamples = samples.get(ours.file) ?? [];
  const baselineSamples = samples.get(baseline.file) ?? [];
  const engineSamples = samples.get(engine.file) ?? [];

  const traced = await runNodeJson<{ loaded: string[] }>([trace, ours.file]);
  const loadedFiles = traced.loaded
    .filter((url) => url.startsWith('file:'))
    .map((url) => resolve(new URL(url).pathname))
    .filter((file) => file.startsWith(ours.outdir));
  const lazyLoadedAtInit = loadedFiles.filter((file) => oursShape.lazyOnlyFiles.has(file));
  const lazyInInitGraph = [...oursShape.lazyOnlyFiles].filter((file) =>
    oursShape.initFiles.has(file),
  );
  const tracedMatchesGraph =
    loadedFiles.length === oursShape.initFiles.size &&
    loadedFiles.every((file) => oursShape.initFiles.has(file));

  const importOurs = median(oursSamples.map((s) => s.importMs));
  const importBaseline = median(baselineSamples.map((s) => s.importMs));
  const readyOurs = median(oursSamples.map((s) => s.readyMs));
  const readyBaseline = median(baselineSamples.map((s) => s.readyMs));
  const initRatio = importOurs / importBaseline;
  const lazyOk = oursShape.lazyOnlyFiles.size > 0 && lazyLoadedAtInit.length === 0;

  const rows: Row[] = [
    {
      metric: 'module init: import() of the bundle, median',
      ours: formatMs(importOurs),
      baseline: formatMs(importBaseline),
      ratio: formatRatio(initRatio),
      target: '<= 1.15x',
      result: atMost(initRatio, 1.15),
    },
    {
      metric: 'module init, p90',
      ours: formatMs(
        percentile(
          oursSamples.map((s) => s.importMs),
          90,
        ),
      ),
      baseline: formatMs(
        percentile(
          baselineSamples.map((s) => s.importMs),
          90,
        ),
      ),
      ratio: formatRatio(
        percentile(
          oursSamples.map((s) => s.importMs),
          90,
        ) /
          percentile(
            baselineSamples.map((s) => s.importMs),
            90,
          ),
      ),
      target: '-',
      result: 'info',
    },
    {
      metric: 'diagnosis: engine only (no-op gate), module init',
      ours: formatMs(median(engineSamples.map((s) => s.importMs))),
      baseline: formatMs(importBaseline),
      ratio: formatRatio(median(engineSamples.map((s) => s.importMs)) / importBaseline),
      target: '-',
      result: 'info',
    },
    {
      metric: 'process start to handler ready, median',
      ours: formatMs(readyOurs),
      baseline: formatMs(readyBaseline),
      ratio: formatRatio(readyOurs / readyBaseline),
      target: '-',
      result: 'info',
    },
    {
      metric: 'bundle loaded at init (entry + static chunks)',
      ours: formatBytes(oursShape.initBytes),
      baseline: formatBytes(baselineShape.initBytes),
      ratio: formatRatio(oursShape.initBytes / baselineShape.initBytes),
      target: '-',
      result: 'info',
    },
    {
      metric: 'diagnosis: engine only (no-op gate), loaded at init',
      ours: formatBytes(engineShape.initBytes),
      baseline: formatBytes(baselineShape.initBytes),
      ratio: formatRatio(engineShape.initBytes / baselineShape.initBytes),
      target: '-',
      result: 'info',
    },
    {
      metric: 'bundle loaded on demand (dynamic import chunks)',
      ours: formatBytes(oursShape.lazyBytes),
      baseline: formatBytes(baselineShape.lazyBytes),
      ratio: '-',
      target: '-',
      result: 'info',
    },
    {
      metric: 'S3/STS client chunks loaded at init',
      ours: `${lazyLoadedAtInit.length} of ${oursShape.lazyOnlyFiles.size}`,
      baseline: '-',
      ratio: '-',
      target: '0, and S3/STS in separate chunks',
      result: lazyOk && lazyInInitGraph.length === 0 ? 'PASS' : 'MISS',
    },
  ];
  const topPackages = (shape: BundleShape) =>
    shape.initPackages
      .slice(0, 6)
      .map(([name, bytes]) => `${name} ${formatBytes(bytes)}`)
      .join(', ');
  const notes = [
    `${options.runs} fresh \`node\` processes per bundle (${process.version}), order rotated every run, after 3 unmeasured warm-up runs each; module init = performance.now() around \`await import(bundle)\`.`,
    `Traced init of ours loaded ${loadedFiles.length} bundle file(s): ${loadedFiles.map((file) => relative(ours.outdir, file)).join(', ')}${tracedMatchesGraph ? ' (exactly the static import graph of the metafile)' : ' (differs from the metafile static graph!)'}.`,
    `S3/STS/lib-storage code is in ${oursShape.lazyOnlyFiles.size} chunk(s) reached only by dynamic import: ${[...oursShape.lazyOnlyFiles].map((file) => relative(ours.outdir, file)).join(', ')}.`,
    `Largest packages at init, ours: ${topPackages(oursShape)}.`,
    `Largest packages at init, engine only (no-op gate): ${topPackages(engineShape)}.`,
    `Largest packages at init, baseline: ${topPackages(baselineShape)}.`,
  ];
  return renderTable(
    'Figure 1: cold start, handlers/feedback-gate vs hand-written handler',
    rows,
    notes,
  );
}

/** What the entry loads at init, per the metafile's static import graph (like scripts/build.mjs). */
function shapeOf(metafile: Metafile, entryFile: string): BundleShape {
  const outputs = new Map(
    Object.entries(metafile.outputs)
      .filter(([file]) => file.endsWith('.mjs'))
      .map(([file, output]) => [resolve(file), output] as const),
  );
  const initFiles = initOutputs(metafile, entryFile);
  let initBytes = 0;
  let lazyBytes = 0;
  const lazyOnlyFiles = new Set<string>();
  const packages = new Map<string, number>();
  for (const [file, output] of outputs) {
    if (initFiles.has(file)) initBytes += output.bytes;
    else lazyBytes += output.bytes;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (LAZY_ONLY.test(input) && bytesInOutput > 0) lazyOnlyFiles.add(file);
      if (initFiles.has(file)) {
        const name = packageOf(input);
        packages.set(name, (packages.get(name) ?? 0) + bytesInOutput);
      }
    }
  }
  const initPackages = [...packages].sort((a, b) => b[1] - a[1]);
  return { initFiles, initBytes, lazyBytes, lazyOnlyFiles, initPackages };
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1]) return match[1];
  return input.split('/')[0] ?? input;
}
