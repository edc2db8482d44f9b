import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  bundleHandler,
  initOutputs,
  listHandlers,
  samMakefileBuild,
} from '../../../scripts/build.mjs';

const root = join(import.meta.dirname, '../../..');

function bundledFrom(metafile: Metafile, outputs: Iterable<string>, input: string): boolean {
  return [...outputs].some((file) =>
    Object.entries(metafile.outputs[file]?.inputs ?? {}).some(
      ([name, { bytesInOutput }]) => name.includes(input) && bytesInOutput > 0,
    ),
  );
}

describe('Script: scripts/build.mjs', () => {
  it('finds every handler file', async () => {
    // Act
    const names = await listHandlers(root);

    // Assess
    expect(names).toEqual(['feedback-gate', 'release-notes-check', 'smoke-test', 'wait-for-url']);
  });

  it('bundles the AWS SDK, keeping the S3 and STS clients, the watchdog and yauzl out of the cold start', async () => {
    // Prepare
    const outdir = join(root, 'dist-test-unwritten');

    // Act
    const { file, metafile } = await bundleHandler(
      join(root, 'handlers/feedback-gate.ts'),
      outdir,
      {
        write: false,
      },
    );

    // Assess
    const files = Object.keys(metafile.outputs);
    const entry = files.find((output) => resolve(root, output) === file);
    expect(entry).toBeDefined();
    const loadedAtInit = initOutputs(metafile, file);
    const cold = files.filter((output) => loadedAtInit.has(resolve(root, output)));
    const lazy = files.filter((output) => !loadedAtInit.has(resolve(root, output)));
    const externals = files.flatMap((output) =>
      (metafile.outputs[output]?.imports ?? []).filter((i) => i.external).map((i) => i.path),
    );
    // Only the second build is imported by path; nothing expects a package at run time.
    expect(externals.filter((path) => path.includes('@aws-sdk') || path === 'yauzl')).toEqual([]);
    expect(externals.filter((path) => path.startsWith('./lazy/')).sort()).toEqual(
      expect.arrayContaining([
        './lazy/client-s3.mjs',
        './lazy/client-sts.mjs',
        './lazy/watchdog.mjs',
        './lazy/watchdog-thread.mjs',
        './lazy/yauzl.mjs',
      ]),
    );
    expect(bundledFrom(metafile, cold, 'node_modules/@aws-sdk/client-codepipeline/')).toBe(true);
    expect(bundledFrom(metafile, cold, 'node_modules/@aws-sdk/client-s3/')).toBe(false);
    expect(bundledFrom(metafile, cold, 'node_modules/@aws-sdk/client-sts/')).toBe(false);
    expect(bundledFrom(metafile, lazy, 'node_modules/@aws-sdk/client-s3/')).toBe(true);
    expect(bundledFrom(metafile, lazy, 'node_modules/@aws-sdk/client-sts/')).toBe(true);
    // S3's XML protocol shares barrel files with the CodePipeline client's JSON one; in a
    // single build it would be loaded at init.
    expect(bundledFrom(metafile, cold, 'protocols/xml/XmlShapeSerializer')).toBe(false);
    expect(bundledFrom(metafile, lazy, 'protocols/xml/XmlShapeSerializer')).toBe(true);
    // Neither the watchdog nor what only it uses is loaded at init; yauzl neither, nor
    // esbuild's CommonJS helpers that it alone brings.
    for (const lazyOnly of [
      'src/watchdog/index.ts',
      'src/watchdog/thread.ts',
      'src/watchdog/report-blocked.ts',
      'node_modules/yauzl/',
    ]) {
      expect(bundledFrom(metafile, cold, lazyOnly), lazyOnly).toBe(false);
      expect(bundledFrom(metafile, lazy, lazyOnly), lazyOnly).toBe(true);
    }
    expect(
      cold.some((output) => Object.keys(metafile.outputs[output]?.inputs ?? {}).length === 0),
      'a chunk of esbuild runtime helpers only',
    ).toBe(false);
    // What the engine shares with them is not split out of the entry: the CodePipeline
    // client, the logger, the watchdog's protocol.
    const entryInputs = Object.keys(metafile.outputs[entry as string]?.inputs ?? {});
    for (const engine of ['src/logger.ts', 'src/watchdog/protocol.ts', 'client-codepipeline/']) {
      expect(
        entryInputs.some((input) => input.includes(engine)),
        engine,
      ).toBe(true);
    }
  });

  it('a built handler loads its separately built modules from its own folder', async () => {
    // Prepare
    const outdir = await mkdtemp(join(tmpdir(), 'build-lazy-'));
    try {
      const { metafile } = await bundleHandler(
        join(root, 'handlers/release-notes-check.ts'),
        outdir,
      );
      const importer = Object.entries(metafile.outputs).find(([, output]) =>
        output.imports.some((i) => i.path === './lazy/client-s3.mjs'),
      );
      expect(importer).toBeDefined();

      // Act: resolve the import the way the bundle does, relative to the importing file.
      const s3 = await import(
        pathToFileURL(join(dirname(resolve(importer?.[0] as string)), 'lazy/client-s3.mjs')).href
      );
      const yauzl = await import(
        pathToFileURL(join(dirname(resolve(importer?.[0] as string)), 'lazy/yauzl.mjs')).href
      );

      // Assess
      expect(typeof s3.S3Client).toBe('function');
      expect(typeof s3.GetObjectCommand).toBe('function');
      // CommonJS, as the zip reader imports it: its default export.
      expect(typeof yauzl.default.fromRandomAccessReader).toBe('function');
      expect(typeof yauzl.default.RandomAccessReader).toBe('function');
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  });

  it('is what `sam build` deploys: the Makefile target writes the same split bundle', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'build-sam-'));
    try {
      // At the same depth as SAM's: chunk names hash the source maps' relative paths.
      const reference = join(dir, 'reference', 'handlers');
      const { metafile, file } = await bundleHandler(
        join(root, 'handlers/feedback-gate.ts'),
        reference,
      );

      // Act: what sam build runs for FeedbackGateFunction (Handler handlers/feedback-gate.handler).
      const artifacts = join(dir, 'artifacts');
      await samMakefileBuild('FeedbackGateFunction', artifacts, { codeUri: root });

      // Assess: the same code files, byte for byte, under handlers/.
      const deployed = await codeFiles(join(artifacts, 'handlers'));
      expect([...deployed.keys()].sort()).toEqual([...(await codeFiles(reference)).keys()].sort());
      for (const [name, content] of await codeFiles(reference)) {
        expect(deployed.get(name)?.equals(content), name).toBe(true);
      }
      // ...which is the split build: the S3 and STS clients are not loaded at init.
      const loadedAtInit = [...initOutputs(metafile, file)].map((output) =>
        relative(reference, output),
      );
      expect(deployed.has('feedback-gate.mjs')).toBe(true);
      expect(deployed.has('lazy/client-s3.mjs')).toBe(true);
      expect(deployed.has('lazy/client-sts.mjs')).toBe(true);
      expect(deployed.has('lazy/watchdog.mjs')).toBe(true);
      expect(loadedAtInit.filter((name) => name.startsWith('lazy/'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The .mjs files under `dir`, by path relative to it. */
async function codeFiles(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.mjs'));
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, await readFile(join(dir, name))] as [string, Buffer]),
    ),
  );
}
