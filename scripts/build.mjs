// Bundles every handlers/*.ts into one folder per handler, dist/<name>/<name>.mjs
// (ESM, minified, source maps, .mjs), and is what `sam build` runs too: template.yaml
// builds each function with `BuildMethod: makefile`, and the Makefile's target for it
// runs this script with --entry/--outdir, into SAM's artifacts folder.
//
// Why not SAM's own esbuild (`BuildMethod: esbuild`): it cannot split code. It made
// one file per function with the S3 and STS clients inside, loaded at every cold start.
// Here nothing is external (the AWS SDK is bundled, so its version is the one we tested
// with), `splitting` gives lazily imported code chunks of its own, and what the
// framework loads lazily without sharing the engine's modules (the S3/STS/lib-storage
// clients, the watchdog, yauzl) is bundled in a second, separate build (see
// SEPARATELY_BUILT below).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import * as esbuild from 'esbuild';

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The esbuild options for one handler; shared with the template test. */
export function handlerBuildOptions(entry, outdir) {
  return {
    entryPoints: [entry],
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    splitting: true,
    minify: true,
    sourcemap: true,
    outExtension: { '.js': '.mjs' },
    // Chunks sit beside the entry, so the relative path of a separately built import is
    // the same from every output file.
    chunkNames: '[name]-[hash]',
    // Prefer packages' ESM builds; an ESM bundle cannot use CommonJS-only `require`...
    mainFields: ['module', 'main'],
    // ...except through this, for the CommonJS dependencies that call require() on Node built-ins.
    banner: {
      js: "import{createRequire as __cpRequire}from'node:module';const require=__cpRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
    plugins: [separatelyBuilt()],
  };
}

/**
 * Code the handler build leaves to a second build of its own, in `outdir/lazy/<name>.mjs`:
 * what an import of it looks like (`matches`, given esbuild's onResolve args) and the
 * second build's entry for it.
 *
 * Why: esbuild's `splitting` puts every module that both the entry and a lazily
 * imported module use into a shared chunk, and the entry loads each such chunk at init
 * (~0.4 ms a file on Node 24; BENCHMARKS.md, figure 1). A separate build keeps all of
 * it behind the `import()`:
 * - The S3/STS/lib-storage clients share barrel files of @smithy/core and @aws-sdk/core
 *   with the CodePipeline client, so inside one build the XML protocol, checksum and
 *   waiter code that only S3 uses lands in chunks the handler loads at init.
 * - The watchdog (its main-thread side and its thread) shares the logger, the redactor,
 *   its protocol and, through the thread's reporter, the CodePipeline client with the
 *   engine: four more chunks at init. It needs none of the engine's instances: it is
 *   created from the engine's options, and its thread is an isolate of its own.
 * - yauzl, the one CommonJS package, is imported (statically) only by the zip reader,
 *   itself loaded with `import()`. Inside the handler build its CommonJS helpers become
 *   a chunk that the entry imports at init all the same.
 * Modules that must share the engine's classes stay in the handler build: the zip
 * reader and writer throw its errors, which are told apart with `instanceof`. Static
 * imports of the AWS packages (a user's own S3 code) are bundled as usual.
 */
const SEPARATELY_BUILT = [
  ...['client-s3', 'client-sts', 'lib-storage'].map((name) => ({
    name,
    matches: (args) => args.kind === 'dynamic-import' && args.path === `@aws-sdk/${name}`,
    entry: `@aws-sdk/${name}`,
  })),
  ...[
    ['watchdog', 'index.ts'],
    ['watchdog-thread', 'thread.ts'],
  ].map(([name, file]) => {
    const source = join(ROOT, 'src', 'watchdog', file);
    return {
      name,
      matches: (args) =>
        args.kind === 'dynamic-import' &&
        resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts') === source,
      entry: source,
    };
  }),
  { name: 'yauzl', matches: (args) => args.path === 'yauzl', entry: 'yauzl' },
];
/** Folder (inside a handler's output) of the second build. */
const LAZY_DIR = 'lazy';

/** Sends an import of a SEPARATELY_BUILT module to its file in the second build. */
function separatelyBuilt() {
  return {
    name: 'separately-built',
    setup(build) {
      build.onResolve({ filter: /^(@aws-sdk\/|\.\/|yauzl$)/ }, (args) => {
        const lazy = SEPARATELY_BUILT.find((module) => module.matches(args));
        return lazy ? { path: `./${LAZY_DIR}/${lazy.name}.mjs`, external: true } : undefined;
      });
    },
  };
}

/**
 * Bundles one handler entry into `outdir`: the handler build, then (when it imports
 * any of SEPARATELY_BUILT) their own build in `outdir/lazy/`. Returns the entry file
 * and both builds' metafiles merged.
 */
export async function bundleHandler(entry, outdir, overrides = {}) {
  const options = { ...handlerBuildOptions(entry, outdir), ...overrides };
  const result = await esbuild.build(options);
  const lazyNames = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imported of output.imports) {
      const match = /^\.\/lazy\/([a-z0-9-]+)\.mjs$/.exec(imported.path);
      if (imported.external && match) lazyNames.add(match[1]);
    }
  }
  let metafile = result.metafile;
  if (lazyNames.size > 0) {
    const lazy = await esbuild.build({
      ...options,
      entryPoints: Object.fromEntries(
        SEPARATELY_BUILT.filter(({ name }) => lazyNames.has(name)).map(({ name, entry }) => [
          name,
          entry,
        ]),
      ),
      outdir: join(outdir, LAZY_DIR),
      plugins: [],
    });
    metafile = {
      inputs: { ...result.metafile.inputs, ...lazy.metafile.inputs },
      outputs: { ...result.metafile.outputs, ...lazy.metafile.outputs },
    };
  }
  return { file: join(outdir, `${basename(entry).replace(/\.[cm]?[jt]s$/, '')}.mjs`), metafile };
}

/** Names of the deployable handlers: handlers/<name>.ts. */
export async function listHandlers(root = ROOT) {
  const files = await readdir(join(root, 'handlers'));
  return files
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => basename(file, '.ts'))
    .sort();
}

/**
 * Bundles each handler into `<outdir>/<name>/`. Returns, per handler, the entry file
 * and the size of everything loaded at cold start versus lazily.
 */
export async function buildHandlers({ root = ROOT, outdir = join(ROOT, 'dist'), names } = {}) {
  const built = [];
  for (const name of names ?? (await listHandlers(root))) {
    const dir = join(outdir, name);
    await rm(dir, { recursive: true, force: true });
    const { file, metafile } = await bundleHandler(join(root, 'handlers', `${name}.ts`), dir);
    const { cold, lazy } = splitByLoading(metafile, file);
    built.push({ name, file, coldStartBytes: cold, lazyBytes: lazy });
  }
  return built;
}

/** Bytes loaded at cold start (the entry and its static imports) and bytes loaded only on demand. */
function splitByLoading(metafile, entryFile) {
  const cold = initOutputs(metafile, entryFile);
  let coldBytes = 0;
  let lazyBytes = 0;
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.mjs')) continue;
    if (cold.has(resolve(file))) coldBytes += output.bytes;
    else lazyBytes += output.bytes;
  }
  return { cold: coldBytes, lazy: lazyBytes };
}

/**
 * The output files (absolute paths) a cold start loads: the entry and everything it
 * reaches through static imports, per the metafile. Dynamic imports stop the walk.
 */
export function initOutputs(metafile, entryFile) {
  const outputs = new Map(
    Object.entries(metafile.outputs)
      .filter(([file]) => file.endsWith('.mjs'))
      .map(([file, output]) => [resolve(file), output]),
  );
  const seen = new Set();
  const visit = (file) => {
    const output = outputs.get(file);
    if (seen.has(file) || !output) return;
    seen.add(file);
    for (const imported of output.imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(resolve(imported.path));
    }
  };
  visit(resolve(entryFile));
  return seen;
}

/**
 * What `sam build` does for a function with `Metadata: BuildMethod: makefile`, as
 * aws-lambda-builders' CustomMakeBuilder runs it: `make --makefile <CodeUri>/Makefile
 * build-<LogicalId>`, with ARTIFACTS_DIR set to the folder that becomes the function's
 * code, in a scratch folder (SAM's copy of CodeUri; here an empty one, which also shows
 * that the targets do not depend on it). For tests and benchmarks: SAM CLI itself is not
 * needed. Resolves with make's output; rejects with its stderr.
 */
export async function samMakefileBuild(logicalId, artifactsDir, { codeUri = ROOT } = {}) {
  const scratch = await mkdtemp(join(tmpdir(), 'sam-scratch-'));
  try {
    await mkdir(artifactsDir, { recursive: true });
    const { stdout } = await run(
      'make',
      ['--makefile', join(codeUri, 'Makefile'), `build-${logicalId}`],
      {
        cwd: scratch,
        env: { ...process.env, ARTIFACTS_DIR: resolve(artifactsDir) },
      },
    );
    return stdout;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * `node scripts/build.mjs`: every handler into dist/<name>/, with a size report.
 * `node scripts/build.mjs --entry handlers/<name>.ts --outdir <dir>`: one handler into
 * <dir> (what the Makefile's per-function targets run for `sam build`).
 */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { entry: { type: 'string' }, outdir: { type: 'string' } },
  });
  if ((values.entry === undefined) !== (values.outdir === undefined)) {
    throw new Error('scripts/build.mjs: --entry and --outdir go together');
  }
  const kib = (bytes) => `${Math.round(bytes / 1024)} KiB`;
  if (values.entry !== undefined && values.outdir !== undefined) {
    const outdir = resolve(values.outdir);
    const { file, metafile } = await bundleHandler(resolve(ROOT, values.entry), outdir);
    const { cold, lazy } = splitByLoading(metafile, file);
    console.log(`${file} (${kib(cold)} at cold start, ${kib(lazy)} loaded on demand)`);
  } else {
    for (const handler of await buildHandlers()) {
      console.log(
        `${handler.name}: ${handler.file} (${kib(handler.coldStartBytes)} at cold start, ${kib(handler.lazyBytes)} loaded on demand)`,
      );
    }
  }
}
