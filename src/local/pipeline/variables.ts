/**
 * Output variables by namespace, and `#{Namespace.variable}` references resolved from
 * them as CodePipeline does at run time. A namespace whose action was skipped locally
 * has no values: a reference to it is reported as such, not silently left in the text.
 */

const REFERENCE = /#\{([A-Za-z0-9@_-]+)\.([A-Za-z0-9@_-]+)\}/g;

export type Resolution =
  | { readonly ok: true; readonly text: string }
  /** `skipped`: the values do not exist locally; `missing`: they would not exist on AWS either. */
  | { readonly ok: false; readonly kind: 'skipped' | 'missing'; readonly reason: string };

export class PipelineVariables {
  readonly #values = new Map<string, Readonly<Record<string, string>>>();
  readonly #unavailable = new Map<string, string>();

  constructor(pipelineExecutionId: string) {
    // The namespace CodePipeline always provides.
    this.#values.set('codepipeline', { PipelineExecutionId: pipelineExecutionId });
  }

  set(namespace: string, values: Readonly<Record<string, string>>): void {
    this.#values.set(namespace, values);
  }

  /** The action of `namespace` did not run locally (skipped): say so where it is used. */
  markUnavailable(namespace: string, reason: string): void {
    this.#unavailable.set(namespace, reason);
  }

  resolve(text: string): Resolution {
    let failure: Resolution | undefined;
    const resolved = text.replace(REFERENCE, (reference, namespace: string, name: string) => {
      const values = this.#values.get(namespace);
      const value = values?.[name];
      if (value !== undefined) return value;
      if (failure === undefined) {
        const skipped = this.#unavailable.get(namespace);
        failure =
          skipped !== undefined
            ? {
                ok: false,
                kind: 'skipped',
                reason: `${reference} comes from a skipped action (${skipped})`,
              }
            : values === undefined
              ? {
                  ok: false,
                  kind: 'missing',
                  reason: `${reference}: no earlier action has the namespace ${namespace}`,
                }
              : {
                  ok: false,
                  kind: 'missing',
                  reason: `${reference}: namespace ${namespace} has no variable ${name} (it has: ${Object.keys(values).join(', ') || 'none'})`,
                };
      }
      return reference;
    });
    return failure ?? { ok: true, text: resolved };
  }
}
