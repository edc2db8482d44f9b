// The one shared Lambda context fixture of the suite.
import { lambdaContext } from '../../src/testing/index.js';

export const context = (remainingTimeMs = 30_000) => lambdaContext({ remainingTimeMs });
