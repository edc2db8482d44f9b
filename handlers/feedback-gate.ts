// Deployable ratingGate (template.yaml: FeedbackGateFunction). Configure it with the
// action's UserParameters, e.g. {"file":"ratings.json","minAverage":4,"minCount":10}.
import { ratingGate } from '../src/gates/index.js';
import { invokeAction } from '../src/index.js';

// The watchdog answers even if the gate ever blocks the event loop (README: "When run
// blocks the event loop"); it costs a thread started with the first invocation.
export const handler = invokeAction({ ...ratingGate, watchdog: true });
