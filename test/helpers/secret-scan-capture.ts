/**
 * Watches everything a test process prints or receives for invented artifact
 * credentials, and keeps what it finds until the suite's setup file asks for it:
 *
 * - `process.stdout.write` / `process.stderr.write`, including writers installed
 *   later (runJob swaps in its own to capture the handler's log lines);
 * - `console` methods (vitest's console does not go through process.stdout);
 * - every HTTP request any server in this process receives (the scripted
 *   CodePipeline, the S3 test server and its s3rver, the job API, the STS stub, and
 *   any loopback server a test starts), through Node's `http.server.request.start`
 *   diagnostics channel: request line, headers and body, SigV4 signing fields aside;
 * - stdout and stderr of every child process a test spawns (`child_process` channel);
 * - the inputs of SDK commands sent to clients mocked with aws-sdk-client-mock.
 *
 * Hooks into the process are installed once per process (vitest may run several test
 * files in one worker); their state lives on `globalThis` for that reason.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { format, inspect } from 'node:util';
import { issuedFakeCredentialField } from '../../src/testing/fake-credentials.js';
import {
  findSecretsInValue,
  type IssuedLookup,
  requestHeadForScan,
  type SecretFinding,
  StreamScanner,
} from './secret-scan.js';

/** The part of an aws-sdk-client-mock stub the scan reads. */
interface MockedClient {
  readonly send: {
    readonly callCount: number;
    getCall(index: number): { readonly args: readonly unknown[] } | null;
  };
  reset(): unknown;
  resetHistory(): unknown;
  restore(): void;
}

interface CaptureState {
  readonly pending: SecretFinding[];
  /** The credential registry of the latest module graph (each test file gets its own). */
  lookup: IssuedLookup;
  readonly clients: Map<MockedClient, { scanned: number }>;
  processHooks: boolean;
}

const STATE_KEY = Symbol.for('codepipeline-handler.test.secret-capture');
const WRAPPED = Symbol.for('codepipeline-handler.test.secret-capture.wrapped');

function state(): CaptureState {
  const holder = globalThis as { [STATE_KEY]?: CaptureState };
  holder[STATE_KEY] ??= {
    pending: [],
    lookup: issuedFakeCredentialField,
    clients: new Map(),
    processHooks: false,
  };
  return holder[STATE_KEY];
}

const lookup: IssuedLookup = (value) => state().lookup(value);

function report(findings: readonly SecretFinding[]): void {
  state().pending.push(...findings);
}

/** Installs every hook (idempotent) and points the scan at this module graph's registry. */
export function installSecretCapture(): void {
  const current = state();
  current.lookup = issuedFakeCredentialField;
  wrapConsole();
  if (current.processHooks) return;
  current.processHooks = true;
  scanWrites(process.stdout, 'stdout');
  scanWrites(process.stderr, 'stderr');
  subscribe('http.server.request.start', (message) => {
    scanIncomingRequest((message as { request: IncomingMessage }).request);
  });
  subscribe('child_process', (message) => {
    scanChildOutput((message as { process: import('node:child_process').ChildProcess }).process);
  });
}

/** What was found since the last call (and forgets it). */
export function takeSecretFindings(): SecretFinding[] {
  scanMockedClients();
  return state().pending.splice(0);
}

/**
 * Keeps `process.stdout.write` scanning whatever function is assigned to it later:
 * the property becomes an accessor that hands out a scanning wrapper of the current
 * writer, so a test (or runJob) can still replace and restore it.
 */
function scanWrites(stream: NodeJS.WriteStream, where: string): void {
  type Write = NodeJS.WriteStream['write'];
  const wrappers = new WeakMap<Write, Write>();
  const wrap = (write: Write): Write => {
    if ((write as { [WRAPPED]?: true })[WRAPPED]) return write;
    let wrapper = wrappers.get(write);
    if (wrapper === undefined) {
      wrapper = function scanningWrite(this: unknown, chunk: unknown, ...rest: unknown[]) {
        if (typeof chunk === 'string' || chunk instanceof Uint8Array) {
          report(findSecretsInValue(chunk, where, lookup));
        }
        return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      } as Write;
      Object.defineProperty(wrapper, WRAPPED, { value: true });
      wrappers.set(write, wrapper);
    }
    return wrapper;
  };
  let current: Write = stream.write;
  Object.defineProperty(stream, 'write', {
    configurable: true,
    enumerable: false,
    get: () => wrap(current),
    set: (next: Write) => {
      current = next;
    },
  });
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;

/** Wraps the methods of the current console (vitest may give each test file a new one). */
function wrapConsole(): void {
  for (const method of CONSOLE_METHODS) {
    const original = console[method] as ((...args: unknown[]) => void) & { [WRAPPED]?: true };
    if (typeof original !== 'function' || original[WRAPPED]) continue;
    const wrapper = function scanningConsole(this: unknown, ...args: unknown[]) {
      const text = method === 'dir' ? inspect(args[0], args[1] as object) : format(...args);
      report(findSecretsInValue(text, `console.${method}`, lookup));
      return original.apply(this, args);
    };
    Object.defineProperty(wrapper, WRAPPED, { value: true });
    console[method] = wrapper;
  }
}

/**
 * Reads the request as the server does: the parser hands each body chunk to
 * `request.push`, so wrapping it observes the body without consuming the stream.
 */
function scanIncomingRequest(request: IncomingMessage): void {
  const where = `an HTTP request ${request.method} ${request.url?.split('?')[0]} to 127.0.0.1:${request.socket.localPort}`;
  report(
    findSecretsInValue(
      requestHeadForScan(request.method ?? '', request.url ?? '', request.headers),
      `${where} (request line or headers)`,
      lookup,
    ),
  );
  const body = new StreamScanner(`${where} (body)`, lookup, (finding) => report([finding]));
  const push = request.push;
  request.push = function scanningPush(this: IncomingMessage, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) body.push(chunk);
    else if (chunk === null) body.end();
    return (push as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as IncomingMessage['push'];
}

/** Observes a child's output the same way, via `push` of its stdout/stderr sockets. */
function scanChildOutput(child: import('node:child_process').ChildProcess): void {
  // The channel fires before the pipes exist; they are in place one tick later, before
  // any output can arrive.
  process.nextTick(() => {
    const name = [child.spawnfile, ...child.spawnargs.slice(1, 4)].join(' ');
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = child[stream];
      if (readable === null) continue;
      const scanner = new StreamScanner(`${stream} of child process "${name}"`, lookup, (finding) =>
        report([finding]),
      );
      const push = readable.push;
      readable.push = function scanningPush(this: unknown, chunk: unknown, ...rest: unknown[]) {
        if (typeof chunk === 'string' || chunk instanceof Uint8Array) scanner.push(chunk);
        else if (chunk === null) scanner.end();
        return (push as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      } as typeof readable.push;
    }
  });
}

/**
 * Follows a stub from aws-sdk-client-mock's `mockClient`: the inputs of the commands
 * it receives are scanned at the end of each test, and before `reset`, `resetHistory`
 * or `restore` would drop them.
 */
export function watchMockedClient<T extends MockedClient>(stub: T): T {
  const clients = state().clients;
  clients.set(stub, { scanned: 0 });
  for (const method of ['reset', 'resetHistory', 'restore'] as const) {
    const original = stub[method].bind(stub);
    (stub as MockedClient)[method] = () => {
      scanMockedClient(stub);
      const result = original();
      const entry = clients.get(stub);
      if (entry) entry.scanned = 0;
      if (method === 'restore') clients.delete(stub);
      return method === 'restore' ? undefined : (result ?? stub);
    };
  }
  return stub;
}

function scanMockedClients(): void {
  for (const stub of state().clients.keys()) scanMockedClient(stub);
}

function scanMockedClient(stub: MockedClient): void {
  const entry = state().clients.get(stub);
  if (entry === undefined) return;
  for (let index = entry.scanned; index < stub.send.callCount; index++) {
    const command = stub.send.getCall(index)?.args[0] as
      | { input?: unknown; constructor?: { name?: string } }
      | undefined;
    if (command?.input === undefined) continue;
    report(
      findSecretsInValue(
        command.input,
        `the input of a ${command.constructor?.name ?? 'command'} sent to a mocked AWS client`,
        lookup,
      ),
    );
  }
  entry.scanned = stub.send.callCount;
}
