// The suite's global setup (vitest main process): marks the processes the run starts;
// its teardown fails the run when test code left some behind (see open-handles.ts).
import { killOrphans, markTestRun } from './open-handles.js';

export function setup(): void {
  markTestRun();
}

export async function teardown(): Promise<void> {
  const orphans = await killOrphans();
  if (orphans.length === 0) return;
  throw new Error(
    `Open handles: the run left ${orphans.length} orphaned process(es), now killed:\n${orphans.join('\n')}`,
  );
}
