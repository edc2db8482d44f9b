/**
 * The 128 MB promise: a 1 GiB `extractTo`, a 1 GiB `stream` and a 1 GiB
 * `output().write(dir)`, each in a child whose memory cgroup caps it at 128 MiB (as a
 * 128 MB Lambda function is capped), started with the node flags Lambda's bootstrap
 * uses for 128 MB. Each must succeed; a control that holds the whole artifact in one
 * Buffer must be OOM-killed by the same cap, which proves the cap bites. Where no
 * cgroup can be made, the runs use the flags alone and the table says the promise is
 * NOT proven by this run (the flags bound V8's heap, not Buffers).
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lambdaNodeFlags } from '../test/lambda-runtime/lambda-environment.js';
import { bundleEntry, ROOT } from './bundle.js';
import { childEnv } from './child-process.js';
import type { JobMeasurement } from './children/measure-job.js';
import { writeArtifact } from './make-artifact.js';
import { makeTree } from './make-tree.js';
import { type CappedResult, memoryCgroup, runInMemoryCgroup } from './memory-cgroup.js';
import { fileUploader, inS3Workspace } from './s3-workspace.js';
import { formatBytes, formatMs, type Row, renderTable } from './stats.js';

const execFileAsync = promisify(execFile);
const MiB = 1024 * 1024;
const CAP_BYTES = 128 * MiB;
const LAMBDA_MEMORY_MB = 128;
const BUCKET = 'bench-memory-cap';
const TREE_KEY = 'bench-pipeline/BuildOutput/tree.zip';
const ONE_ENTRY_KEY = 'bench-pipeline/BuildOutput/one-entry.zip';
const ONE_ENTRY_PATH = 'assets/blob-1.bin';
const NO_BREAKDOWN = { rssBytes: 0, cacheBytes: 0, kernelBytes: 0 };

export interface MemoryCapOptions {
  /** Size of each artifact (the tree's zip, the one-entry zip). */
  readonly artifactBytes: number;
}

interface CappedRun {
  readonly label: string;
  readonly control: boolean;
  readonly result: CappedResult;
}

export async function memoryCapFigure(options: MemoryCapOptions): Promise<string> {
  const size = formatBytes(options.artifactBytes);
  const title = `Memory: the 128 MB promise, ${size} extract / stream / write in a 128 MiB memory cgroup`;
  const support = await memoryCgroup();
  const runs: CappedRun[] = [];
  const notes: string[] = [];
  await inS3Workspace('memory-cap', async ({ dir, s3 }) => {
    const child = (await bundleEntry(join(ROOT, 'bench/children/capped.ts'), join(dir, 'child')))
      .file;
    await s3.createBucket(BUCKET);
    const tree = await makeTree(join(dir, 'data'), { zipBytes: options.artifactBytes });
    const oneEntryFile = join(dir, 'one-entry.zip');
    const oneEntryBytes = await writeArtifact(oneEntryFile, {
      totalBytes: options.artifactBytes,
      bigEntries: 1,
      smallPath: 'ratings.json',
      smallContent: Buffer.from('[5]\n'),
    });
    const uploader = fileUploader(s3);
    await uploader.upload(BUCKET, TREE_KEY, tree.zipFile, tree.zipBytes);
    await uploader.upload(BUCKET, ONE_ENTRY_KEY, oneEntryFile, oneEntryBytes);
    uploader.destroy();
    await rm(tree.zipFile);
    await rm(oneEntryFile);
    notes.push(
      `Artifacts: the tree zip of figure 4's generator (${formatBytes(tree.zipBytes)}, ${tree.files} files, ${formatBytes(tree.treeBytes)} uncompressed), extracted and then written back from its folder; a zip of one stored ${formatBytes(oneEntryBytes)} entry of random bytes, streamed (hashed) and, by the control, downloaded into one Buffer. All on the embedded S3 on 127.0.0.1.`,
    );

    // As Lambda sets it: what ours reads to judge when memory is tight (dead-buffers.ts).
    const env = childEnv({
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(LAMBDA_MEMORY_MB),
    });
    const args = [...lambdaNodeFlags(LAMBDA_MEMORY_MB), child];
    const run = async (label: string, control: boolean, childArgs: string[]) => {
      const result = support.ok
        ? await runInMemoryCgroup(
            support.parent,
            CAP_BYTES,
            process.execPath,
            [...args, ...childArgs],
            env,
          )
        : await runUncapped([...args, ...childArgs], env);
      runs.push({ label, control, result });
    };
    const target = join(dir, 'extracted');
    await run(`${size} extractTo (${tree.files} files)`, false, [
      'extract',
      BUCKET,
      TREE_KEY,
      target,
    ]);
    await rm(target, { recursive: true, force: true });
    await run(`${size} stream of one entry`, false, [
      'stream',
      BUCKET,
      ONE_ENTRY_KEY,
      ONE_ENTRY_PATH,
    ]);
    await run(`${size} output().write(dir) (${tree.files} files)`, false, [
      'write',
      BUCKET,
      'bench-pipeline/GateOutput/written.zip',
      tree.directory,
    ]);
    await run(`control: ${size} object in one Buffer`, true, ['buffer', BUCKET, ONE_ENTRY_KEY]);
  });

  return renderTable(
    title,
    runs.map((run) => row(run, support.ok)),
    [
      support.ok
        ? `Cap: a memory cgroup (v1) below this process's own, memory.limit_in_bytes = memory.memsw.limit_in_bytes = 128 MiB, counting everything the child uses (RSS, Buffers, page cache it dirties); the child moves itself in before exec. OOM = the kernel's oom_kill count or SIGKILL with memory.failcnt > 0. Cgroup peak = memory.max_usage_in_bytes: everything charged, page cache included (the kernel reclaims page cache under the cap before it kills, so a peak at the cap with a small rss is the cache, not the process); in brackets the largest rss (anonymous memory: heap, Buffers, native) and page cache sampled from memory.stat every 50 ms, and the kernel's own peak (memory.kmem.max_usage_in_bytes). VmHWM = the child's own peak resident set (/proc/self/status), file pages it maps included.`
        : `NOT PROVEN in this run: no memory cgroup could be made (${support.reason}). The runs used Lambda's node flags only, which bound V8's heap but not Buffers, so the control is not killed.`,
      `Every child: \`node ${lambdaNodeFlags(LAMBDA_MEMORY_MB).join(' ')}\` (the flags Lambda's bootstrap uses for a 128 MB function, test/lambda-runtime/lambda-environment.ts), the bundle built with the handlers' esbuild options.`,
      ...notes,
    ],
  );
}

function row(run: CappedRun, capped: boolean): Row {
  const { result } = run;
  const measurement = parse(result.stdout);
  const { rssBytes, cacheBytes, kernelBytes } = result.breakdown;
  const peak =
    result.peakBytes > 0
      ? `, cgroup peak ${formatBytes(result.peakBytes)} (rss ${formatBytes(rssBytes)}, page cache ${formatBytes(cacheBytes)}, kernel ${formatBytes(kernelBytes)})`
      : '';
  const rss = measurement ? `, VmHWM ${formatBytes(measurement.peakRssBytes)}` : '';
  const outcome = result.oomKilled
    ? `OOM-killed${peak}`
    : result.exitCode === 0 && measurement
      ? `ok in ${formatMs(measurement.ms, 0)}${peak}${rss}`
      : `failed: exit ${result.exitCode ?? result.signal}: ${errorLine(result.stderr)}`;
  if (run.control) {
    return {
      metric: run.label,
      ours: '-',
      baseline: outcome,
      ratio: '-',
      target: 'killed by the cap',
      result: capped && result.oomKilled ? 'PASS' : 'MISS',
    };
  }
  return {
    metric: run.label,
    ours: outcome,
    baseline: '-',
    ratio: '-',
    target: 'succeeds in 128 MiB',
    result: capped && !result.oomKilled && result.exitCode === 0 ? 'PASS' : 'MISS',
  };
}

/** The first stderr line that names an error, not Node's version footer. */
function errorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return (lines.find((line) => /Error|error:|FATAL/.test(line)) ?? lines.at(-1) ?? '')
    .trim()
    .slice(0, 200);
}

function parse(stdout: string): JobMeasurement | undefined {
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as JobMeasurement;
  } catch {
    return undefined;
  }
}

async function runUncapped(args: string[], env: NodeJS.ProcessEnv): Promise<CappedResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, args, {
      env,
      maxBuffer: 16 * MiB,
    });
    return {
      exitCode: 0,
      signal: null,
      oomKilled: false,
      peakBytes: 0,
      breakdown: NO_BREAKDOWN,
      stdout,
      stderr,
    };
  } catch (error) {
    const failure = error as {
      code?: number;
      signal?: NodeJS.Signals;
      stdout?: string;
      stderr?: string;
    };
    return {
      exitCode: failure.code ?? null,
      signal: failure.signal ?? null,
      oomKilled: false,
      peakBytes: 0,
      breakdown: NO_BREAKDOWN,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
    };
  }
}
