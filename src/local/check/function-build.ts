/**
 * How `sam build` builds each AWS::Serverless::Function, checked before it runs: a
 * Handler of the form `<file>.<export>`, a `makefile` build with its `build-<LogicalId>`
 * target, an `esbuild` build whose BuildProperties SAM passes on and whose output is the
 * file the Handler names, and no build method that would deploy TypeScript unbuilt.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { TemplateFunction } from '../template/functions.js';
import type { Template } from '../template/parse-template.js';
import type { Findings } from './findings.js';
import { closest, isPlainObject } from './resource-spec.js';

// What SAM passes on to esbuild, and which of those are lists
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-build-typescript.html).
const ESBUILD_PROPERTIES = [
  'EntryPoints',
  'External',
  'Format',
  'Loader',
  'MainFields',
  'Minify',
  'OutExtension',
  'Sourcemap',
  'SourcesContent',
  'Target',
  'Banner',
];
const ESBUILD_LISTS = ['EntryPoints', 'External', 'Loader', 'OutExtension', 'Banner'];
// `<file>.<export>`, the file relative to CodeUri, without its extension
// (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html).
const HANDLER = /^[\w./-]+\.[\w$]+$/;
const TYPESCRIPT = /\.[cm]?ts$/;

/**
 * Checks the build of every SAM function of `template`, found in `templateDir`;
 * `functions` are the template's functions with their source files.
 */
export function checkFunctionBuilds(
  template: Template,
  templateDir: string,
  functions: ReadonlyMap<string, TemplateFunction>,
  findings: Findings,
): void {
  const globals = template.Globals?.Function ?? {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::Function') continue;
    const properties = { ...globals, ...(resource.Properties ?? {}) };
    if (properties.PackageType === 'Image') continue;
    const handler = properties.Handler;
    if (typeof handler !== 'string' || !HANDLER.test(handler)) {
      findings.problem(
        `${id}.Handler`,
        `expected "<file>.<export>", got ${JSON.stringify(handler)}`,
      );
      continue;
    }
    const codeUri = typeof properties.CodeUri === 'string' ? properties.CodeUri : '.';
    const module = handler.slice(0, handler.lastIndexOf('.'));
    const metadata = resource.Metadata ?? {};
    const method = metadata.BuildMethod;
    if (method === 'makefile') {
      checkMakefileBuild(id, join(templateDir, codeUri), codeUri, findings);
    } else if (method === 'esbuild') {
      checkEsbuildBuild(id, join(templateDir, codeUri), handler, module, metadata, findings);
    } else if (method !== undefined && TYPESCRIPT.test(functions.get(id)?.file ?? '')) {
      // Another builder copies the TypeScript file as it is, and Lambda loads only .js/.mjs/.cjs.
      findings.problem(
        `${id}.Metadata.BuildMethod`,
        `expected makefile or esbuild: ${String(method)} deploys the handler's TypeScript source unbuilt, which Lambda cannot load`,
      );
    }
  }
}

/**
 * `BuildMethod: makefile`: SAM runs the `build-<LogicalId>` target of `<CodeUri>/Makefile`
 * (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/building-custom-runtimes.html).
 */
function checkMakefileBuild(id: string, codeDir: string, codeUri: string, findings: Findings) {
  const path = `${id}.Metadata.BuildMethod`;
  const makefile = join(codeDir, 'Makefile');
  if (!existsSync(makefile)) {
    findings.problem(path, `makefile, but there is no ${join(codeUri, 'Makefile')}`);
    return;
  }
  const targets = [...readFileSync(makefile, 'utf8').matchAll(/^([\w-]+):/gm)].map((m) => m[1]);
  if (!targets.includes(`build-${id}`)) {
    findings.problem(path, `makefile, but the Makefile has no build-${id} target`);
  }
}

function checkEsbuildBuild(
  id: string,
  codeDir: string,
  handler: string,
  module: string,
  metadata: Readonly<Record<string, unknown>>,
  findings: Findings,
) {
  const path = `${id}.Metadata.BuildProperties`;
  const build = isPlainObject(metadata.BuildProperties) ? metadata.BuildProperties : {};
  for (const key of Object.keys(build)) {
    if (!ESBUILD_PROPERTIES.includes(key)) {
      const hint = closest(key, ESBUILD_PROPERTIES);
      findings.problem(
        `${path}.${key}`,
        `not passed to esbuild by SAM${hint ? ` (did you mean ${hint}?)` : ''}`,
      );
    }
  }
  for (const key of ESBUILD_LISTS) {
    if (key in build && !Array.isArray(build[key])) {
      findings.problem(`${path}.${key}`, 'SAM requires a list');
    }
  }
  const entry = (Array.isArray(build.EntryPoints) ? build.EntryPoints : [])[0];
  if (typeof entry !== 'string') {
    findings.problem(`${path}.EntryPoints`, "needs the handler's source file");
    return;
  }
  if (!existsSync(join(codeDir, entry))) {
    findings.problem(`${path}.EntryPoints`, `${entry} does not exist`);
  }
  // esbuild names the output after the entry file, in the out extension SAM was given.
  const outExtension = (Array.isArray(build.OutExtension) ? build.OutExtension : [])
    .map(String)
    .find((mapping) => mapping.startsWith('.js='))
    ?.slice('.js='.length);
  const extension = outExtension ?? '.js';
  const outputFile = `${basename(entry, extname(entry))}${extension}`;
  if (`${module}${extension}` !== outputFile) {
    findings.problem(
      `${id}.Handler`,
      `${handler} names ${module}${extension}, but esbuild writes ${outputFile} for ${entry}`,
    );
  }
  if (build.Format === 'esm' && outExtension !== '.mjs') {
    findings.problem(
      `${path}.OutExtension`,
      'an ESM bundle needs .js=.mjs (no package.json says "type": "module" in the build folder)',
    );
  }
}
