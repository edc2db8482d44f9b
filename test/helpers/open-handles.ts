/**
 * The suite must always exit: a test may not leave a child process running or a
 * server listening once its file is done, whether it passed or failed. A child left
 * running keeps the pipes it inherited open (a CI step reading the suite's output then
 * never ends) and may burn CPU forever (an endless-loop gate).
 *
 * Two checks, each of which kills what it finds before failing the run:
 * - per test file (the setup file's `afterAll`): every child process this worker
 *   started (Node's `child_process` diagnostics channel) must have exited, and no more
 *   servers may listen than when the file started;
 * - once for the run (`globalSetup` teardown, in the vitest main process): no process
 *   the run started may be left orphaned, such as the children of a worker that was
 *   killed before its hooks ran, or a grandchild its parent did not take down. What the
 *   run started is known by an environment variable its global setup sets
 *   ({@link markTestRun}), which every process it starts inherits: sharing the run's
 *   process group is not enough (a benchmark started beside `npm test` from the same
 *   shell shares it too, and was killed by the first version of this check).
 *
 * Worker threads are not tracked: the watchdog's thread is unref'd on purpose (it can
 * never keep a process alive), and vitest kills its forked workers at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * How long a child or a server already on its way out (killed or closed by a hook that
 * did not wait for it) may take to go. Only spent when something is still there.
 */
const EXIT_GRACE_MS = 5_000;
/** Handles that mean something is still accepting connections. */
const SERVER_RESOURCES = new Set(['TCPServerWrap', 'PipeServerWrap', 'UDPWrap']);

interface ChildTracking {
  readonly running: Set<ChildProcess>;
}

const STATE_KEY = Symbol.for('codepipeline-handler.test.open-handles');

/** Starts following the child processes this process spawns (once per process). */
export function trackChildProcesses(): void {
  const holder = globalThis as { [STATE_KEY]?: ChildTracking };
  if (holder[STATE_KEY]) return;
  const tracking: ChildTracking = { running: new Set() };
  holder[STATE_KEY] = tracking;
  subscribe('child_process', (message) => {
    const child = (message as { process: ChildProcess }).process;
    tracking.running.add(child);
    child.once('exit', () => tracking.running.delete(child));
  });
}

/** How many servers are listening in this process now. */
export function listeningServers(): number {
  return process.getActiveResourcesInfo().filter((kind) => SERVER_RESOURCES.has(kind)).length;
}

/**
 * esbuild's JS API keeps one service process per parent for its whole life (unref'd;
 * it exits when its stdin, our pipe, closes): not a leak.
 */
function isEsbuildService(child: ChildProcess): boolean {
  return (
    /esbuild/.test(child.spawnfile ?? '') && (child.spawnargs ?? []).some((a) => a === '--ping')
  );
}

function describeChild(child: ChildProcess): string {
  return `pid ${child.pid ?? '?'}: ${(child.spawnargs ?? [child.spawnfile]).join(' ').slice(0, 200)}`;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * The problems left by the test file that just ended, after killing every child
 * process of it still running (and waiting for them to go): an empty list when clean.
 */
export async function takeOpenHandles(serversAtStart: number): Promise<string[]> {
  const tracking = (globalThis as { [STATE_KEY]?: ChildTracking })[STATE_KEY];
  const problems: string[] = [];
  const running = [...(tracking?.running ?? [])].filter(
    (child) => !exited(child) && !isEsbuildService(child),
  );
  if (running.length > 0) {
    // A child some hook already killed may still be exiting: give it time first.
    await Promise.all(running.map((child) => exitOf(child, EXIT_GRACE_MS)));
    for (const child of running.filter((candidate) => !exited(candidate))) {
      problems.push(`a child process still running (${describeChild(child)}); killed`);
      child.kill('SIGKILL');
      await exitOf(child, EXIT_GRACE_MS);
    }
  }
  // A closed server's handle goes a moment after its close callback.
  const giveUpAt = Date.now() + EXIT_GRACE_MS;
  while (listeningServers() > serversAtStart && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const servers = listeningServers() - serversAtStart;
  if (servers > 0) problems.push(`${servers} server(s) still listening (not closed)`);
  return problems;
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly state: string;
}

/** Every process visible in /proc (Linux), or none where there is no /proc. */
function processTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return table;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), {
        pid: Number(entry),
        ppid: Number(ppid),
        state: state ?? '',
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 200);
  } catch {
    return '?';
  }
}

/** The variable that marks the processes of one test run: its vitest main process's pid. */
export const TEST_RUN_ENV = 'CODEPIPELINE_HANDLER_TEST_RUN';

/**
 * Marks this process (the vitest main process, from the global setup) and everything
 * it starts from now on as this test run's. Children started with an environment of
 * their own (no `...process.env`) are not marked, and not found by killOrphans.
 */
export function markTestRun(): void {
  process.env[TEST_RUN_ENV] = String(process.pid);
}

/** Whether process `pid` carries this run's mark (a process we may not read is not ours). */
function startedByThisRun(pid: number): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.includes(`${TEST_RUN_ENV}=${process.pid}`);
  } catch {
    return false;
  }
}

/**
 * Processes this test run started (see markTestRun) that lost their parent (adopted by
 * init, or by a subreaper) while the run went on: children of test code that outlived
 * whoever started them. Each is killed; the list says what they were. Processes still
 * under this one, and this process's own ancestors, are not orphans.
 */
export async function killOrphans(): Promise<string[]> {
  const table = processTable();
  const self = table.get(process.pid);
  if (!self) return [];
  const ancestors = new Set<number>();
  for (let pid = self.ppid; pid > 1 && !ancestors.has(pid); pid = table.get(pid)?.ppid ?? 0) {
    ancestors.add(pid);
  }
  const orphans: string[] = [];
  const killed: number[] = [];
  for (const info of table.values()) {
    if (info.pid === process.pid || ancestors.has(info.pid)) continue;
    if (info.state === 'Z') continue;
    let pid = info.ppid;
    const seen = new Set<number>();
    while (pid > 1 && pid !== process.pid && !ancestors.has(pid) && !seen.has(pid)) {
      seen.add(pid);
      pid = table.get(pid)?.ppid ?? 0;
    }
    if (pid > 1) continue; // still under us or under one of our ancestors
    if (!startedByThisRun(info.pid)) continue; // a bystander: not the run's to kill
    orphans.push(`pid ${info.pid}: ${commandLine(info.pid)}`);
    killed.push(info.pid);
    try {
      process.kill(info.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  // SIGKILL is not instant: wait until they are gone (or zombies, reaped by init).
  const giveUpAt = Date.now() + EXIT_GRACE_MS;
  while (killed.some(isAlive) && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return orphans;
}

/** Whether a process exists and has not yet exited (a zombie has). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
