// Deployable waitForUrl (template.yaml: WaitForUrlFunction). Configure it with the
// action's UserParameters, e.g. {"url":"https://example.com/health","maxMinutes":15}.
import { waitForUrl } from '../src/gates/index.js';
import { invokeAction } from '../src/index.js';

export const handler = invokeAction(waitForUrl);
