/**
 * The order `npm test` starts its files in: the slowest first, across all four projects.
 *
 * Vitest's own order runs the projects one after another and, on a machine with no
 * results cached (a CI clone), the largest files first. On 2 workers that ended the
 * run with one worker busy on a 21 s watchdog file while the other sat idle, and put
 * the 45 s package test a minute in. Starting the long files first lets the many short
 * ones fill the gaps. This changes when a file starts, never what it checks.
 */
import { relative } from 'node:path';
import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/**
 * Seconds each slow file took in one quiet `npm test` run on 2 cores (2026-12-01; the
 * fault matrix after its late-answer grace was waited once). A file not listed counts
 * as quick. A stale figure only costs speed.
 */
const MEASURED_SECONDS: Readonly<Record<string, number>> = {
  'test/integration/package.test.ts': 45,
  'test/integration/artifacts/memory-cap.test.ts': 38,
  'test/unit/template/template.test.ts': 19,
  'test/integration/local/commands/pipeline.test.ts': 19,
  'test/integration/local/commands/invoke.test.ts': 18,
  'test/unit/watchdog/index.test.ts': 21,
  // Its rows run in its beforeAll, so vitest's own report gives it no time.
  'test/faults/fault-matrix.test.ts': 20,
  'test/self/open-handles.test.ts': 14,
  'test/integration/local/cli.test.ts': 9,
  'test/unit/artifacts/hostile-zips-memory.test.ts': 9,
  'test/lambda-runtime/smoke-bundle.test.ts': 8,
  'test/unit/watchdog/thread.test.ts': 8,
  'test/unit/local/check/check-template.test.ts': 7,
  'test/unit/template/build.test.ts': 5,
  'test/integration/local/commands/serve.test.ts': 4,
  'test/faults/duplicate-delivery.test.ts': 3,
  'test/integration/artifacts/job-artifacts-s3.test.ts': 3,
  'test/unit/artifacts/zip-writer.test.ts': 3,
};

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Vitest's order (its cached results, else file size) breaks ties; the sort is stable.
    const byDefault = await super.sort(files);
    const cache = this.ctx.cache;
    const expectedMs = (spec: TestSpecification): number => {
      const cached = cache.getTestSpecificationResult(spec);
      if (cached?.failed) return Number.POSITIVE_INFINITY;
      if (cached) return cached.duration;
      const path = relative(this.ctx.config.root, spec.moduleId).replaceAll('\\', '/');
      return (MEASURED_SECONDS[path] ?? 0) * 1000;
    };
    return byDefault.sort((a, b) => expectedMs(b) - expectedMs(a));
  }
}
