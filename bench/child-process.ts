/**
 * Runs Node children for the benchmarks with a clean, fixed environment: the same
 * Node binary as the benchmark (Node 24 under npm), no inherited NODE_OPTIONS (tsx
 * must not load into a measured process), dummy AWS settings so the SDK never looks
 * for real credentials or talks to anything but loopback.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCHDUMMY000000',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Runs `node <args>` and parses the last line of its stdout as JSON. */
export async function runNodeJson<T>(
  args: readonly string[],
  env: NodeJS.ProcessEnv = childEnv(),
): Promise<T> {
  const { stdout } = await run(process.execPath, [...args], {
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`child printed no JSON result: ${stdout.slice(-500)}`);
  }
}
