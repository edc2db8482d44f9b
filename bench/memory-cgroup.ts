/**
 * Runs a command with its memory capped the way a Lambda function's is: in its own
 * memory cgroup (v1, /sys/fs/cgroup/memory) whose limit counts everything the process
 * uses, buffers and page cache included, and whose breach is an OOM kill (SIGKILL).
 * The cgroup is made below this process's own memory cgroup, the command moves itself
 * into it before `exec` (so Node's own start-up is charged too), and it is removed
 * afterwards. Where no cgroup can be made (not root, cgroup v2 only, no memory
 * controller), `memoryCgroup()` says why and the caller falls back to Node's flags.
 * Used by the bench (the 1 GiB runs) and by test/integration/artifacts/memory-cap.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const CGROUP_V1_MEMORY = '/sys/fs/cgroup/memory';
let made = 0;

export type CgroupSupport = { ok: true; parent: string } | { ok: false; reason: string };

/** Where child memory cgroups can be made, or why they cannot. */
export async function memoryCgroup(): Promise<CgroupSupport> {
  try {
    const own = (await readFile('/proc/self/cgroup', 'utf8'))
      .split('\n')
      .map((line) => line.split(':'))
      .find(([, controllers]) => controllers?.split(',').includes('memory'))?.[2];
    if (own === undefined) return { ok: false, reason: 'no cgroup v1 memory controller' };
    const parent = path.join(CGROUP_V1_MEMORY, own);
    // Making and removing one proves we may (root, writable hierarchy).
    const probe = path.join(parent, `codepipeline-handler-probe-${process.pid}`);
    await mkdir(probe);
    await rmdir(probe);
    return { ok: true, parent };
  } catch (error) {
    return { ok: false, reason: `cannot make a memory cgroup: ${(error as Error).message}` };
  }
}

export interface CappedResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The cap was hit and the kernel killed the process (OOM). */
  readonly oomKilled: boolean;
  /**
   * The cgroup's peak usage (memory.max_usage_in_bytes): everything charged to it, the
   * process's anonymous memory, the page cache it brought in or dirtied (which the
   * kernel reclaims under the cap rather than kill) and kernel memory (slab, sockets).
   */
  readonly peakBytes: number;
  /**
   * What that peak is made of, sampled from memory.stat every 50 ms while the command
   * runs: the largest anonymous memory seen (`rss`: heap, Buffers, native memory), the
   * largest page cache (`cache`), and the kernel's peak (memory.kmem.max_usage_in_bytes).
   */
  readonly breakdown: { rssBytes: number; cacheBytes: number; kernelBytes: number };
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command args` in a fresh memory cgroup of `parent` limited to `capBytes`
 * (memory and memory+swap), waits for it and removes the cgroup.
 */
export async function runInMemoryCgroup(
  parent: string,
  capBytes: number,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CappedResult> {
  const dir = path.join(parent, `codepipeline-handler-${process.pid}-${++made}`);
  await mkdir(dir);
  try {
    await writeFile(path.join(dir, 'memory.limit_in_bytes'), String(capBytes));
    // Without swap accounting the file is missing; with it, swap must not be the way out.
    await writeFile(path.join(dir, 'memory.memsw.limit_in_bytes'), String(capBytes)).catch(
      () => undefined,
    );
    // The shell puts itself in the cgroup, then becomes the command: nothing runs outside.
    const script = 'echo $$ > "$0/cgroup.procs" && exec "$@"';
    const breakdown = { rssBytes: 0, cacheBytes: 0, kernelBytes: 0 };
    const sample = async () => {
      const stat = await readFile(path.join(dir, 'memory.stat'), 'utf8').catch(() => '');
      const field = (name: string) =>
        Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
      breakdown.rssBytes = Math.max(breakdown.rssBytes, field('rss'));
      breakdown.cacheBytes = Math.max(breakdown.cacheBytes, field('cache'));
    };
    const sampler = setInterval(() => void sample(), 50);
    const result = await run('/bin/sh', ['-c', script, dir, command, ...args], env).finally(() =>
      clearInterval(sampler),
    );
    const counter = async (file: string) =>
      Number((await readFile(path.join(dir, file), 'utf8').catch(() => '0')).trim());
    const oomControl = await readFile(path.join(dir, 'memory.oom_control'), 'utf8').catch(() => '');
    const oomKills = Number(/^oom_kill (\d+)$/m.exec(oomControl)?.[1] ?? 0);
    return {
      ...result,
      oomKilled:
        oomKills > 0 || (result.signal === 'SIGKILL' && (await counter('memory.failcnt')) > 0),
      peakBytes: await counter('memory.max_usage_in_bytes'),
      breakdown: { ...breakdown, kernelBytes: await counter('memory.kmem.max_usage_in_bytes') },
    };
  } finally {
    await removeCgroup(dir);
  }
}

/** rmdir fails while the last task is still leaving; try a few times. */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Omit<CappedResult, 'oomKilled' | 'peakBytes' | 'breakdown'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}
