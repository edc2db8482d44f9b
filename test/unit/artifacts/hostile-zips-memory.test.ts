import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manyEntries } from '../../fixtures/hostile-zips/make.js';
import { buildZip, zeroBomb } from '../../fixtures/hostile-zips/raw-zip.js';

const MiB = 1024 * 1024;
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const PROBE = path.join(repoRoot, 'test/fixtures/hostile-zips/memory-probe.ts');
let workDir: string;
const archives: Record<string, string> = {};

/** CRC-32 of `mebibytes` MiB of zeros: what an honest header says about zeroBomb's data. */
function zerosCrc(mebibytes: number): number {
  const zeros = Buffer.alloc(MiB);
  let crc = 0;
  for (let index = 0; index < mebibytes; index++) crc = crc32(zeros, crc);
  return crc;
}

interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly heapGrowthBytes: number;
  readonly peakRssGrowthBytes: number;
}

/**
 * Runs one operation in a child whose V8 heap is capped at `heapCapMiB`: materialising
 * more than that kills it (the test then fails on the exit code), and the kernel's
 * peak RSS shows what buffers, which live outside that heap, cost.
 */
async function probe(
  archive: string,
  operation: 'files' | 'read' | 'extractTo',
  options: { path?: string; limits?: object; heapCapMiB: number },
): Promise<ProbeResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      `--max-old-space-size=${options.heapCapMiB}`,
      '--import',
      'tsx',
      PROBE,
      archives[archive] as string,
      operation,
      options.path ?? '',
      JSON.stringify(options.limits ?? {}),
    ],
    { cwd: repoRoot, maxBuffer: 10 * MiB },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ProbeResult;
}

describe('Hostile archives: memory stays bounded (child processes with a capped heap)', () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'hostile-memory-'));
    const build: Record<string, Buffer> = {
      many: manyEntries(100_000),
      lie: buildZip([{ name: 'bomb.bin', payload: zeroBomb(1024), declaredSize: 1024 }]),
      honest128: buildZip([
        { name: 'big.bin', payload: zeroBomb(128), declaredSize: 128 * MiB, crc: zerosCrc(128) },
      ]),
    };
    for (const [name, bytes] of Object.entries(build)) {
      archives[name] = path.join(workDir, `${name}.zip`);
      await writeFile(archives[name] as string, bytes);
    }
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('refuses 100 000 entries by the default limit without listing them', async () => {
    // Act
    const result = await probe('many', 'files', { heapCapMiB: 96 });

    // Assess
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('100000 entries, more than the limit of 10000');
    expect(result.heapGrowthBytes).toBeLessThan(4 * MiB);
    expect(result.peakRssGrowthBytes).toBeLessThan(16 * MiB);
  });

  it('lists 100 000 entries within a capped heap when the limit is raised', async () => {
    // Act
    const result = await probe('many', 'files', {
      limits: { maxEntries: 100_000 },
      heapCapMiB: 192,
    });

    // Assess: about 800 bytes per listed entry
    expect(result).toMatchObject({ ok: true, detail: '100000 entries' });
    expect(result.heapGrowthBytes).toBeLessThan(128 * MiB);
  });

  it.each(['read', 'extractTo'] as const)(
    '%s stops a bomb that declares 1 KiB and inflates to 1 GiB at once',
    async (operation) => {
      // Act
      const result = await probe('lie', operation, { path: 'bomb.bin', heapCapMiB: 96 });

      // Assess
      expect(result.ok).toBe(false);
      expect(result.detail).toContain('inflates to more than the 1 KiB it declares');
      expect(result.peakRssGrowthBytes).toBeLessThan(32 * MiB);
    },
  );

  it('reads a 128 MiB file holding it once, not twice', async () => {
    // Act
    const result = await probe('honest128', 'read', {
      path: 'big.bin',
      limits: { maxReadBytes: 512 * MiB },
      heapCapMiB: 96,
    });

    // Assess: the measure sees the buffer, and only one copy of it
    expect(result).toMatchObject({ ok: true, detail: `${128 * MiB} bytes` });
    expect(result.peakRssGrowthBytes).toBeGreaterThan(100 * MiB);
    expect(result.peakRssGrowthBytes).toBeLessThan(192 * MiB);
  });

  it('extracts a 128 MiB file streaming, in a few MiB', async () => {
    // Act
    const result = await probe('honest128', 'extractTo', { heapCapMiB: 96 });

    // Assess
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.detail)).toMatchObject({ files: 1, bytes: 128 * MiB });
    expect(result.peakRssGrowthBytes).toBeLessThan(48 * MiB);
  });
});
