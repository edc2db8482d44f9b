/**
 * The fault matrix: every point where an invocation can go wrong, crossed with the
 * ways it goes wrong there, each run through the framework's real handler, the real
 * AWS SDK and loopback endpoints (a scripted CodePipeline, s3rver behind a faulting
 * proxy, a fake STS). Each row must end with exactly one answer CodePipeline took, or
 * none further for a job already closed, or (only when nothing could be delivered,
 * or the event is no job at all) a rejection so Lambda retries. The table printed at
 * the end counts what became of every job; a stuck or double-answered job fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackAws, startLoopbackAws } from '../helpers/loopback-aws.js';
import { artifactFaultCases } from './cases/artifact-faults.js';
import { inputFaultCases } from './cases/input-faults.js';
import { reportFaultCases } from './cases/report-faults.js';
import { runFaultCases } from './cases/run-faults.js';
import { BUCKET, type FaultCase } from './helpers/fault-case.js';
import { faultTable } from './helpers/fault-table.js';
import { captureJobLogs } from './helpers/log-capture.js';
import { type CaseResult, runFaultRows } from './helpers/run-fault-case.js';
import { installS3Faults } from './helpers/s3-faults.js';
import { BROKEN_PROMISES } from './helpers/verdict.js';

const CASES: readonly FaultCase[] = [
  ...inputFaultCases(),
  ...artifactFaultCases(),
  ...runFaultCases(),
  ...reportFaultCases(),
];

const WARM_UP_SUCCESS = CASES.find(
  ({ expected }) => expected.verdict === 'answered-once' && expected.answer === 'succeeded',
) as FaultCase;
const WARM_UP_FAILURE = CASES.find(
  ({ expected }) => expected.verdict === 'answered-once' && expected.answer !== 'succeeded',
) as FaultCase;

/** Rows run this many at a time: each mostly waits on timers and sockets. */
const PARALLEL_ROWS = 8;

describe('Fault matrix: one honest answer per job, whatever fails', () => {
  let aws: LoopbackAws;
  let results: CaseResult[] = [];

  beforeAll(async () => {
    aws = await startLoopbackAws({ buckets: [BUCKET] });
    const logs = captureJobLogs();
    try {
      const world = { aws, s3Faults: installS3Faults(aws.s3), logsOf: logs.logsOf };
      // Warm-up, not counted: the first calls through the SDK load its lazily imported
      // modules, which on a busy machine takes longer than a report timeout, so eight
      // cold rows at once would each time out an answer that was in fact taken. One
      // success and one failure row first, alone (each row uses a job of its own).
      for (const warmUp of [WARM_UP_SUCCESS, WARM_UP_FAILURE]) {
        await runFaultRows(world, [warmUp], 1);
      }
      results = await runFaultRows(world, CASES, PARALLEL_ROWS);
    } finally {
      logs.restore();
    }
    // Rows wait for deadlines of up to 8 s, eight at a time: 20 s on a quiet machine.
  }, 300_000);

  afterAll(async () => {
    if (results.length > 0) console.log(`\nFault matrix\n\n${faultTable(results)}\n`);
    await aws?.close();
  });

  it('leaves no job stuck, double-answered or rejected without reason', () => {
    // Assess
    const broken = results.filter((result) => BROKEN_PROMISES.has(result.verdict));
    expect(results).toHaveLength(CASES.length);
    expect(
      broken.map(({ faultCase, verdict }) => `${faultCase.point} / ${faultCase.kind}: ${verdict}`),
    ).toEqual([]);
  });

  describe.each(CASES.map((faultCase, index) => ({ faultCase, index })))(
    '$faultCase.point: $faultCase.kind',
    ({ index }) => {
      it('ends as expected', () => {
        // Assess
        expect(results[index]?.problems).toEqual([]);
      });
    },
  );
});
