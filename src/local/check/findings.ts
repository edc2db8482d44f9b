/**
 * What `check` reports: problems (the pipeline would fail on AWS, or CloudFormation would
 * refuse it) and warnings (something `check` cannot decide from the template, and why).
 * Each names its place in the template, e.g.
 * `Pipeline.Stages[1].Actions[0].Configuration.UserParameters.minAverage`.
 */

export type Severity = 'problem' | 'warning';

export interface Finding {
  readonly severity: Severity;
  /** Where in the template: `<LogicalId>.<Property>[index]...`. */
  readonly path: string;
  readonly message: string;
}

/** Collects the findings of one check run, in the order they were found. */
export class Findings {
  readonly #list: Finding[] = [];

  problem(path: string, message: string): void {
    this.#list.push({ severity: 'problem', path, message });
  }

  warning(path: string, message: string): void {
    this.#list.push({ severity: 'warning', path, message });
  }

  get all(): readonly Finding[] {
    return this.#list;
  }

  get problems(): readonly Finding[] {
    return this.#list.filter((finding) => finding.severity === 'problem');
  }

  get warnings(): readonly Finding[] {
    return this.#list.filter((finding) => finding.severity === 'warning');
  }
}
