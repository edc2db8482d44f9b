import { describe, expect, it } from 'vitest';
import { runFixtureVitest } from '../helpers/fixture-vitest.js';
import { isAlive } from '../helpers/open-handles.js';

describe('Setup file and global teardown: a run that leaves handles open fails', () => {
  it('fails each leaking file by name, fails the run for an orphan, kills them all, and passes the clean file', async () => {
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
    // A whole vitest run of four files, one of which waits out the exit grace: on a
    // loaded machine that is well past the default test timeout.
  }, 180_000);
});
