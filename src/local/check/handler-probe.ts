/**
 * Asks a handler module what `check` needs to know, in a process of its own (as Lambda
 * gives each function one): whether it loads, whether it exports the handler, and what
 * its `params` schema says about each UserParameters text. Importing the module runs its
 * top-level code, as Lambda's init does; the handler itself is never called.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeArguments } from '../invoke/handler-process.js';

export interface ProbeRequest {
  readonly file: string;
  readonly exportName: string;
  /** UserParameters texts to validate; null for an action without UserParameters. */
  readonly parameters: readonly (string | null)[];
}

export type ParamsResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** The engine's own message (what the job would fail with). */
      readonly message: string;
      /** The schema's issues, when the message is about them. */
      readonly issues: readonly { readonly path: readonly string[]; readonly message: string }[];
    };

export type ProbeReply =
  | { readonly kind: 'load-error'; readonly message: string }
  | { readonly kind: 'no-export'; readonly exported: readonly string[] }
  | {
      readonly kind: 'loaded';
      /** `params`: validated; `no-params`: built without a schema; `none`: not built with this package. */
      readonly schema: 'params' | 'no-params' | 'none';
      /** Which export exposed the schema. */
      readonly source?: string;
      /** One per requested text, in order. */
      readonly results: readonly ParamsResult[];
    };

/** Loading a module (tsx compiling TypeScript, importing the SDK) gets this long. */
const LOAD_TIMEOUT_MS = 60_000;
const STDERR_LINES = 10;

function workerFile(): string {
  // Under tsx this module is a .ts file next to the worker; once built, .js next to .js.
  const self = fileURLToPath(import.meta.url);
  return self.replace(/handler-probe\.([cm]?[jt]s)$/, 'handler-probe-worker.$1');
}

/** Probes `request.file` in a new process with environment `env`; never rejects. */
export function probeHandler(
  request: ProbeRequest,
  env: Readonly<Record<string, string>>,
  timeoutMs = LOAD_TIMEOUT_MS,
): Promise<ProbeReply> {
  const worker = workerFile();
  const child = spawn(process.execPath, nodeArguments(request.file, worker), {
    env: { ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8192);
  });
  const stderrTail = () => {
    const lines = stderr.trimEnd().split('\n').filter(Boolean).slice(-STDERR_LINES);
    return lines.length > 0 ? `\n${lines.map((line) => `    | ${line}`).join('\n')}` : '';
  };
  return new Promise((resolve) => {
    let settled = false;
    const settle = (reply: ProbeReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve(reply);
    };
    const timer = setTimeout(
      () =>
        settle({
          kind: 'load-error',
          message: `its module did not finish loading in ${timeoutMs / 1000} s${stderrTail()}`,
        }),
      timeoutMs,
    );
    child.once('message', (reply: ProbeReply) => settle(reply));
    child.once('error', (error) => settle({ kind: 'load-error', message: error.message }));
    // 'close', not 'exit': it comes after the IPC channel has delivered its last message.
    child.once('close', (code, signal) =>
      settle({
        kind: 'load-error',
        message: `its module ended the process while loading (${signal ? `killed by ${signal}` : `exit code ${code}`})${stderrTail()}`,
      }),
    );
    child.send(request);
  });
}
