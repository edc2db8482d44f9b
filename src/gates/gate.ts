import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { InvokeActionOptions } from '../invoke-action.js';

/**
 * A ready-made gate: a `run` with the schema of its `UserParameters`. It is a valid
 * `invokeAction` options object as it is (`invokeAction(ratingGate)`), and can be
 * spread to add engine options (`invokeAction({ ...ratingGate, logLevel: 'debug' })`).
 * It holds no other keys, because `invokeAction` rejects unknown options.
 */
export type Gate<Schema extends StandardSchemaV1, State = unknown> = InvokeActionOptions<
  Schema,
  State
> & { readonly params: Schema };
