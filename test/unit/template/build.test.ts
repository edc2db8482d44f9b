import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { handlerBuildOptions, listHandlers } from '../../../scripts/build.mjs';

const root = join(import.meta.dirname, '../../..');

/** The outputs loaded at cold start: the entry and everything it imports statically. */
function coldStart(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !metafile.outputs[file]) return;
    seen.add(file);
    for (const imported of metafile.outputs[file].imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return seen;
}

function bundledFrom(metafile: Metafile, outputs: Iterable<string>, pkg: string): boolean {
  return [...outputs].some((file) =>
    Object.keys(metafile.outputs[file]?.inputs ?? {}).some((input) =>
      input.includes(`node_modules/${pkg}/`),
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

  it('bundles the AWS SDK, keeping the S3 and STS clients out of the cold start', async () => {
    // Prepare
    const outdir = join(root, 'dist-test-unwritten');
    const options = {
      ...handlerBuildOptions(join(root, 'handlers/feedback-gate.ts'), outdir),
      write: false,
    };

    // Act
    const result = await build(options);

    // Assess
    const metafile = result.metafile as Metafile;

    const files = Object.keys(metafile.outputs);
    const entry = files.find((file) => resolve(root, file) === join(outdir, 'feedback-gate.mjs'));
    expect(entry).toBeDefined();
    const cold = coldStart(metafile, entry as string);
    const lazy = files.filter((file) => !cold.has(file));
    expect(
      files.every(
        (file) =>
          !metafile.outputs[file]?.imports.some((i) => i.external && i.path.startsWith('@aws-sdk')),
      ),
    ).toBe(true);
    expect(bundledFrom(metafile, cold, '@aws-sdk/client-codepipeline')).toBe(true);
    expect(bundledFrom(metafile, cold, '@aws-sdk/client-s3')).toBe(false);
    expect(bundledFrom(metafile, cold, '@aws-sdk/client-sts')).toBe(false);
    expect(bundledFrom(metafile, lazy, '@aws-sdk/client-s3')).toBe(true);
    expect(bundledFrom(metafile, lazy, '@aws-sdk/client-sts')).toBe(true);
  });
});
