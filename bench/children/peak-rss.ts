import { readFileSync } from 'node:fs';

/**
 * The peak RSS of this process image: VmHWM from /proc/self/status on Linux.
 * `process.resourceUsage().maxRSS` (getrusage) survives execve, so a child spawned by
 * the benchmark starts with the benchmark process's own RSS at fork as its "peak"
 * (an idle child measured 209 MiB that way, 68 MiB by VmHWM), and every side of a
 * figure reads the same inflated number. maxRSS stays the fallback off Linux.
 */
export function peakRss(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // No procfs: fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}
