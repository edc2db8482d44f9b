/**
 * Buffers that live a while (an upload part, a socket chunk waiting in a pipe) reach
 * V8's old generation, and V8 frees old Buffers only after ~64 MiB more external
 * memory has been allocated since its last full collection: in a 128 MB function,
 * dead Buffers alone can come near the limit. Lambda starts Node with `--expose-gc`,
 * so where `gc` exists the streaming paths ask for a full collection every few MiB
 * they move (a few ms on a small heap); elsewhere this does nothing.
 */

/** Bytes moved between two collections on a streaming path. */
export const COLLECT_EVERY_BYTES = 8 * 1024 * 1024;

/** A full collection when Node exposes `gc` (Lambda does), else nothing. */
export function collectDeadBuffers(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
