// Deployable smokeTest (template.yaml: SmokeTestFunction). Configure it with the
// action's UserParameters, e.g. {"checks":[{"url":"https://example.com/health"}]}.
import { smokeTest } from '../src/gates/index.js';
import { invokeAction } from '../src/index.js';

// The watchdog answers even if the gate ever blocks the event loop (README: "When run
// blocks the event loop"); it costs a thread started with the first invocation.
export const handler = invokeAction({ ...smokeTest, watchdog: true });
