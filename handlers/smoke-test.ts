// Deployable smokeTest (template.yaml: SmokeTestFunction). Configure it with the
// action's UserParameters, e.g. {"checks":[{"url":"https://example.com/health"}]}.
import { smokeTest } from '../src/gates/index.js';
import { invokeAction } from '../src/index.js';

export const handler = invokeAction(smokeTest);
