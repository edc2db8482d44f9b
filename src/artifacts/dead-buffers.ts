/**
 * Buffers that live a while (an upload part, a socket chunk waiting in a pipe) reach
 * V8's old generation, and V8 frees old Buffers only after ~64 MiB more external
 * memory has been allocated since its last full collection: in a 128 MB function,
 * dead Buffers alone can come near the limit. Lambda starts Node with `--expose-gc`,
 * so where `gc` exists the streaming paths check every few MiB they move and ask for a
 * full collection once the process uses more than half the memory it has. Below that
 * nothing is collected: a full collection over the heap of a 32k-entry archive takes
 * tens of ms, and one every 8 MiB made a 1 GiB extract ~20% slower where memory was
 * plentiful (bench, figure 4).
 */
import { totalmem } from 'node:os';

/** Bytes moved between two checks on a streaming path. */
const COLLECT_EVERY_BYTES = 8 * 1024 * 1024;

/** Above this share of the memory the process has, dead Buffers are collected. */
const TIGHT_SHARE = 0.5;

/**
 * The memory this process has, in bytes: the Lambda function's configured size
 * (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB), a cgroup's limit, or the machine's
 * memory, whichever is least.
 */
export function memoryBudgetBytes(env: NodeJS.ProcessEnv = process.env): number {
  const configuredMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const configured = configuredMb > 0 ? configuredMb * 1024 * 1024 : Number.POSITIVE_INFINITY;
  // constrainedMemory() is 0, or a huge number, when no cgroup limits the process.
  const constrained = process.constrainedMemory() || Number.POSITIVE_INFINITY;
  return Math.min(configured, constrained, totalmem());
}

/**
 * A full collection when Node exposes `gc` (Lambda does) and the process's resident
 * memory is above half its budget; else nothing.
 */
export function collectDeadBuffers(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  if (process.memoryUsage.rss() <= memoryBudgetBytes() * TIGHT_SHARE) return;
  gc();
}

/** Counts what one streaming path moves and calls collectDeadBuffers every COLLECT_EVERY_BYTES. */
export class CollectionPacer {
  #sinceCollection = 0;

  moved(bytes: number): void {
    this.#sinceCollection += bytes;
    if (this.#sinceCollection < COLLECT_EVERY_BYTES) return;
    this.#sinceCollection = 0;
    collectDeadBuffers();
  }
}
