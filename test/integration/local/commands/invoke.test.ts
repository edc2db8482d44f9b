import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from '../../../helpers/local-cli.js';

const HANDLERS = 'test/fixtures/pipelines/handlers';
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'invoke-command-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Command: invoke', () => {
  it('follows continuation tokens until the job succeeds, printing each round, and extracts the outputs', async () => {
    // Prepare
    const paramsFile = join(work, 'params.json');
    await writeFile(paramsFile, '{"label":"from-a-file"}\n');
    const outDir = join(work, 'outputs');

    // Act
    const { code, stdout } = await runCliProcess([
      'invoke',
      `${HANDLERS}/continue-twice.ts#handler`,
      '--input',
      'SourceOutput=test/fixtures/pipelines/source',
      '--output',
      'Report',
      '--params',
      `@${paramsFile}`,
      '--round-interval',
      '0',
      '--out-dir',
      outDir,
    ]);

    // Assess
    expect(code).toBe(0);
    const jobIds = [...stdout.matchAll(/^Round (\d) {2}job ([0-9a-f-]{36})$/gm)];
    expect(jobIds.map((match) => match[1])).toEqual(['1', '2', '3']);
    expect(new Set(jobIds.map((match) => match[2])).size).toBe(3);
    expect(stdout).toContain('  | working on step 1 of round 1');
    expect(stdout).toContain('  | working on step 3 of round 3');
    expect(stdout).toMatch(/-> in progress after [\d.]+ s: step 1 of 3 done \[continuation token/);
    expect(stdout).toMatch(/-> in progress after [\d.]+ s: step 2 of 3 done/);
    expect(stdout).toMatch(/-> succeeded after [\d.]+ s: all 3 steps done/);
    expect(stdout).toContain(
      'input   SourceOutput <- test/fixtures/pipelines/source (folder, 1 file, zipped)',
    );
    expect(stdout).toContain('Result: Succeeded after 3 rounds');
    expect(stdout).toContain('    label = from-a-file');
    expect(stdout).toContain('    steps = 3');
    expect(await readFile(join(outDir, 'Report', 'report.txt'), 'utf8')).toBe(
      'label=from-a-file\n',
    );
    expect(
      JSON.parse(await readFile(join(outDir, 'Report', 'nested', 'rounds.json'), 'utf8')),
    ).toEqual({ rounds: 3 });
  });

  it('prints the failure type and message and exits 1 when the job fails', async () => {
    // Act
    const { code, stdout } = await runCliProcess(['invoke', `${HANDLERS}/fails.ts`]);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('-> failed after');
    expect(stdout).toContain(
      'Result: Failed after 1 round\n  ConfigurationError: minAverage is missing from UserParameters',
    );
  });

  it("reports a hanging framework handler as timed out by the engine's deadline", async () => {
    // Act
    const { code, stdout } = await runCliProcess([
      'invoke',
      `${HANDLERS}/hangs.ts`,
      '--timeout',
      '2',
    ]);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toMatch(/JobFailed: The job timed out: run did not finish within \d+ ms/);
    expect(stdout).not.toContain('sent no result');
  });

  it('says a hand-written handler that never answers sent no result within the Lambda timeout', async () => {
    // Act
    const started = Date.now();
    const { code, stdout } = await runCliProcess([
      'invoke',
      `${HANDLERS}/hangs-raw.mjs`,
      '--timeout',
      '1.5',
    ]);

    // Assess
    expect(code).toBe(1);
    // It stopped (a CLI in a node of its own with tsx, slow to start on a busy machine).
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(stdout).toContain('  | waiting forever');
    expect(stdout).toContain('-> no result (timed out after 1.5 s)');
    expect(stdout).toContain(
      'JobFailed: the handler sent no result within the Lambda timeout of 1.5 s',
    );
  }, 90_000);

  it('exits 2 with a message on usage errors', async () => {
    // Act
    const results = await Promise.all([
      runCliProcess(['invoke']),
      runCliProcess(['invoke', `${HANDLERS}/no-such-file.ts`]),
      runCliProcess(['invoke', `${HANDLERS}/fails.ts`, '--input', 'NoEquals']),
      runCliProcess(['invoke', `${HANDLERS}/fails.ts`, '--timeout', 'soon']),
      runCliProcess(['invoke', `${HANDLERS}/fails.ts`, '--params', '@missing.json']),
      runCliProcess(['invoke', `${HANDLERS}/fails.ts`, '--output', 'bad name']),
    ]);

    // Assess
    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(results.map((result) => result.stderr.split('\n')[0])).toEqual([
      'codepipeline-handler: invoke takes exactly one <handler-file>[#export]',
      expect.stringMatching(/handler file .*no-such-file\.ts does not exist/),
      "codepipeline-handler: --input takes Name=value (got 'NoEquals')",
      "codepipeline-handler: --timeout must be a number of seconds (got 'soon')",
      expect.stringMatching(/--params @missing\.json: .*missing\.json does not exist/),
      expect.stringContaining('--output bad name: artifact names are'),
    ]);
  });

  it('prints its options with --help', async () => {
    // Act
    const { code, stdout } = await runCliProcess(['invoke', '--help']);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Usage: codepipeline-handler invoke [options] <handler-file>[#export]',
    );
    for (const flag of [
      '--input <Name=dir|zip>',
      '--output <Name>',
      '--params <JSON|@file>',
      '--timeout <seconds>',
      '--max-rounds <N>',
      '--out-dir <dir>',
    ]) {
      expect(stdout).toContain(flag);
    }
  });
});
