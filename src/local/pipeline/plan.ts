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
import { type ActionSite, list, pipelineActions } from '../template/pipeline-actions.js';

export interface ActionType {
  readonly owner: string;
  readonly category: string;
  readonly provider: string;
  readonly version: string;
}

export type ActionKind = 'source' | 'invoke' | 'approval' | 'unsupported';

/** An action as the template reader gives it (name, RunOrder, namespace, artifacts), planned. */
export interface PlannedAction
  extends Pick<
    ActionSite,
    'name' | 'runOrder' | 'namespace' | 'inputArtifacts' | 'outputArtifacts'
  > {
  readonly stage: string;
  readonly type: ActionType;
  readonly kind: ActionKind;
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

function unsupportedReason(type: ActionType): string {
  return `${type.category} actions by ${type.provider} do not run locally`;
}

/** What `site` is locally; the defaults stand in for what check would have refused. */
function planAction(
  stage: string,
  site: ActionSite,
  functions: ReadonlyMap<string, TemplateFunction>,
  context: ResolveContext,
): PlannedAction {
  const type: ActionType = {
    owner: site.owner || 'AWS',
    category: site.category || 'Unknown',
    provider: site.provider || 'Unknown',
    version: site.version || '1',
  };
  const rawConfiguration = (site.raw.Configuration ?? {}) as Record<string, unknown>;
  const configuration = resolveValue(rawConfiguration, context) as Record<string, unknown>;
  const base = {
    stage,
    name: site.name || 'Unnamed',
    runOrder: site.runOrder || 1,
    type,
    namespace: site.namespace,
    inputArtifacts: site.inputArtifacts.filter(Boolean),
    outputArtifacts: site.outputArtifacts.filter(Boolean),
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
  const sites = pipelineActions(id, properties, context);
  const stages = list(properties.Stages).map((rawStage, stageIndex) => {
    const stageName = resolveString((rawStage as { Name?: unknown } | null)?.Name, context);
    const actions = sites
      .filter((site) => site.stageIndex === stageIndex)
      .map((site) => planAction(stageName || 'Unnamed', site, functions, context));
    const orders = [...new Set(actions.map((action) => action.runOrder))].sort((a, b) => a - b);
    return {
      name: stageName || 'Unnamed',
      groups: orders.map((order) => actions.filter((action) => action.runOrder === order)),
    };
  });
  return { logicalId: id, name: resolveString(properties.Name, context) ?? id, stages };
}
