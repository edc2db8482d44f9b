// Deployable ratingGate (template.yaml: FeedbackGateFunction). Configure it with the
// action's UserParameters, e.g. {"file":"ratings.json","minAverage":4,"minCount":10}.
import { ratingGate } from '../src/gates/index.js';
import { invokeAction } from '../src/index.js';

export const handler = invokeAction(ratingGate);
