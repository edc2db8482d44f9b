/**
 * EventBridge events as CodePipeline emits them ("CodePipeline Pipeline/Stage/Action
 * Execution State Change", source aws.codepipeline), written one JSON object per line.
 * Shapes follow the examples in the CodePipeline user guide ("Monitoring CodePipeline
 * events"); `version` in `detail` is the pipeline structure version (1 here).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ActionType } from './plan.js';

export type PipelineState = 'STARTED' | 'SUCCEEDED' | 'FAILED';
export type StageState = 'STARTED' | 'SUCCEEDED' | 'FAILED';
export type ActionState = 'STARTED' | 'SUCCEEDED' | 'FAILED';

export interface ArtifactLocation {
  readonly name: string;
  readonly bucket: string;
  readonly key: string;
}

export interface ActionEventDetails {
  readonly stage: string;
  readonly action: string;
  readonly actionExecutionId: string;
  readonly type: ActionType;
  readonly inputArtifacts?: readonly ArtifactLocation[];
  readonly outputArtifacts?: readonly ArtifactLocation[];
  readonly result?: {
    readonly summary?: string;
    readonly externalExecutionId?: string;
    readonly errorCode?: string;
  };
}

export interface EventContext {
  readonly pipeline: string;
  readonly executionId: string;
  readonly region: string;
  readonly account: string;
  readonly startTime: Date;
}

const artifacts = (list: readonly ArtifactLocation[]) =>
  list.map((artifact) => ({
    name: artifact.name,
    s3location: { bucket: artifact.bucket, key: artifact.key },
  }));

export class EventLog {
  readonly #file: string | undefined;
  readonly #context: EventContext;
  readonly #events: Record<string, unknown>[] = [];

  /** Without `file`, events are only kept in memory. */
  constructor(context: EventContext, file?: string) {
    this.#context = context;
    this.#file = file;
    if (file !== undefined) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
    }
  }

  events(): readonly Record<string, unknown>[] {
    return this.#events;
  }

  pipeline(state: PipelineState): void {
    this.#emit('CodePipeline Pipeline Execution State Change', {
      ...(state === 'STARTED'
        ? {
            'execution-trigger': {
              'trigger-type': 'StartPipelineExecution',
              'trigger-detail': 'codepipeline-handler pipeline (local run)',
            },
          }
        : {}),
      state,
    });
  }

  stage(stage: string, state: StageState): void {
    this.#emit('CodePipeline Stage Execution State Change', { stage, state });
  }

  action(state: ActionState, details: ActionEventDetails): void {
    const result = details.result;
    const executionResult =
      result === undefined
        ? undefined
        : {
            ...(result.summary !== undefined
              ? { 'external-execution-summary': result.summary }
              : {}),
            ...(result.externalExecutionId !== undefined
              ? { 'external-execution-id': result.externalExecutionId }
              : {}),
            ...(result.errorCode !== undefined ? { 'error-code': result.errorCode } : {}),
          };
    this.#emit('CodePipeline Action Execution State Change', {
      stage: details.stage,
      ...(executionResult !== undefined ? { 'execution-result': executionResult } : {}),
      ...(details.inputArtifacts?.length
        ? { 'input-artifacts': artifacts(details.inputArtifacts) }
        : {}),
      ...(details.outputArtifacts?.length && state === 'SUCCEEDED'
        ? { 'output-artifacts': artifacts(details.outputArtifacts) }
        : {}),
      'action-execution-id': details.actionExecutionId,
      action: details.action,
      state,
      region: this.#context.region,
      type: { ...details.type },
    });
  }

  #emit(detailType: string, detail: Record<string, unknown>): void {
    const context = this.#context;
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: 'aws.codepipeline',
      account: context.account,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: context.region,
      resources: [`arn:aws:codepipeline:${context.region}:${context.account}:${context.pipeline}`],
      detail: {
        pipeline: context.pipeline,
        'execution-id': context.executionId,
        'start-time': context.startTime.toISOString(),
        ...detail,
        version: 1,
        'pipeline-execution-attempt': 1,
      },
    };
    this.#events.push(event);
    if (this.#file !== undefined) appendFileSync(this.#file, `${JSON.stringify(event)}\n`);
  }
}
