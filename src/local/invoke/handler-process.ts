/**
 * A handler running in its own Node process, like a Lambda execution environment: its
 * environment variables, globals and stdout are its own, the module loads once and is
 * reused by later invocations (warm starts), and an invocation that outlives the Lambda
 * timeout is ended by killing the process, as Lambda ends a timed-out sandbox. The next
 * invocation then gets a fresh process (a cold start).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { InvokeMessage, WorkerMessage } from './worker-protocol.js';

export interface HandlerSpec {
  /** Absolute path of the handler module (.ts, .mts, .js, .mjs, .cjs). */
  readonly file: string;
  /** @default 'handler' */
  readonly exportName: string;
  /** Shown as the context's function name. */
  readonly functionName: string;
  /** @default 128 */
  readonly memoryMb?: number;
  /** The whole environment of the process (the CLI builds it; nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
}

/** How one invocation ended, seen from outside (the job's answer is read elsewhere). */
export type InvocationEnd =
  | { readonly kind: 'returned'; readonly durationMs: number }
  | { readonly kind: 'threw'; readonly message: string; readonly durationMs: number }
  | { readonly kind: 'timed-out'; readonly durationMs: number }
  | { readonly kind: 'crashed'; readonly message: string; readonly durationMs: number }
  | { readonly kind: 'load-error'; readonly message: string; readonly durationMs: number };

export type LogListener = (line: string, stream: 'stdout' | 'stderr') => void;

/** Loading a module (tsx compiling TypeScript, importing the SDK) gets this long. */
const INIT_TIMEOUT_MS = 60_000;
const TYPESCRIPT = /\.[cm]?tsx?$/;

function workerFile(): string {
  // Under tsx this module is a .ts file next to worker.ts; once built, .js next to .js.
  const self = fileURLToPath(import.meta.url);
  return self.replace(/handler-process\.([cm]?[jt]s)$/, 'worker.$1');
}

/** Node's arguments to run `worker` for a handler module: through tsx when either is TypeScript. */
export function nodeArguments(handlerFile: string, worker: string): string[] {
  // tsx is resolved from this package, so it works wherever the user's project lives.
  const needsTsx = TYPESCRIPT.test(handlerFile) || TYPESCRIPT.test(worker);
  return needsTsx ? ['--import', import.meta.resolve('tsx'), worker] : [worker];
}

/** Splits a stream into lines and hands each complete line to `emit`. */
function lineSplitter(emit: (line: string) => void) {
  let pending = '';
  return {
    push(chunk: Buffer) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line.replace(/\r$/, ''));
    },
    flush() {
      if (pending !== '') emit(pending);
      pending = '';
    },
  };
}

export class HandlerProcess {
  readonly spec: HandlerSpec;
  readonly #child: ChildProcess;
  #listener: LogListener | undefined;
  #alive = true;
  #busy = false;
  #exitMessage = '';
  readonly #exited: Promise<void>;

  constructor(spec: HandlerSpec) {
    this.spec = spec;
    const worker = workerFile();
    this.#child = spawn(process.execPath, nodeArguments(spec.file, worker), {
      env: { ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = lineSplitter((line) => this.#listener?.(line, stream));
      this.#child[stream]?.on('data', (chunk: Buffer) => splitter.push(chunk));
      this.#child[stream]?.on('end', () => splitter.flush());
    }
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#alive = false;
        this.#exitMessage = signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      this.#child.once('error', (error) => {
        this.#alive = false;
        this.#exitMessage = error.message;
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Alive and not running an invocation: can take the next one (a warm start). */
  get idle(): boolean {
    return this.#alive && !this.#busy;
  }

  /**
   * Invokes the handler with `event`; resolves when it returns or throws, when the
   * process dies, or at the Lambda timeout (then the process is killed). Never rejects.
   */
  invoke(event: unknown, timeoutMs: number, onLog?: LogListener): Promise<InvocationEnd> {
    if (!this.idle) throw new Error('HandlerProcess.invoke: the process is busy or gone');
    this.#busy = true;
    this.#listener = onLog;
    const requestId = randomUUID();
    const message: InvokeMessage = {
      type: 'invoke',
      file: this.spec.file,
      exportName: this.spec.exportName,
      event,
      timeoutMs,
      functionName: this.spec.functionName,
      memoryMb: this.spec.memoryMb ?? 128,
      requestId,
    };
    return new Promise<InvocationEnd>((resolve) => {
      let startedAt = Date.now();
      let timer = setTimeout(
        () => finish({ kind: 'load-error', message: 'init timed out' }),
        INIT_TIMEOUT_MS,
      );
      const finish = (end: DistributiveOmit<InvocationEnd, 'durationMs'>) => {
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        this.#busy = false;
        resolve({ ...end, durationMs: Date.now() - startedAt } as InvocationEnd);
      };
      const onMessage = (received: WorkerMessage) => {
        if (received.requestId !== requestId) return;
        if (received.type === 'started') {
          clearTimeout(timer);
          startedAt = Date.now();
          timer = setTimeout(() => {
            this.kill();
            finish({ kind: 'timed-out' });
          }, timeoutMs);
          return;
        }
        if (received.kind === 'returned') finish({ kind: 'returned' });
        else finish({ kind: received.kind, message: received.message ?? 'unknown error' });
      };
      this.#child.on('message', onMessage);
      void this.#exited.then(() => {
        if (this.#busy)
          finish({ kind: 'crashed', message: `the handler process ${this.#exitMessage}` });
      });
      this.#child.send(message);
    });
  }

  kill(): void {
    if (this.#alive) this.#child.kill('SIGKILL');
  }

  /** Ends the process (the IPC channel closing makes the worker exit on its own). */
  async close(): Promise<void> {
    if (this.#alive) {
      this.#child.disconnect();
      const forced = setTimeout(() => this.kill(), 2000);
      await this.#exited;
      clearTimeout(forced);
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Handler processes by function: an idle process is reused (a warm container), a busy
 * one is not shared (Lambda runs concurrent invocations in separate environments).
 */
export class HandlerPool {
  readonly #processes = new Map<string, HandlerProcess[]>();

  /** Runs one invocation in an idle process of `key`, or in a new one (a cold start). */
  invoke(
    key: string,
    spec: HandlerSpec,
    event: unknown,
    timeoutMs: number,
    onLog?: LogListener,
  ): Promise<InvocationEnd> {
    // Picking and starting happen in one synchronous step, so two parallel actions of
    // the same function never pick the same idle process.
    const list = (this.#processes.get(key) ?? []).filter((candidate) => candidate.alive);
    this.#processes.set(key, list);
    let chosen = list.find((candidate) => candidate.idle);
    if (chosen === undefined) {
      chosen = new HandlerProcess(spec);
      list.push(chosen);
    }
    return chosen.invoke(event, timeoutMs, onLog);
  }

  async close(): Promise<void> {
    const all = [...this.#processes.values()].flat();
    this.#processes.clear();
    await Promise.all(all.map((process) => process.close()));
  }
}
