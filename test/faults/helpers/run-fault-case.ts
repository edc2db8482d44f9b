/**
 * Runs rows of the fault matrix: each plants its fault, invokes the handler with a
 * Lambda context and waits for it to settle (or not); then, once every row has
 * settled and a late answer has had time to arrive, each is judged on what the
 * scripted CodePipeline endpoint received against what the row expects.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { mapConcurrently } from '../../../src/map-concurrently.js';
import { lambdaContext } from '../../../src/testing/index.js';
import type { JobApiRequest } from '../../helpers/job-api.js';
import type { FaultCase, FaultWorld, PreparedCase } from './fault-case.js';
import { type Settlement, settleWithin, type Verdict, verdictOf } from './verdict.js';

/** How long past Lambda's own deadline a handler may take before it counts as never settling. */
const SETTLE_GRACE_MS = 10_000;
/**
 * How long to keep listening after the last handler settled, so a stray late answer is
 * counted. Waited once for all the rows run together, after the last one settled, so
 * every row gets at least this long (waited per row, it was a third of the matrix's time).
 */
const LATE_ANSWER_GRACE_MS = 1000;

const ANSWER_TARGET = /\.PutJob(Success|Failure)Result$/;

export interface CaseResult {
  readonly faultCase: FaultCase;
  readonly verdict: Verdict;
  readonly settlement: Settlement;
  readonly answers: readonly JobApiRequest[];
  /** Where the row broke the promise or differed from what it expects; empty when it held. */
  readonly problems: readonly string[];
}

/** A row whose handler has settled (or never will), not yet judged. */
interface SettledCase {
  readonly faultCase: FaultCase;
  readonly prepared: PreparedCase;
  readonly settlement: Settlement;
}

/**
 * Runs `cases`, `parallel` rows at a time (each mostly waits on timers and sockets),
 * and judges them all once the last has settled and the late-answer grace has passed.
 * The results are in the order of `cases`.
 */
export async function runFaultRows(
  world: FaultWorld,
  cases: readonly FaultCase[],
  parallel: number,
): Promise<CaseResult[]> {
  const settled = await mapConcurrently(cases, parallel, (faultCase) =>
    settleFaultCase(world, faultCase),
  );
  await delay(LATE_ANSWER_GRACE_MS);
  return settled.map((row) => judgeFaultCase(world, row));
}

async function settleFaultCase(world: FaultWorld, faultCase: FaultCase): Promise<SettledCase> {
  const prepared = await faultCase.prepare(world);
  const { remainingTimeMs } = prepared.timing;
  // A handler that throws synchronously is a rejection too.
  const invocation = Promise.resolve().then(() =>
    prepared.handler(prepared.event, lambdaContext({ remainingTimeMs })),
  );
  const settlement = await settleWithin(invocation, remainingTimeMs + SETTLE_GRACE_MS);
  return { faultCase, prepared, settlement };
}

function judgeFaultCase(
  world: FaultWorld,
  { faultCase, prepared, settlement }: SettledCase,
): CaseResult {
  const answers =
    prepared.jobId === undefined
      ? []
      : world.aws.codePipeline
          .requestsFor(prepared.jobId)
          .filter((request) => ANSWER_TARGET.test(request.target));
  const verdict = verdictOf({ settlement, answers, closedBefore: prepared.closedBefore });

  const problems: string[] = [];
  const { expected } = faultCase;
  if (verdict !== expected.verdict) {
    problems.push(`expected ${expected.verdict}, got ${verdict}${describe(settlement)}`);
  } else if (expected.verdict === 'answered-once') {
    const taken = answers.find((answer) => answer.accepted);
    const received = taken ? answerOf(taken) : undefined;
    if (received?.answer !== expected.answer) {
      problems.push(`expected the answer ${expected.answer}, got ${received?.answer ?? 'none'}`);
    }
    if (expected.message && !expected.message.test(received?.message ?? '')) {
      problems.push(`expected a message matching ${expected.message}, got "${received?.message}"`);
    }
  } else if (expected.verdict === 'retry-signalled' && settlement.state === 'rejected') {
    // The one rejection the framework documents: it tried, nothing was taken, and it says which job.
    if (answers.length === 0) problems.push('rejected without trying to answer');
    const message = String((settlement.error as Error).message);
    if (!message.includes(prepared.jobId ?? '')) {
      problems.push(`the rejection does not name the job: "${message}"`);
    }
  }
  const seen = [
    ...(prepared.jobId === undefined ? [] : world.logsOf(prepared.jobId)),
    ...answers.map((answer) => JSON.stringify(answer.body)),
    settlement.state === 'rejected' ? String((settlement.error as Error)?.message) : '',
  ].join('\n');
  for (const secret of prepared.secrets) {
    if (seen.includes(secret)) problems.push('an artifact credential leaked into a log or answer');
  }
  return { faultCase, verdict, settlement, answers, problems };
}

/** What CodePipeline received: success, or the failure type, with the failure's message. */
function answerOf(request: JobApiRequest): { answer: string; message?: string } {
  if (request.target.endsWith('PutJobSuccessResult')) return { answer: 'succeeded' };
  const details = request.body.failureDetails as { type?: string; message?: string } | undefined;
  return {
    answer: details?.type ?? 'unknown',
    ...(details?.message !== undefined ? { message: details.message } : {}),
  };
}

function describe(settlement: Settlement): string {
  if (settlement.state === 'rejected') {
    const error = settlement.error as Error | undefined;
    return ` (the handler rejected with ${error?.name}: ${error?.message})`;
  }
  return settlement.state === 'pending' ? ' (the handler never settled)' : '';
}
