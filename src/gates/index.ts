export {
  evaluateRatings,
  type RatingEvaluation,
  type RatingThresholds,
} from './evaluate-ratings.js';
export { evaluateResponse, type ResponseExpectations } from './expectations.js';
export type { Gate } from './gate.js';
export { describeUrl, type HttpRequest, type HttpResult, httpRequest } from './http.js';
export {
  type PollContext,
  type PollResult,
  type PollState,
  type PollUntilOptions,
  pollUntil,
} from './poll-until.js';
export { type RatingGateParams, ratingGate, ratingGateParams } from './rating-gate.js';
export {
  DEFAULT_SCALE,
  detectRatingsFormat,
  type ParseRatingsOptions,
  parseRatings,
  type RatingScale,
  type RatingsFormat,
} from './ratings.js';
export {
  runSmokeChecks,
  type SmokeCheck,
  type SmokeCheckResult,
  type SmokeTestParams,
  type SmokeTestState,
  smokeCheckSchema,
  smokeTest,
  smokeTestParams,
} from './smoke-test.js';
export { type WaitForUrlParams, waitForUrl, waitForUrlParams } from './wait-for-url.js';
