/**
 * The entry point of a probe process: imports handler modules one after the other, each
 * with its function's environment (Lambda's init does the same), reports whether each
 * exports its handler and exposes a `params` schema, and validates UserParameters texts
 * with that schema, the way the engine would. It never calls a handler: no gate code
 * runs. It exits once it has answered.
 */

import { pathToFileURL } from 'node:url';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type ExposedParams, PARAMS_SCHEMA } from '../../middleware.js';
import { describeIssues, parseUserParameters } from '../../params.js';
import type { ParamsResult, ProbeReply, ProbeRequest } from './handler-probe.js';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function answer(replies: readonly ProbeReply[]): void {
  // Exit once sent: a module may hold the event loop open (timers, sockets).
  process.send?.(replies, () => process.exit(0));
}

/** The function's environment for its module's top-level code (shared modules load once). */
function useEnvironment(env: Readonly<Record<string, string>>): void {
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, env);
}

function exposedOf(value: unknown): ExposedParams | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
    return undefined;
  return (value as Record<symbol, ExposedParams | undefined>)[PARAMS_SCHEMA];
}

/** The handler's own schema, else the one of an exported `codePipelineJob` middleware. */
function findSchema(module: Record<string, unknown>, exportName: string) {
  const own = exposedOf(module[exportName]);
  if (own !== undefined) return { exposed: own, source: `export ${exportName}` };
  const others = Object.entries(module).flatMap(([name, value]) => {
    const exposed = exposedOf(value);
    return exposed === undefined ? [] : [{ exposed, source: `export ${name}` }];
  });
  return others.length === 1 ? others[0] : undefined;
}

/** A schema that remembers the issues of its last validation, so each can be placed. */
function recording(schema: StandardSchemaV1) {
  let issues: readonly StandardSchemaV1.Issue[] = [];
  const spy: StandardSchemaV1 = {
    '~standard': {
      version: 1,
      vendor: schema['~standard'].vendor,
      validate(value) {
        const record = (result: StandardSchemaV1.Result<unknown>) => {
          issues = result.issues ?? [];
          return result;
        };
        const result = schema['~standard'].validate(value);
        return result instanceof Promise ? result.then(record) : record(result);
      },
    },
  };
  return { spy, issues: () => issues };
}

async function validate(schema: StandardSchemaV1, text: string | undefined): Promise<ParamsResult> {
  const { spy, issues } = recording(schema);
  try {
    await parseUserParameters(spy, text);
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The engine's own message; its issues, placed, when that message is about them.
    const found = issues();
    const placed = found.length > 0 && message.includes(describeIssues(found));
    return {
      ok: false,
      message,
      issues: placed
        ? found.map((issue) => ({
            path: (issue.path ?? []).map((segment) =>
              typeof segment === 'object' ? String(segment.key) : String(segment),
            ),
            message: issue.message,
          }))
        : [],
    };
  }
}

async function probe(request: ProbeRequest): Promise<ProbeReply> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(request.file).href)) as Record<string, unknown>;
  } catch (error) {
    return { kind: 'load-error', message: describe(error) };
  }
  if (typeof module[request.exportName] !== 'function') {
    return {
      kind: 'no-export',
      exported: Object.keys(module).filter((key) => typeof module[key] === 'function'),
    };
  }
  const found = findSchema(module, request.exportName);
  if (found === undefined) return { kind: 'loaded', schema: 'none', results: [] };
  const schema = found.exposed.params;
  if (schema === undefined)
    return { kind: 'loaded', schema: 'no-params', source: found.source, results: [] };
  const results: ParamsResult[] = [];
  for (const text of request.parameters) results.push(await validate(schema, text ?? undefined));
  return { kind: 'loaded', schema: 'params', source: found.source, results };
}

const replies: ProbeReply[] = [];
let pending: readonly ProbeRequest[] = [];

/** A module's init failed after its import resolved (a rejected promise, a timer that threw). */
function failRest(error: unknown): void {
  const message = describe(error);
  answer([
    ...replies,
    ...pending.slice(replies.length).map(() => ({ kind: 'load-error', message }) as const),
  ]);
}

process.on('uncaughtException', failRest);
process.on('unhandledRejection', failRest);
process.once('message', async (requests: readonly ProbeRequest[]) => {
  pending = requests;
  for (const request of requests) {
    useEnvironment(request.env);
    replies.push(await probe(request));
  }
  answer(replies);
});
