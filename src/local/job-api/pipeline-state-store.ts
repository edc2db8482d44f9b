/**
 * The pipelines the embedded CodePipeline knows, for `GetPipelineState` and
 * `StartPipelineExecution`. A runner fills it in as it moves through a pipeline; the
 * store only remembers what it is told.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { JobApiError } from './protocol.js';
import type { StartPipelineExecutionInput } from './validation.js';

export type ActionExecutionStatus = 'InProgress' | 'Abandoned' | 'Succeeded' | 'Failed';
export type StageExecutionStatus =
  | 'Cancelled'
  | 'InProgress'
  | 'Failed'
  | 'Stopped'
  | 'Stopping'
  | 'Succeeded'
  | 'Skipped';

export interface ActionStateUpdate {
  readonly status: ActionExecutionStatus;
  readonly summary?: string;
  readonly externalExecutionId?: string;
  readonly percentComplete?: number;
  /** The continuation token, while the action is in progress. */
  readonly token?: string;
  readonly errorDetails?: { readonly code?: string; readonly message?: string };
  readonly actionExecutionId?: string;
}

interface ActionRecord {
  readonly name: string;
  latest: (ActionStateUpdate & { lastStatusChange: Date }) | undefined;
}

interface StageRecord {
  readonly name: string;
  readonly actions: ActionRecord[];
  latest: { pipelineExecutionId: string; status: StageExecutionStatus } | undefined;
}

interface PipelineRecord {
  readonly name: string;
  readonly stages: StageRecord[];
  readonly created: Date;
  updated: Date;
}

export interface PipelineExecutionRequest extends StartPipelineExecutionInput {
  readonly pipelineExecutionId: string;
  readonly requestedAt: Date;
}

export interface PipelineStateStoreEvents {
  executionStarted: [request: PipelineExecutionRequest];
}

const seconds = (date: Date) => date.getTime() / 1000;

export class PipelineStateStore extends EventEmitter<PipelineStateStoreEvents> {
  private readonly pipelines = new Map<string, PipelineRecord>();
  private readonly executions: PipelineExecutionRequest[] = [];

  /** Declares a pipeline and its stages/actions in order (idempotent; keeps known state). */
  definePipeline(
    name: string,
    stages: readonly { readonly name: string; readonly actions: readonly string[] }[] = [],
  ): void {
    for (const stage of stages) {
      for (const action of stage.actions) this.action(name, stage.name, action);
    }
    if (stages.length === 0) this.pipeline(name);
  }

  has(name: string): boolean {
    return this.pipelines.has(name);
  }

  /** Sets an action's latest execution; unknown pipelines, stages and actions are added. */
  setActionState(
    pipelineName: string,
    stageName: string,
    actionName: string,
    update: ActionStateUpdate,
  ): void {
    const action = this.action(pipelineName, stageName, actionName);
    action.latest = { ...update, lastStatusChange: new Date() };
    this.touch(pipelineName);
  }

  setStageState(
    pipelineName: string,
    stageName: string,
    latest: { pipelineExecutionId: string; status: StageExecutionStatus },
  ): void {
    this.stage(pipelineName, stageName).latest = { ...latest };
    this.touch(pipelineName);
  }

  /** Every `StartPipelineExecution` accepted so far, oldest first. */
  executionRequests(): readonly PipelineExecutionRequest[] {
    return [...this.executions];
  }

  /** Records a `StartPipelineExecution`; a repeated client token returns the same id. */
  startExecution(input: StartPipelineExecutionInput): { pipelineExecutionId: string } {
    if (!this.pipelines.has(input.name)) {
      throw new JobApiError('PipelineNotFoundException', `Pipeline ${input.name} was not found`);
    }
    const previous =
      input.clientRequestToken === undefined
        ? undefined
        : this.executions.find(
            (execution) =>
              execution.name === input.name &&
              execution.clientRequestToken === input.clientRequestToken,
          );
    if (previous !== undefined) return { pipelineExecutionId: previous.pipelineExecutionId };
    const request: PipelineExecutionRequest = {
      ...input,
      pipelineExecutionId: randomUUID(),
      requestedAt: new Date(),
    };
    this.executions.push(request);
    this.emit('executionStarted', request);
    return { pipelineExecutionId: request.pipelineExecutionId };
  }

  /** The `GetPipelineState` output (JSON 1.1: timestamps in epoch seconds). */
  describe(name: string): Record<string, unknown> {
    const pipeline = this.pipelines.get(name);
    if (pipeline === undefined) {
      throw new JobApiError('PipelineNotFoundException', `Pipeline ${name} was not found`);
    }
    return {
      pipelineName: pipeline.name,
      pipelineVersion: 1,
      created: seconds(pipeline.created),
      updated: seconds(pipeline.updated),
      stageStates: pipeline.stages.map((stage) => ({
        stageName: stage.name,
        inboundTransitionState: { enabled: true },
        ...(stage.latest === undefined ? {} : { latestExecution: { ...stage.latest } }),
        actionStates: stage.actions.map((action) => ({
          actionName: action.name,
          ...(action.latest === undefined
            ? {}
            : {
                latestExecution: {
                  ...action.latest,
                  lastStatusChange: seconds(action.latest.lastStatusChange),
                },
              }),
        })),
      })),
    };
  }

  private pipeline(name: string): PipelineRecord {
    let pipeline = this.pipelines.get(name);
    if (pipeline === undefined) {
      const now = new Date();
      pipeline = { name, stages: [], created: now, updated: now };
      this.pipelines.set(name, pipeline);
    }
    return pipeline;
  }

  private stage(pipelineName: string, stageName: string): StageRecord {
    const pipeline = this.pipeline(pipelineName);
    let stage = pipeline.stages.find((candidate) => candidate.name === stageName);
    if (stage === undefined) {
      stage = { name: stageName, actions: [], latest: undefined };
      pipeline.stages.push(stage);
    }
    return stage;
  }

  private action(pipelineName: string, stageName: string, actionName: string): ActionRecord {
    const stage = this.stage(pipelineName, stageName);
    let action = stage.actions.find((candidate) => candidate.name === actionName);
    if (action === undefined) {
      action = { name: actionName, latest: undefined };
      stage.actions.push(action);
    }
    return action;
  }

  private touch(pipelineName: string): void {
    this.pipeline(pipelineName).updated = new Date();
  }
}
