/**
 * What the watchdog (option `watchdog`) adds to a cold start. Two bundles of the same
 * no-op gate, built with the product's esbuild options, differ only in `watchdog: true`.
 * Each run is a fresh `node` process that imports the bundle (module init), then runs
 * two invocations against the embedded job API on 127.0.0.1 (the first one starts the
 * watchdog thread; the second is warm), then idles 200 ms so the thread's start-up is
 * done, and reports wall times and the process CPU (all threads) spent by then.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startJobApi } from '../src/local/job-api/index.js';
import { jobEvent } from '../src/testing/job-event.js';
import { benchTempDir, bundleEntry, ROOT } from './bundle.js';
import { childEnv, runNodeJson } from './child-process.js';
import { formatMs, formatRatio, median, type Row, renderTable } from './stats.js';

export interface WatchdogCostOptions {
  readonly runs: number;
}

const GATE = (watchdog: boolean) => `
import { invokeAction } from ${JSON.stringify(join(ROOT, 'src/index.js'))};
export const handler = invokeAction({ run() {}, logLevel: 'warn', watchdog: ${watchdog} });
`;

const MEASURE = `
const [bundle, eventsFile] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const context = () => {
  const end = Date.now() + 30000;
  return { getRemainingTimeInMillis: () => end - Date.now(), functionName: 'bench' };
};
const t0 = performance.now();
const mod = await import(bundle);
const t1 = performance.now();
await mod.handler(events[0], context());
const t2 = performance.now();
await mod.handler(events[1], context());
const t3 = performance.now();
await new Promise((resolve) => setTimeout(resolve, 200));
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({
  importMs: t1 - t0, firstMs: t2 - t1, secondMs: t3 - t2, cpuMs: (cpu.user + cpu.system) / 1000,
}) + '\\n');
`;

interface Sample {
  readonly importMs: number;
  readonly firstMs: number;
  readonly secondMs: number;
  readonly cpuMs: number;
}

export async function watchdogCost(options: WatchdogCostOptions): Promise<string> {
  const dir = await benchTempDir('watchdog');
  // The embedded job API; every run answers the same two events, so repeats are taken.
  const jobApi = await startJobApi({ adoptUnknownJobs: true, oneAnswerPerJob: false });
  try {
    return await measure(dir, Number(new URL(jobApi.endpoint).port), options);
  } finally {
    await jobApi.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(dir: string, port: number, options: WatchdogCostOptions) {
  await writeFile(join(dir, 'watchdog-off.ts'), GATE(false));
  await writeFile(join(dir, 'watchdog-on.ts'), GATE(true));
  const off = await bundleEntry(join(dir, 'watchdog-off.ts'), join(dir, 'off'));
  const on = await bundleEntry(join(dir, 'watchdog-on.ts'), join(dir, 'on'));
  const measureFile = join(dir, 'measure.mjs');
  const eventsFile = join(dir, 'events.json');
  await writeFile(measureFile, MEASURE);
  await writeFile(eventsFile, JSON.stringify([jobEvent(), jobEvent()]));
  const env = childEnv({ AWS_ENDPOINT_URL_CODEPIPELINE: `http://127.0.0.1:${port}` });
  const run = (file: string) => runNodeJson<Sample>([measureFile, file, eventsFile], env);

  for (let i = 0; i < 3; i++) {
    await run(off.file);
    await run(on.file);
  }
  const samples = { off: [] as Sample[], on: [] as Sample[] };
  for (let i = 0; i < options.runs; i++) {
    // Alternate who goes first, so drift hits both alike.
    if (i % 2 === 0) {
      samples.off.push(await run(off.file));
      samples.on.push(await run(on.file));
    } else {
      samples.on.push(await run(on.file));
      samples.off.push(await run(off.file));
    }
  }

  const field = (which: Sample[], key: keyof Sample) => median(which.map((s) => s[key]));
  const row = (metric: string, key: keyof Sample): Row => {
    const ours = field(samples.on, key);
    const baseline = field(samples.off, key);
    return {
      metric: `${metric} (+${formatMs(ours - baseline)})`,
      ours: formatMs(ours),
      baseline: formatMs(baseline),
      ratio: formatRatio(ours / baseline),
      target: '-',
      result: 'info',
    };
  };
  const startUp = (which: Sample[]) => median(which.map((s) => s.importMs + s.firstMs));
  const extraStartUp = startUp(samples.on) - startUp(samples.off);
  const rows: Row[] = [
    row('module init: import() of the bundle, median', 'importMs'),
    row('first invocation (starts the thread), median', 'firstMs'),
    {
      metric: 'cold start on the main thread: init + first invocation, median',
      ours: formatMs(startUp(samples.on)),
      baseline: formatMs(startUp(samples.off)),
      ratio: formatRatio(startUp(samples.on) / startUp(samples.off)),
      target: '<= +3 ms to be on by default',
      result: extraStartUp <= 3 ? 'PASS' : 'MISS',
    },
    row('second invocation (warm), median', 'secondMs'),
    row('process CPU, all threads, after init + 2 invocations + 200 ms idle', 'cpuMs'),
  ];
  const notes = [
    `${options.runs} fresh \`node\` processes per bundle (${process.version}), alternating, after 3 unmeasured warm-up runs each; ours = \`invokeAction({ run() {}, watchdog: true })\`, baseline = the same with \`watchdog: false\`, both bundled with the product's esbuild options.`,
    'The watchdog thread starts with the first invocation and boots in parallel: its own CPU shows in the process CPU row, not in the wall times, unless the function has less than one vCPU to share between the threads.',
  ];
  return renderTable('Watchdog: cold-start cost of `watchdog: true`', rows, notes);
}
