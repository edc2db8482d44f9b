// Bundles every handlers/*.ts the way `sam build` does with the esbuild settings in
// template.yaml (ESM, minified, source maps, .mjs), into one folder per handler:
// dist/<name>/<name>.mjs, so the template's `Handler: <name>.handler` is valid for it too.
//
// Differences from SAM, on purpose: nothing is external (the AWS SDK is bundled, so
// its version is the one we tested with), and `splitting` keeps the lazily imported
// S3/STS clients in chunks of their own that load only when an artifact is touched.
import { readdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

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
    chunkNames: 'chunks/[name]-[hash]',
    // Prefer packages' ESM builds; an ESM bundle cannot use CommonJS-only `require`...
    mainFields: ['module', 'main'],
    // ...except through this, for the CommonJS dependencies that call require() on Node built-ins.
    banner: {
      js: "import{createRequire as __cpRequire}from'node:module';const require=__cpRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  };
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
    const result = await esbuild.build(
      handlerBuildOptions(join(root, 'handlers', `${name}.ts`), dir),
    );
    const file = join(dir, `${name}.mjs`);
    const { cold, lazy } = splitByLoading(result.metafile, file);
    built.push({ name, file, coldStartBytes: cold, lazyBytes: lazy });
  }
  return built;
}

/** Bytes loaded at cold start (the entry and its static imports) and bytes loaded only on demand. */
function splitByLoading(metafile, entryFile) {
  const outputs = Object.fromEntries(
    Object.entries(metafile.outputs)
      .filter(([file]) => file.endsWith('.mjs'))
      .map(([file, output]) => [resolve(file), output]),
  );
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !outputs[file]) return;
    seen.add(file);
    for (const imported of outputs[file].imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(resolve(imported.path));
    }
  };
  visit(resolve(entryFile));
  let cold = 0;
  let lazy = 0;
  for (const [file, output] of Object.entries(outputs)) {
    if (seen.has(file)) cold += output.bytes;
    else lazy += output.bytes;
  }
  return { cold, lazy };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const built = await buildHandlers();
  for (const handler of built) {
    const kib = (bytes) => `${Math.round(bytes / 1024)} KiB`;
    console.log(
      `${handler.name}: ${handler.file} (${kib(handler.coldStartBytes)} at cold start, ${kib(handler.lazyBytes)} loaded on demand)`,
    );
  }
}
