// Deployable waitForUrl (template.yaml: WaitForUrlFunction). Configure it with the
// action's UserParameters, e.g. {"url":"https://example.com/health","maxMinutes":15}.
import { waitForUrl } from '../src/gates/index.js';
import { invokeAction } from '../src/index.js';

// The watchdog answers even if the gate ever blocks the event loop (README: "When run
// blocks the event loop"); it costs a thread started with the first invocation.
export const handler = invokeAction({ ...waitForUrl, watchdog: true });
