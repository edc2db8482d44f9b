/**
 * The messages between the CLI and a handler process (Node IPC, structured clone). One
 * invocation at a time per process, as in a Lambda execution environment.
 */

export interface InvokeMessage {
  readonly type: 'invoke';
  /** Absolute path of the handler module. */
  readonly file: string;
  readonly exportName: string;
  readonly event: unknown;
  /** The Lambda timeout: the context's `getRemainingTimeInMillis` counts down from it. */
  readonly timeoutMs: number;
  readonly functionName: string;
  readonly memoryMb: number;
  readonly requestId: string;
}

export type WorkerMessage =
  /** The module is loaded (the "init" phase is over) and the handler was called. */
  | { readonly type: 'started'; readonly requestId: string }
  | {
      readonly type: 'finished';
      readonly requestId: string;
      readonly kind: 'returned' | 'threw' | 'load-error';
      readonly message?: string;
    };
