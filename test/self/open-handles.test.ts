import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runFixtureVitest } from '../helpers/fixture-vitest.js';
import { isAlive } from '../helpers/open-handles.js';

/**
 * An orphan this test starts itself, in the fixture run's process group but not by
 * it: a starter prints its child's pid and exits. Stands for a benchmark or a shell
 * job started beside `npm test`, which the fixture run's teardown must leave alone.
 */
async function startBystander(): Promise<number> {
  const starter = `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    child.unref();
    console.log(child.pid);
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', starter]);
  return Number(stdout.trim());
}

describe('Setup file and global teardown: a run that leaves handles open fails', () => {
  it('fails each leaking file by name, fails the run for an orphan, kills them all, and passes the clean file', async () => {
    // Arrange: an orphan of this run, not of the fixture's
    const bystander = await startBystander();
    try {
      // Act: a vitest of its own on a fixture that leaves a child, a server and an orphan
      const result = await runFixtureVitest('test/fixtures/open-handles/vitest.config.ts');

      // Assess
      expect(result.code).toBe(1);
      expect(result.output).toMatch(
        /Open handles: \S+leaves-a-child\.test\.ts left a child process still running \(pid \d+: \S+node -e setInterval/,
      );
      expect(result.output).toMatch(
        /Open handles: \S+leaves-a-server\.test\.ts left 1 server\(s\) still listening/,
      );
      expect(result.output).toMatch(/Test Files\s+2 failed \| 2 passed \(4\)/);
      expect(result.output).toContain(
        'Open handles: the run left 1 orphaned process(es), now killed:',
      );
      const leaked = [...result.output.matchAll(/pid (\d+): /g)].map((match) => Number(match[1]));
      expect(leaked).toHaveLength(2);
      expect(leaked.filter(isAlive)).toEqual([]);
      // The fixture run killed only what it started.
      expect(leaked).not.toContain(bystander);
      expect(isAlive(bystander)).toBe(true);
    } finally {
      process.kill(bystander, 'SIGKILL');
    }
    // A whole vitest run of four files, one of which waits out the exit grace: on a
    // loaded machine that is well past the default test timeout.
  }, 180_000);
});
