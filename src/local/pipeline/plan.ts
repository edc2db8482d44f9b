/**
 * What running a template's `AWS::CodePipeline::Pipeline` locally means, decided before
 * anything runs: stages in order, actions grouped by RunOrder, and for each action what
 * it is locally: a Source fed from a folder, an Invoke of a function of the template,
 * a manual approval, or an action that cannot run here (skipped, with the reason).
 */
import {
  functionForAction,
  type TemplateFunction,
  templateFunctions,
} from '../template/functions.js';
import {
  type ResolveContext,
  resolveString,
  resolveValue,
  Unresolved,
} from '../template/intrinsics.js';
import { TemplateError } from '../template/parse-template.js';

export interface ActionType {
  readonly owner: string;
  readonly category: string;
  readonly provider: string;
  readonly version: string;
}

export type ActionKind = 'source' | 'invoke' | 'approval' | 'unsupported';

export interface PlannedAction {
  readonly stage: string;
  readonly name: string;
  readonly runOrder: number;
  readonly type: ActionType;
  readonly kind: ActionKind;
  readonly namespace: string | undefined;
  readonly inputArtifacts: readonly string[];
  readonly outputArtifacts: readonly string[];
  /** Configuration with CloudFormation intrinsics resolved (`#{...}` left for run time). */
  readonly configuration: Readonly<Record<string, unknown>>;
  /** The template function an Invoke action runs. */
  readonly fn?: TemplateFunction;
  /** Why the action cannot run locally, known before the run. */
  readonly skipReason?: string;
}

export interface PlannedStage {
  readonly name: string;
  /** Actions grouped by RunOrder, ascending; the actions of a group run in parallel. */
  readonly groups: readonly (readonly PlannedAction[])[];
}

export interface PipelinePlan {
  readonly logicalId: string;
  readonly name: string;
  readonly stages: readonly PlannedStage[];
}

const PIPELINE_TYPE = 'AWS::CodePipeline::Pipeline';

export function pipelineIds(context: ResolveContext): string[] {
  return Object.entries(context.template.Resources)
    .filter(([, resource]) => resource.Type === PIPELINE_TYPE)
    .map(([id]) => id);
}

function names(list: unknown): string[] {
  return Array.isArray(list)
    ? list.map((item) => String((item as { Name?: unknown }).Name ?? '')).filter(Boolean)
    : [];
}

function unsupportedReason(type: ActionType): string {
  return `${type.category} actions by ${type.provider} do not run locally`;
}

function planAction(
  stage: string,
  raw: Record<string, unknown>,
  functions: ReadonlyMap<string, TemplateFunction>,
  context: ResolveContext,
): PlannedAction {
  const rawType = (raw.ActionTypeId ?? {}) as Record<string, unknown>;
  const type: ActionType = {
    owner: resolveString(rawType.Owner, context) ?? 'AWS',
    category: resolveString(rawType.Category, context) ?? 'Unknown',
    provider: resolveString(rawType.Provider, context) ?? 'Unknown',
    version: String(resolveValue(rawType.Version, context) ?? '1'),
  };
  const rawConfiguration = (raw.Configuration ?? {}) as Record<string, unknown>;
  const configuration = resolveValue(rawConfiguration, context) as Record<string, unknown>;
  const base = {
    stage,
    name: resolveString(raw.Name, context) ?? 'Unnamed',
    runOrder: Number(resolveValue(raw.RunOrder, context) ?? 1) || 1,
    type,
    namespace: resolveString(raw.Namespace, context),
    inputArtifacts: names(raw.InputArtifacts),
    outputArtifacts: names(raw.OutputArtifacts),
    configuration,
  };
  if (type.category === 'Source') return { ...base, kind: 'source' };
  if (type.category === 'Approval' && type.provider === 'Manual') {
    return { ...base, kind: 'approval' };
  }
  if (type.category !== 'Invoke' || type.provider !== 'Lambda') {
    return { ...base, kind: 'unsupported', skipReason: unsupportedReason(type) };
  }
  const fn = functionForAction(rawConfiguration.FunctionName, functions, context);
  if (fn === undefined) {
    const shown = String(resolveValue(rawConfiguration.FunctionName, context));
    return {
      ...base,
      kind: 'invoke',
      skipReason: `FunctionName ${shown} is not a function of this template`,
    };
  }
  if (fn.file === undefined) {
    return { ...base, kind: 'invoke', fn, skipReason: `${fn.logicalId}: ${fn.problem}` };
  }
  const parameters = configuration.UserParameters;
  if (parameters instanceof Unresolved) {
    return {
      ...base,
      kind: 'invoke',
      fn,
      skipReason: `UserParameters cannot be resolved locally: ${parameters.text}`,
    };
  }
  return { ...base, kind: 'invoke', fn };
}

export function planPipeline(
  context: ResolveContext,
  templateDir: string,
  logicalId: string | undefined,
): PipelinePlan {
  const ids = pipelineIds(context);
  if (ids.length === 0) throw new TemplateError(`the template declares no ${PIPELINE_TYPE}`);
  const id = logicalId ?? ids[0];
  if (id === undefined || !ids.includes(id)) {
    throw new TemplateError(
      `no pipeline ${logicalId} in the template (pipelines: ${ids.join(', ')})`,
    );
  }
  if (logicalId === undefined && ids.length > 1) {
    throw new TemplateError(
      `the template declares ${ids.length} pipelines (${ids.join(', ')}): choose one with --pipeline`,
    );
  }
  const properties = context.template.Resources[id]?.Properties ?? {};
  const functions = templateFunctions(context, templateDir);
  const stages = (Array.isArray(properties.Stages) ? properties.Stages : []).map((rawStage) => {
    const stage = rawStage as Record<string, unknown>;
    const stageName = resolveString(stage.Name, context) ?? 'Unnamed';
    const actions = (Array.isArray(stage.Actions) ? stage.Actions : []).map((action) =>
      planAction(stageName, action as Record<string, unknown>, functions, context),
    );
    const orders = [...new Set(actions.map((action) => action.runOrder))].sort((a, b) => a - b);
    return {
      name: stageName,
      groups: orders.map((order) => actions.filter((action) => action.runOrder === order)),
    };
  });
  return { logicalId: id, name: resolveString(properties.Name, context) ?? id, stages };
}
