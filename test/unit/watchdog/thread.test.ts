import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler, handlerBuildOptions } from '../../../scripts/build.mjs';
import { graceMs, HEARTBEAT_MS } from '../../../src/watchdog/thread.js';
import { runGateProcess, SOURCE_GATES, waitFor } from '../helpers/gate-process.js';

describe('Function: graceMs', () => {
  it('waits a quarter of the margin, within bounds a heartbeat can be told from', () => {
    expect(graceMs(2000)).toBe(500);
    expect(graceMs(0)).toBe(2 * HEARTBEAT_MS);
    expect(graceMs(60_000)).toBe(1000);
  });
});

describe('Module: the watchdog thread, from esbuild bundles', () => {
  let dir: string;
  let split: string;
  let single: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'watchdog-bundles-'));
    // As `npm run build` bundles the handlers: ESM with splitting.
    split = (await bundleHandler(SOURCE_GATES, join(dir, 'split'))).file;
    // As `sam build` does from template.yaml: one file, no splitting.
    await esbuild.build({
      ...handlerBuildOptions(SOURCE_GATES, join(dir, 'single')),
      splitting: false,
      plugins: [],
    });
    single = join(dir, 'single', 'blocking-gates.mjs');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['with splitting (npm run build)', () => split],
    ['as one file (sam build)', () => single],
  ])('answers for an endless loop %s, exactly once', async (_name, bundle) => {
    // Prepare
    const gate = await runGateProcess('endless-loop', { gates: bundle() });
    const { jobId } = await gate.started();

    // Act
    await waitFor(
      () => gate.watchdogLines().some((line) => line.operation === 'PutJobFailureResult'),
      "the watchdog's report",
    );
    await gate.kill();

    // Assess: one answer, for this job (the thread loading the bundle runs no handler).
    expect(gate.endpoint.requests).toHaveLength(1);
    expect(gate.endpoint.requests[0]).toMatchObject({
      target: 'CodePipeline_20150709.PutJobFailureResult',
      body: { jobId, failureDetails: { type: 'JobFailed' } },
    });
  });
});
