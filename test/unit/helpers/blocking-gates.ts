/**
 * A handler module, as a user would deploy it, whose gate blocks its event loop in the
 * way WATCHDOG_TEST_SCENARIO says, with the watchdog on, reporting to the loopback
 * endpoint in WATCHDOG_TEST_ENDPOINT. lambda-runtime.mjs invokes it in a process of its
 * own (a blocked main thread can only be stopped by ending its process), from this
 * source under tsx or from an esbuild bundle of it. It also exports the event and
 * context builders, so the runtime needs nothing else from the bundle.
 */
import { existsSync } from 'node:fs';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { invokeAction } from '../../../src/index.js';

export { jobEvent } from '../../../src/testing/job-event.js';
export { lambdaContext } from '../../../src/testing/lambda-context.js';

export type GateScenario =
  /** Spins without yielding until Lambda would stop it, then ends the process as Lambda would. */
  | 'endless-loop'
  /** Blocks for a moment, well before the deadline, then answers. */
  | 'brief-block'
  /** Blocks until the file WATCHDOG_TEST_RELEASE exists (the test makes it after the watchdog answered), then returns success. */
  | 'block-until-released'
  /** Never blocks. */
  | 'normal';

/** The Lambda timeout the runtime gives each invocation, and the engine's margin. */
// The engine's deadline comes 1.5 s in, as before; the rest is room for a busy
// machine, where the watchdog thread (compiled by tsx from the sources) boots slowly
// (7 s seen under load): with 5 s in all, the gate process reached Lambda's end first.
export const REMAINING_MS = 60_000;
export const MARGIN_MS = 58_500;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread for `ms`: no timer and no I/O callback runs meanwhile. */
const blockFor = (ms: number) => Atomics.wait(sleeper, 0, 0, ms);

/** What Lambda does to an invocation still running at its timeout. */
function lambdaStopsTheProcess(): never {
  process.exit(137);
}

export const handler = invokeAction({
  // An explicit endpoint and region, and nothing in the environment says where
  // CodePipeline is: the watchdog must report where the engine's client does.
  client: new CodePipelineClient({
    region: 'eu-west-3',
    endpoint: process.env.WATCHDOG_TEST_ENDPOINT ?? 'http://127.0.0.1:9',
    maxAttempts: 1,
  }),
  timeoutMarginMs: MARGIN_MS,
  // A call the loopback endpoint answered, taken for a hung one on a busy machine, would
  // be retried and counted as a second request.
  reportTimeoutMs: 5000,
  watchdog: true,
  run(job) {
    const scenario = process.env.WATCHDOG_TEST_SCENARIO as GateScenario;
    switch (scenario) {
      case 'endless-loop':
        // Never yields. Bounded like on Lambda, so a failing test leaves no process spinning.
        while (job.remainingTimeMs() > 0) {}
        return lambdaStopsTheProcess();
      case 'brief-block':
        blockFor(200);
        return job.succeed({ summary: 'answered after a brief block' });
      case 'block-until-released': {
        const release = process.env.WATCHDOG_TEST_RELEASE ?? '';
        while (!existsSync(release)) {
          if (job.remainingTimeMs() <= 0) return lambdaStopsTheProcess();
          blockFor(20);
        }
        return job.succeed({ summary: 'answered after the watchdog' });
      }
      case 'normal':
        return job.succeed({ summary: 'answered normally' });
      default:
        throw new Error(`unknown scenario ${scenario}`);
    }
  },
});
