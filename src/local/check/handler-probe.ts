/**
 * Asks handler modules what `check` needs to know, in a process apart from the CLI:
 * whether each loads, whether it exports its handler, and what its `params` schema says
 * about each UserParameters text. Importing a module runs its top-level code, with its
 * function's environment, as Lambda's init does; the handlers themselves are never called.
 * One process serves all the functions, so the modules they share load once.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeArguments } from '../invoke/handler-process.js';

export interface ProbeRequest {
  readonly file: string;
  readonly exportName: string;
  /** The function's whole environment while its module loads. */
  readonly env: Readonly<Record<string, string>>;
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

/** Probes the modules of `requests` in one new process, in order; one reply each; never rejects. */
export function probeHandlers(
  requests: readonly ProbeRequest[],
  timeoutMs = LOAD_TIMEOUT_MS,
): Promise<ProbeReply[]> {
  const [first] = requests;
  if (first === undefined) return Promise.resolve([]);
  const worker = workerFile();
  const typescript = requests.find((request) => /\.[cm]?tsx?$/.test(request.file));
  const child = spawn(process.execPath, nodeArguments((typescript ?? first).file, worker), {
    env: { ...first.env },
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
    const settle = (replies: ProbeReply[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve(replies);
    };
    const failAll = (message: string) =>
      settle(requests.map(() => ({ kind: 'load-error', message }) as const));
    const timer = setTimeout(
      () => failAll(`the modules did not finish loading in ${timeoutMs / 1000} s${stderrTail()}`),
      timeoutMs,
    );
    child.once('message', (replies: ProbeReply[]) => settle(replies));
    child.once('error', (error) => failAll(error.message));
    // 'close', not 'exit': it comes after the IPC channel has delivered its last message.
    child.once('close', (code, signal) =>
      failAll(
        `a module ended the process while loading (${signal ? `killed by ${signal}` : `exit code ${code}`})${stderrTail()}`,
      ),
    );
    child.send(requests);
  });
}
