// Runs the CLI from its TypeScript source as a child process, the way a user runs it.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/local/cli.ts', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text` (rejects after `timeoutMs`, 90 s by default: a tsx CLI on a busy machine took over 20 s to start, or on exit). */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal that killed it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI with `args`; the child only gets a minimal, AWS-free environment. */
export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(text, timeoutMs = 90_000) {
      const found = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
      return new Promise((resolve, reject) => {
        if (found()) {
          resolve(out);
          return;
        }
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `CLI did not print ${String(text)} in ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        }, timeoutMs);
        const onData = () => {
          if (found()) {
            cleanup();
            resolve(out);
          }
        };
        const onExit = () => {
          cleanup();
          reject(
            new Error(
              `CLI exited before printing ${String(text)}.\nstdout:\n${out}\nstderr:\n${err}`,
            ),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.off('exit', onExit);
        };
        child.stdout.on('data', onData);
        child.on('exit', onExit);
      });
    },
  };
}

/** Runs the CLI to completion. */
export async function runCliProcess(args: readonly string[]) {
  const cli = startCli(args);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** The `export NAME=value` lines of the serve banner, as a record. */
export function exportedVariables(output: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const match of output.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) {
    if (match[1] !== undefined && match[2] !== undefined) variables[match[1]] = match[2];
  }
  return variables;
}
