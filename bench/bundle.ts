/**
 * Bundles a benchmark entry with exactly the esbuild options the product's handlers
 * are built with (scripts/build.mjs), so "ours" and the baselines differ only in
 * their code, never in how they were bundled.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as esbuild from 'esbuild';
import { bundleHandler } from '../scripts/build.mjs';

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
  const { file, metafile } = await bundleHandler(entry, outdir, overrides);
  return { file, outdir, metafile };
}

/**
 * A figure's two children, `bench/children/<stem>-ours.ts` and `<stem>-baseline.ts`,
 * bundled side by side into `dir/ours` and `dir/baseline`.
 */
export async function bundleSides(
  dir: string,
  stem: string,
): Promise<{ ours: Bundle; baseline: Bundle }> {
  const [ours, baseline] = await Promise.all([
    bundleEntry(join(ROOT, `bench/children/${stem}-ours.ts`), join(dir, 'ours')),
    bundleEntry(join(ROOT, `bench/children/${stem}-baseline.ts`), join(dir, 'baseline')),
  ]);
  return { ours, baseline };
}

/** A fresh temporary directory for one benchmark's bundles and data. */
export function benchTempDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `codepipeline-handler-bench-${name}-`));
}

/** The repository root (bench/..). */
export const ROOT = resolve(import.meta.dirname, '..');
