/**
 * The Lambda functions of a template and the source file that implements each: for
 * esbuild-built functions, the entry point in `Metadata.BuildProperties.EntryPoints`;
 * otherwise `CodeUri` + the file part of `Handler`, tried with the usual extensions.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { type ResolveContext, resolveString, resolveValue } from './intrinsics.js';
import type { TemplateResource } from './parse-template.js';

export interface TemplateFunction {
  readonly logicalId: string;
  /** FunctionName property, else the logical id (a deployed name is not known locally). */
  readonly functionName: string;
  /** The source file to run, or why none was found. */
  readonly file: string | undefined;
  readonly problem?: string;
  readonly exportName: string;
  /** SAM's default is 3 seconds. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly variables: Readonly<Record<string, string>>;
}

const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);
const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function withExtension(stem: string): string | undefined {
  if (isFile(stem) && EXTENSIONS.includes(extname(stem))) return stem;
  return EXTENSIONS.map((extension) => `${stem}${extension}`).find(isFile);
}

/** `dir/app.handler` -> file stem `dir/app`, export `handler`. */
function splitHandler(handler: string): { stem: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  return dot < 0
    ? { stem: handler, exportName: 'handler' }
    : { stem: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

function entryPoints(resource: TemplateResource): string[] {
  const metadata = resource.Metadata ?? {};
  if (metadata.BuildMethod !== 'esbuild') return [];
  const entries = (metadata.BuildProperties as { EntryPoints?: unknown } | undefined)?.EntryPoints;
  return Array.isArray(entries) ? entries.map(String) : [];
}

function sourceFile(codeDir: string, stem: string, entries: readonly string[]) {
  // SAM's esbuild entry points are relative to CodeUri; with several, the one whose
  // file name matches the handler's file part is the function's.
  const named = entries.find((entry) => basename(entry, extname(entry)) === basename(stem));
  const entry = named ?? (entries.length === 1 ? entries[0] : undefined);
  if (entry !== undefined) return withExtension(resolve(codeDir, entry));
  return withExtension(resolve(codeDir, stem));
}

export function templateFunctions(
  context: ResolveContext,
  templateDir: string,
): Map<string, TemplateFunction> {
  const globals = context.template.Globals?.Function ?? {};
  const functions = new Map<string, TemplateFunction>();
  for (const [logicalId, resource] of Object.entries(context.template.Resources)) {
    if (!FUNCTION_TYPES.has(resource.Type)) continue;
    const properties = { ...globals, ...(resource.Properties ?? {}) };
    const codeUri = resolveString(properties.CodeUri, context) ?? '.';
    const handler = resolveString(properties.Handler, context) ?? 'index.handler';
    const { stem, exportName } = splitHandler(handler);
    const codeDir = resolve(templateDir, codeUri);
    const file = isFile(codeDir) ? undefined : sourceFile(codeDir, stem, entryPoints(resource));
    const variables: Record<string, string> = {};
    const declared = resolveValue(
      (properties.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      context,
    );
    for (const [name, value] of Object.entries(declared as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number') variables[name] = String(value);
    }
    functions.set(logicalId, {
      logicalId,
      functionName: resolveString(properties.FunctionName, context) ?? logicalId,
      file,
      ...(file === undefined
        ? {
            problem: `no source file for Handler ${handler} in ${join(codeUri, dirname(stem))} (looked for ${EXTENSIONS.join(', ')}${entryPoints(resource).length > 0 ? ` and the esbuild EntryPoints ${entryPoints(resource).join(', ')}` : ''})`,
          }
        : {}),
      exportName,
      timeoutSeconds: Number(resolveValue(properties.Timeout, context) ?? 3) || 3,
      memoryMb: Number(resolveValue(properties.MemorySize, context) ?? 128) || 128,
      variables,
    });
  }
  return functions;
}

/**
 * The function an Invoke action's `FunctionName` points to: `!Ref Fn`, `!GetAtt Fn.Arn`,
 * or a name equal to a function's FunctionName (or logical id).
 */
export function functionForAction(
  raw: unknown,
  functions: ReadonlyMap<string, TemplateFunction>,
  context: ResolveContext,
): TemplateFunction | undefined {
  if (typeof raw === 'object' && raw !== null) {
    const target =
      (raw as { Ref?: unknown }).Ref ?? (raw as { 'Fn::GetAtt'?: unknown[] })['Fn::GetAtt']?.[0];
    if (typeof target === 'string' && functions.has(target)) return functions.get(target);
  }
  const name = resolveString(raw, context);
  if (name === undefined) return undefined;
  const last = name.split(':').at(-1) ?? name;
  return [...functions.values()].find(
    (fn) => fn.functionName === name || fn.functionName === last || fn.logicalId === name,
  );
}
