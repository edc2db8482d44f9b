import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkContext } from '../../../../src/local/check/check-template.js';
import { Findings } from '../../../../src/local/check/findings.js';
import { checkFunctionBuilds } from '../../../../src/local/check/function-build.js';
import { templateFunctions } from '../../../../src/local/template/functions.js';
import { parseTemplate } from '../../../../src/local/template/parse-template.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'function-build-'));
  await writeFile(join(dir, 'gate.ts'), 'export const handler = async () => {};\n');
  await writeFile(join(dir, 'plain.js'), 'export const handler = async () => {};\n');
  await writeFile(join(dir, 'Makefile'), 'build-Made:\n\tcp gate.mjs $(ARTIFACTS_DIR)\n');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

/** Each finding of checkFunctionBuilds on the functions in `resources` (YAML), built in `dir`. */
function check(resources: string): string[] {
  const template = parseTemplate(`Resources:\n${resources}`);
  const findings = new Findings();
  const functions = templateFunctions(checkContext(template, new Map()), dir);
  checkFunctionBuilds(template, dir, functions, findings);
  return findings.all.map((finding) => `${finding.severity}: ${finding.path}: ${finding.message}`);
}

function fn(id: string, handler: string, metadata = ''): string {
  return `  ${id}:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: ${handler}, Runtime: nodejs24.x }\n${metadata ? `    Metadata: ${metadata}\n` : ''}`;
}

describe('Function: checkFunctionBuilds', () => {
  it('passes a makefile build with its target, a sound esbuild build, and plain JavaScript', () => {
    // Act
    const found = check(
      fn('Made', 'gate.handler', '{ BuildMethod: makefile }') +
        fn(
          'Bundled',
          'gate.handler',
          "{ BuildMethod: esbuild, BuildProperties: { Format: esm, OutExtension: ['.js=.mjs'], EntryPoints: [gate.ts] } }",
        ) +
        fn('Plain', 'plain.handler'),
    );

    // Assess
    expect(found).toEqual([]);
  });

  it('refuses a Handler not of the form file.export, and a makefile build without its target', () => {
    // Act
    const found = check(
      fn('NoDot', 'handler') + fn('Other', 'gate.handler', '{ BuildMethod: makefile }'),
    );

    // Assess
    expect(found).toEqual([
      'problem: NoDot.Handler: expected "<file>.<export>", got "handler"',
      'problem: Other.Metadata.BuildMethod: makefile, but the Makefile has no build-Other target',
    ]);
  });

  it('refuses a builder that would deploy TypeScript unbuilt, but not one that builds JavaScript', () => {
    // Act
    const found = check(
      fn('Ts', 'gate.handler', '{ BuildMethod: nodejs24.x }') +
        fn('Js', 'plain.handler', '{ BuildMethod: nodejs24.x }'),
    );

    // Assess
    expect(found).toEqual([
      "problem: Ts.Metadata.BuildMethod: expected makefile or esbuild: nodejs24.x deploys the handler's TypeScript source unbuilt, which Lambda cannot load",
    ]);
  });

  it('refuses esbuild properties SAM does not pass on or needs as lists, a missing entry point, an output the Handler does not name, and ESM without .mjs', () => {
    // Act
    const found = check(
      fn(
        'Bundled',
        'app.handler',
        '{ BuildMethod: esbuild, BuildProperties: { Minfy: true, External: x, Format: esm, EntryPoints: [gate.ts, nope.ts] } }',
      ) +
        fn(
          'Missing',
          'nope.handler',
          '{ BuildMethod: esbuild, BuildProperties: { EntryPoints: [nope.ts] } }',
        ),
    );

    // Assess
    expect(found).toEqual([
      'problem: Bundled.Metadata.BuildProperties.Minfy: not passed to esbuild by SAM (did you mean Minify?)',
      'problem: Bundled.Metadata.BuildProperties.External: SAM requires a list',
      'problem: Bundled.Handler: app.handler names app.js, but esbuild writes gate.js for gate.ts',
      'problem: Bundled.Metadata.BuildProperties.OutExtension: an ESM bundle needs .js=.mjs (no package.json says "type": "module" in the build folder)',
      'problem: Missing.Metadata.BuildProperties.EntryPoints: nope.ts does not exist',
    ]);
  });
});
