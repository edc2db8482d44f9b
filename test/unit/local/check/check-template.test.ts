import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../src/local/run-cli.js';
import { runCliProcess } from '../../../helpers/local-cli.js';
import { FIXTURES, ROOT, runCheck } from './run-check.js';

let trace: string;

beforeAll(async () => {
  trace = await mkdtemp(join(tmpdir(), 'check-trace-'));
});

afterAll(async () => {
  await rm(trace, { recursive: true, force: true });
});

describe('Command: check', () => {
  it('passes a sound pipeline, importing its handler in a process with the function environment but never calling it', async () => {
    // Act
    const result = await runCheck('valid', { PATH: process.env.PATH, CHECK_TRACE_DIR: trace });

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Checked ${FIXTURES}/valid.yaml: 1 pipeline (Pipeline), 1 handler\nNo problems found.\n`,
    );
    // The module was loaded, as Lambda's init would, with the function's name set ...
    expect(readFileSync(join(trace, 'imported'), 'utf8')).toBe('GateFunction');
    // ... and its run, which would leave this file, was not called.
    expect(existsSync(join(trace, 'ran'))).toBe(false);
  });

  it('reports a handler the file does not export, and warns for one not built with this package', async () => {
    // Act
    const notExported = await runCheck('handler-not-exported');
    const plain = await runCheck('plain-handler');

    // Assess
    expect(notExported.code).toBe(1);
    expect(notExported.problems).toEqual([
      `GateFunction.Handler: ${FIXTURES}/handlers/gate.ts has no function export 'gate' (function exports: handler): Lambda would fail every invocation with Runtime.HandlerNotFound`,
    ]);
    expect(plain.code).toBe(0);
    expect(plain.warnings).toEqual([
      "Pipeline.Stages[1].Actions[0].Configuration.UserParameters: GateFunction's handler is not built with invokeAction, and no exported codePipelineJob middleware exposes a params schema: UserParameters are not checked",
    ]);
    expect(plain.stdout).toMatch(/0 problems, 1 warning\n$/);
  });

  it('exits 2 with a clear message on input it cannot work with, and never with a stack trace', async () => {
    // Act
    const results = await Promise.all(
      ['not-yaml', 'no-pipeline', 'missing-handler', 'throws-on-import', 'no-such-template'].map(
        (fixture) => runCheck(fixture),
      ),
    );

    // Assess
    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2, 2]);
    expect(results.map((result) => result.stderr.split('\n')[0])).toEqual([
      `codepipeline-handler check: ${FIXTURES}/not-yaml.yaml is not valid YAML: Tabs are not allowed as indentation at line 3, column 1:`,
      `codepipeline-handler check: ${FIXTURES}/no-pipeline.yaml declares no AWS::CodePipeline::Pipeline: nothing to check`,
      'codepipeline-handler check: Pipeline.Stages[1].Actions[0] invokes GateFunction, whose handler file is missing: no source file for Handler no-such-file.handler in handlers (looked for .ts, .mts, .cts, .js, .mjs, .cjs)',
      `codepipeline-handler check: the handler of GateFunction (${FIXTURES}/handlers/throws-on-import.ts) failed to load: Error: SETTINGS_TABLE is not set`,
      `codepipeline-handler check: template ${FIXTURES}/no-such-template.yaml does not exist`,
    ]);
    for (const result of results) {
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("passes the project's own template.yaml, run as a user runs the CLI", async () => {
    // Act
    const { code, stdout, stderr } = await runCliProcess(['check', 'template.yaml']);

    // Assess
    expect(stderr).toBe('');
    expect(stdout).toBe(
      'Checked template.yaml: 1 pipeline (Pipeline), 4 handlers\nNo problems found.\n',
    );
    expect(code).toBe(0);
  }, 120_000);
});

describe('Command: pipeline (the check that runs first)', () => {
  it('stops before running anything when check finds problems, naming them; --no-check skips it', async () => {
    // Prepare
    let stdout = '';
    const run = (extra: readonly string[]) => {
      stdout = '';
      return runCli(['pipeline', `${FIXTURES}/artifacts.yaml`, ...extra], {
        stdout: (text) => {
          stdout += text;
        },
        stderr: () => {},
        env: { PATH: process.env.PATH },
        cwd: ROOT,
        waitForShutdown: () => new Promise(() => {}),
      });
    };

    // Act
    const checked = await run([]);
    const checkedOutput = stdout;
    const unchecked = await run(['--no-check', '--source', `SourceOutput=${ROOT}sample-source`]);

    // Assess
    expect(checked).toBe(1);
    expect(checkedOutput).toContain(
      "problem: Pipeline.Stages[1].Actions[2].InputArtifacts[0].Name: input artifact 'BuildOutput' is not produced by any action",
    );
    expect(checkedOutput).toMatch(
      /The pipeline did not run: fix the problems above, or skip the check with --no-check\.\n$/,
    );
    expect(checkedOutput).not.toContain('Pipeline Pipeline from');
    // Without the check it runs (CodeBuild actions are skipped locally) and says so.
    expect(stdout).toContain(`Pipeline Pipeline from ${FIXTURES}/artifacts.yaml`);
    expect(unchecked).toBe(0);
  });
});
