// The suite's global setup (vitest main process): nothing to start; its teardown
// fails the run when test code left processes behind (see open-handles.ts).
import { killOrphans } from './open-handles.js';

export async function teardown(): Promise<void> {
  const orphans = await killOrphans();
  if (orphans.length === 0) return;
  throw new Error(
    `Open handles: the run left ${orphans.length} orphaned process(es), now killed:\n${orphans.join('\n')}`,
  );
}
