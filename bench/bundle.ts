/**
 * Bundles a benchmark entry with exactly the esbuild options the product's handlers
 * are built with (scripts/build.mjs), so "ours" and the baselines differ only in
 * their code, never in how they were bundled.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { handlerBuildOptions } from '../scripts/build.mjs';

export interface Bundle {
  /** The entry file (`<outdir>/<name>.mjs`). */
  readonly file: string;
  readonly outdir: string;
  readonly metafile: esbuild.Metafile;
}

export async function bundleEntry(
  entry: string,
  outdir: string,
  overrides: esbuild.BuildOptions = {},
): Promise<Bundle> {
  const result = await esbuild.build({ ...handlerBuildOptions(entry, outdir), ...overrides });
  if (!result.metafile) throw new Error(`esbuild gave no metafile for ${entry}`);
  return {
    file: join(outdir, `${basename(entry).replace(/\.ts$/, '')}.mjs`),
    outdir,
    metafile: result.metafile,
  };
}

/** A fresh temporary directory for one benchmark's bundles and data. */
export function benchTempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `codepipeline-handler-bench-${name}-`));
}

/** The repository root (bench/..). */
export const ROOT = resolve(import.meta.dirname, '..');
