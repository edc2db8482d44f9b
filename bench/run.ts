/**
 * `npm run bench`: runs the benchmarks and prints one table per figure, each figure
 * beside a baseline measured in the same run. Flags:
 *   --only <names>   comma-separated: cold-start, overhead, artifact-read, extract, output-write,
 *                    memory-cap, watchdog
 *   --quick          fewer runs, no 1 GiB artifact, 32 MiB instead of 200 MiB for extract and
 *                    output-write (for a smoke check, not for BENCHMARKS.md)
 *   --skip-1gb       leave out the 1 GiB artifacts of figures 3 and 4 (they need ~5 GiB of disk and
 *                    ~3 GiB of RAM); memory-cap always uses 1 GiB (200 MiB with --quick)
 */
import { parseArgs } from 'node:util';
import { coldStart } from './cold-start.js';

const FIGURES = [
  'cold-start',
  'overhead',
  'artifact-read',
  'extract',
  'output-write',
  'memory-cap',
  'watchdog',
] as const;
type Figure = (typeof FIGURES)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'skip-1gb': { type: 'boolean', default: false },
  },
});
const quick = values.quick === true;
const skip1Gb = quick || values['skip-1gb'] === true;
const skipped1Gb = `The 1 GiB artifact was NOT measured in this run (${quick ? '--quick' : '--skip-1gb'}); run without the flag for the 1 GiB figures.`;
const selected = new Set<Figure>(
  values.only === undefined
    ? FIGURES
    : values.only.split(',').map((name) => {
        const figure = FIGURES.find((known) => known === name.trim());
        if (!figure) throw new Error(`unknown figure "${name}"; known: ${FIGURES.join(', ')}`);
        return figure;
      }),
);

const { cpus, loadavg, totalmem } = await import('node:os');
// The load average is printed because this runs on shared machines: at a load well above
// the core count, wall times measure the run queue more than the code.
console.log(
  `# codepipeline-handler benchmarks\n\n${new Date().toISOString()} | Node ${process.version} | ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length} | ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM | ${process.platform} ${process.arch} | load average ${loadavg()[0]?.toFixed(1)}${quick ? ' | --quick (not for BENCHMARKS.md)' : ''}\n`,
);

if (selected.has('cold-start')) {
  console.log(await coldStart({ runs: quick ? 12 : 60 }));
}

if (selected.has('overhead')) {
  const { overhead } = await import('./overhead.js');
  console.log(
    await overhead(
      quick
        ? { perRound: 200, rounds: 5, warmup: 300 }
        : // 36 rounds: with 12, three quiet runs of the same code gave an added wall time of
          // 0.063, 0.068 and 0.108 ms; the median of more paired rounds moves less.
          { perRound: 500, rounds: 36, warmup: 1000 },
    ),
  );
}

if (selected.has('artifact-read')) {
  const { artifactRead, ARTIFACT_SIZES } = await import('./artifact-read.js');
  const sizes = ARTIFACT_SIZES.filter((size) => !skip1Gb || size.bytes < 1024 ** 3).map((size) =>
    quick ? { ...size, runs: 3 } : size,
  );
  console.log(
    await artifactRead({
      sizes,
      ...(skip1Gb ? { skipped: skipped1Gb } : {}),
    }),
  );
}

// Figures 4 and 5 share one size: a 200 MiB zip (32 MiB with --quick).
const wholeArtifactBytes = (quick ? 32 : 200) * 1024 * 1024;

if (selected.has('extract')) {
  const { extractFigure } = await import('./extract.js');
  console.log(
    await extractFigure({
      sizes: [
        { zipBytes: wholeArtifactBytes, runs: quick ? 2 : 5 },
        ...(skip1Gb ? [] : [{ zipBytes: 1024 ** 3, runs: 3 }]),
      ],
      ...(skip1Gb ? { skipped: skipped1Gb } : {}),
    }),
  );
}

if (selected.has('output-write')) {
  const { outputWriteFigure } = await import('./output-write.js');
  console.log(await outputWriteFigure({ zipBytes: wholeArtifactBytes, runs: quick ? 2 : 3 }));
}

if (selected.has('memory-cap')) {
  const { memoryCapFigure } = await import('./memory-cap.js');
  // --quick: the same runs over 200 MiB instead of 1 GiB (a smoke check).
  console.log(await memoryCapFigure({ artifactBytes: quick ? 200 * 1024 ** 2 : 1024 ** 3 }));
}

if (selected.has('watchdog')) {
  const { watchdogCost } = await import('./watchdog-cost.js');
  console.log(await watchdogCost({ runs: quick ? 10 : 40 }));
}
