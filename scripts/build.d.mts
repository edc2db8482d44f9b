import type { BuildOptions, Metafile } from 'esbuild';

export interface BuiltHandler {
  name: string;
  /** `<outdir>/<name>/<name>.mjs` */
  file: string;
  /** Bytes of the entry file and the chunks it imports statically. */
  coldStartBytes: number;
  /** Bytes of the chunks loaded by dynamic import() only (artifact code, the S3 and STS clients, the watchdog). */
  lazyBytes: number;
}

export function handlerBuildOptions(entry: string, outdir: string): BuildOptions;
/** One handler bundled into `outdir` (the handler build plus the second build in `outdir/lazy/`). */
export function bundleHandler(
  entry: string,
  outdir: string,
  overrides?: BuildOptions,
): Promise<{ file: string; metafile: Metafile }>;
/** Output files (absolute paths) a cold start loads: the entry and its static imports. */
export function initOutputs(metafile: Metafile, entryFile: string): Set<string>;
export function listHandlers(root?: string): Promise<string[]>;
export function buildHandlers(options?: {
  root?: string;
  outdir?: string;
  names?: string[];
}): Promise<BuiltHandler[]>;
/**
 * Runs the Makefile's `build-<logicalId>` target as `sam build` does for
 * `BuildMethod: makefile` (ARTIFACTS_DIR set, a scratch working folder).
 */
export function samMakefileBuild(
  logicalId: string,
  artifactsDir: string,
  options?: { codeUri?: string },
): Promise<string>;
