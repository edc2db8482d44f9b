/**
 * Runs a planned pipeline: stages in order, RunOrder groups in order, the actions of a
 * group in parallel. Artifacts move between actions through the embedded S3, output
 * variables through namespaces. A failed action lets its group finish, then stops the
 * pipeline. A skipped action's artifacts and variables do not exist, so actions that
 * need them are skipped too, with the reason.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../api-limits.js';
import type { LocalEnvironment } from '../environment.js';
import { artifactBody, type LocalArtifactStore } from '../invoke/artifact-store.js';
import { handlerEnvironment } from '../invoke/handler-env.js';
import type { HandlerPool } from '../invoke/handler-process.js';
import { runJobRounds } from '../invoke/rounds.js';
import type { LocalArtifact } from '../job-api/index.js';
import { type ApprovalInput, decideApproval } from './approval.js';
import type { EventLog } from './events.js';
import type { LiveView } from './live-view.js';
import type { PipelinePlan, PlannedAction } from './plan.js';
import { PipelineVariables } from './variables.js';

export interface RunnerOptions {
  readonly plan: PipelinePlan;
  readonly local: LocalEnvironment;
  readonly store: LocalArtifactStore;
  readonly pool: HandlerPool;
  readonly executionId: string;
  /** Folder per source action, by output artifact name or action name. */
  readonly sources: ReadonlyMap<string, string>;
  readonly approve: boolean;
  readonly input: ApprovalInput | undefined;
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly logDir: string;
  readonly maxRounds: number;
  readonly roundIntervalMs: number;
  readonly view: LiveView;
  readonly events: EventLog;
  readonly displayPath: (path: string) => string;
}

export type ActionResult =
  | {
      readonly state: 'succeeded';
      readonly summary: string;
      readonly variables?: Record<string, string>;
    }
  | { readonly state: 'failed'; readonly errorCode: string; readonly message: string }
  | { readonly state: 'skipped'; readonly reason: string };

export interface ActionRecord {
  readonly action: PlannedAction;
  readonly result: ActionResult;
  readonly logFile?: string;
}

export interface RunSummary {
  readonly status: 'succeeded' | 'failed';
  readonly actions: readonly ActionRecord[];
}

const fileSafe = (name: string) => name.replace(/[^\w.-]/g, '_');

export class PipelineRunner {
  readonly #options: RunnerOptions;
  readonly #artifacts = new Map<string, LocalArtifact>();
  /** Artifact name -> the skipped action that would have made it. */
  readonly #missing = new Map<string, string>();
  readonly #variables: PipelineVariables;
  readonly #records: ActionRecord[] = [];

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#variables = new PipelineVariables(options.executionId);
  }

  async run(): Promise<RunSummary> {
    const { plan, view, events, local } = this.#options;
    local.jobApi.pipelines.definePipeline(
      plan.name,
      plan.stages.map((stage) => ({
        name: stage.name,
        actions: stage.groups.flat().map((a) => a.name),
      })),
    );
    events.pipeline('STARTED');
    let failed = false;
    for (const stage of plan.stages) {
      if (failed) {
        view.stage(stage.name, 'not run');
        continue;
      }
      view.stage(stage.name, 'running');
      events.stage(stage.name, 'STARTED');
      this.#setStage(stage.name, 'InProgress');
      for (const group of stage.groups) {
        const results = await Promise.all(group.map((action) => this.#runAction(action)));
        if (results.some((result) => result.state === 'failed')) {
          failed = true;
          break;
        }
      }
      view.stage(stage.name, failed ? 'failed' : 'succeeded');
      events.stage(stage.name, failed ? 'FAILED' : 'SUCCEEDED');
      this.#setStage(stage.name, failed ? 'Failed' : 'Succeeded');
    }
    events.pipeline(failed ? 'FAILED' : 'SUCCEEDED');
    return { status: failed ? 'failed' : 'succeeded', actions: this.#records };
  }

  #setStage(stage: string, status: 'InProgress' | 'Succeeded' | 'Failed'): void {
    this.#options.local.jobApi.pipelines.setStageState(this.#options.plan.name, stage, {
      pipelineExecutionId: this.#options.executionId,
      status,
    });
  }

  async #runAction(action: PlannedAction): Promise<ActionResult> {
    const { view, events, local, plan } = this.#options;
    const skip = this.#skipReason(action);
    if (skip !== undefined) return this.#finish(action, { state: 'skipped', reason: skip });
    const actionExecutionId = randomUUID();
    const inputs = action.inputArtifacts.map((name) => this.#artifacts.get(name) as LocalArtifact);
    view.action(action.stage, action.name, 'running');
    events.action('STARTED', {
      stage: action.stage,
      action: action.name,
      actionExecutionId,
      type: action.type,
      inputArtifacts: inputs,
    });
    local.jobApi.pipelines.setActionState(plan.name, action.stage, action.name, {
      status: 'InProgress',
      actionExecutionId,
    });
    const outputs: LocalArtifact[] = [];
    let result: ActionResult;
    let logFile: string | undefined;
    try {
      if (action.kind === 'source') result = await this.#source(action, outputs);
      else if (action.kind === 'approval') result = await this.#approval(action);
      else {
        logFile = join(
          this.#options.logDir,
          `${fileSafe(action.stage)}.${fileSafe(action.name)}.log`,
        );
        result = await this.#invoke(action, inputs, outputs, logFile);
      }
    } catch (error) {
      result = { state: 'failed', errorCode: 'JobFailed', message: (error as Error).message };
    }
    if (result.state === 'skipped') return this.#finish(action, result, logFile);
    const succeeded = result.state === 'succeeded';
    const summary = result.state === 'succeeded' ? result.summary : result.message;
    const errorCode = result.state === 'failed' ? result.errorCode : undefined;
    events.action(succeeded ? 'SUCCEEDED' : 'FAILED', {
      stage: action.stage,
      action: action.name,
      actionExecutionId,
      type: action.type,
      inputArtifacts: inputs,
      outputArtifacts: outputs,
      result: { summary, ...(errorCode !== undefined ? { errorCode } : {}) },
    });
    local.jobApi.pipelines.setActionState(plan.name, action.stage, action.name, {
      status: succeeded ? 'Succeeded' : 'Failed',
      actionExecutionId,
      ...(errorCode === undefined
        ? { summary: summary.slice(0, LIMITS.summary) }
        : { errorDetails: { code: errorCode, message: summary.slice(0, LIMITS.failureMessage) } }),
    });
    if (succeeded) for (const artifact of outputs) this.#artifacts.set(artifact.name, artifact);
    return this.#finish(action, result, logFile);
  }

  #finish(action: PlannedAction, result: ActionResult, logFile?: string): ActionResult {
    const detail =
      result.state === 'succeeded'
        ? result.summary
        : result.state === 'failed'
          ? `${result.errorCode}: ${result.message}`
          : result.reason;
    this.#options.view.action(action.stage, action.name, result.state, detail);
    if (result.state === 'skipped') {
      for (const name of action.outputArtifacts)
        this.#missing.set(name, `${action.stage}/${action.name}`);
      if (action.namespace)
        this.#variables.markUnavailable(
          action.namespace,
          `${action.stage}/${action.name}: ${result.reason}`,
        );
    } else if (result.state === 'succeeded' && action.namespace) {
      this.#variables.set(action.namespace, result.variables ?? {});
    }
    this.#records.push({ action, result, ...(logFile ? { logFile } : {}) });
    return result;
  }

  /** Why the action cannot run: its kind, or inputs/variables that do not exist locally. */
  #skipReason(action: PlannedAction): string | undefined {
    if (action.skipReason !== undefined) return action.skipReason;
    for (const name of action.inputArtifacts) {
      if (this.#artifacts.has(name)) continue;
      const producer = this.#missing.get(name);
      return producer !== undefined
        ? `input artifact ${name} does not exist: ${producer} was skipped`
        : `input artifact ${name} is not produced by any earlier action`;
    }
    for (const value of Object.values(action.configuration)) {
      if (typeof value !== 'string') continue;
      const resolution = this.#variables.resolve(value);
      if (!resolution.ok && resolution.kind === 'skipped') return resolution.reason;
    }
    return undefined;
  }

  #resolve(text: unknown): string | undefined {
    if (typeof text !== 'string') return undefined;
    const resolution = this.#variables.resolve(text);
    if (!resolution.ok) throw new Error(`unable to resolve a variable: ${resolution.reason}`);
    return resolution.text;
  }

  async #source(action: PlannedAction, outputs: LocalArtifact[]): Promise<ActionResult> {
    const [artifactName] = action.outputArtifacts;
    if (artifactName === undefined) return { state: 'succeeded', summary: 'no output artifact' };
    const folder =
      this.#options.sources.get(artifactName) ?? this.#options.sources.get(action.name);
    if (folder === undefined) {
      return {
        state: 'failed',
        errorCode: 'ConfigurationError',
        message: `no folder for source ${artifactName}: pass --source ${artifactName}=<dir>`,
      };
    }
    const body = await artifactBody(folder, this.#options.displayPath(folder));
    outputs.push(await this.#options.store.upload(artifactName, body.zip));
    return { state: 'succeeded', summary: `${artifactName} <- ${body.description}` };
  }

  async #approval(action: PlannedAction): Promise<ActionResult> {
    const customData = this.#resolve(action.configuration.CustomData);
    const view = this.#options.view;
    view.pause();
    try {
      const decision = await decideApproval({
        approveFlag: this.#options.approve,
        input: this.#options.input,
        ask: (text) => view.note(text),
        question: `Manual approval ${action.stage}/${action.name}${customData ? `: ${customData}` : ''}`,
      });
      if (decision.approved) {
        return {
          state: 'succeeded',
          summary: `${decision.summary}${customData ? ` (${customData})` : ''}`,
        };
      }
      return { state: 'failed', errorCode: 'Rejected', message: decision.message };
    } finally {
      view.resume();
    }
  }

  async #invoke(
    action: PlannedAction,
    inputs: LocalArtifact[],
    outputs: LocalArtifact[],
    logFile: string,
  ): Promise<ActionResult> {
    const fn = action.fn;
    if (fn?.file === undefined) throw new Error('an Invoke action without a handler file');
    const { local, store, plan } = this.#options;
    const userParameters = this.#resolve(action.configuration.UserParameters);
    for (const name of action.outputArtifacts) outputs.push(store.slot(name));
    mkdirSync(this.#options.logDir, { recursive: true });
    const log = (line: string) => appendFileSync(logFile, `${line}\n`);
    const outcome = await runJobRounds({
      local,
      store,
      pool: this.#options.pool,
      poolKey: fn.logicalId,
      handler: {
        file: fn.file,
        exportName: fn.exportName,
        functionName: fn.functionName,
        memoryMb: fn.memoryMb,
        env: handlerEnvironment(this.#options.baseEnv, local, fn),
      },
      pipelineName: plan.name,
      stageName: action.stage,
      actionName: action.name,
      pipelineExecutionId: this.#options.executionId,
      ...(userParameters !== undefined ? { userParameters } : {}),
      inputArtifacts: inputs,
      outputArtifacts: outputs,
      timeoutMs: fn.timeoutSeconds * 1000,
      maxRounds: this.#options.maxRounds,
      roundIntervalMs: this.#options.roundIntervalMs,
      onRoundStart: (round, job) => {
        log(`--- round ${round}, job ${job.id}`);
        if (round > 1)
          this.#options.view.action(action.stage, action.name, 'running', `round ${round}`);
      },
      onLog: log,
      onRoundEnd: (report) => {
        if (report.note) log(`!!! ${report.note}`);
      },
    });
    const rounds = outcome.rounds.length > 1 ? ` (${outcome.rounds.length} rounds)` : '';
    if (outcome.status === 'failed') {
      return {
        state: 'failed',
        errorCode: outcome.failureType,
        message: `${outcome.message}${rounds}`,
      };
    }
    const variables = Object.entries(outcome.outputVariables).map(
      ([key, value]) => `${key}=${value}`,
    );
    return {
      state: 'succeeded',
      summary: `${outcome.summary ?? 'succeeded'}${rounds}${variables.length > 0 ? ` [${variables.join(', ')}]` : ''}`,
      variables: { ...outcome.outputVariables },
    };
  }
}
