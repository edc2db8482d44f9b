/**
 * The one reader of a pipeline's stages and actions: each action of an
 * `AWS::CodePipeline::Pipeline`, with its stage, RunOrder, type, namespace and artifact
 * names resolved, and the action as written. `check` judges these, `pipeline` plans them.
 */
import { type ResolveContext, resolveString, resolveValue } from './intrinsics.js';

/** One action of the pipeline, where it is, and when it runs. */
export interface ActionSite {
  /** `Pipeline.Stages[1].Actions[0]` */
  readonly path: string;
  readonly stageIndex: number;
  readonly stageName: string;
  readonly name: string;
  readonly runOrder: number;
  readonly category: string;
  readonly provider: string;
  readonly owner: string;
  /** ActionTypeId.Version as written ('' when missing). */
  readonly version: string;
  readonly namespace: string | undefined;
  readonly inputArtifacts: readonly string[];
  readonly outputArtifacts: readonly string[];
  /** The action as written in the template (intrinsics not resolved). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** `value` if it is a list, else none. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function artifactNames(value: unknown, context: ResolveContext): string[] {
  return list(value).map(
    (item) => resolveString((item as { Name?: unknown } | null)?.Name, context) ?? '',
  );
}

/**
 * Reads the pipeline's actions, in template order: what `check` judges and what
 * `pipeline` plans. Missing values stay empty ('' or []) for check to name; the plan
 * supplies its own defaults.
 */
export function pipelineActions(
  id: string,
  properties: Readonly<Record<string, unknown>>,
  context: ResolveContext,
): ActionSite[] {
  return list(properties.Stages).flatMap((rawStage, stageIndex) => {
    const stage = (rawStage ?? {}) as Record<string, unknown>;
    const stageName = resolveString(stage.Name, context) ?? '';
    return list(stage.Actions).map((rawAction, actionIndex) => {
      const raw = (rawAction ?? {}) as Record<string, unknown>;
      const type = (raw.ActionTypeId ?? {}) as Record<string, unknown>;
      const runOrder = resolveValue(raw.RunOrder ?? 1, context);
      return {
        path: `${id}.Stages[${stageIndex}].Actions[${actionIndex}]`,
        stageIndex,
        stageName,
        name: resolveString(raw.Name, context) ?? '',
        runOrder: typeof runOrder === 'string' ? Number(runOrder) : (runOrder as number),
        category: resolveString(type.Category, context) ?? '',
        provider: resolveString(type.Provider, context) ?? '',
        owner: resolveString(type.Owner, context) ?? '',
        version: String(resolveValue(type.Version, context) ?? ''),
        namespace: resolveString(raw.Namespace, context),
        inputArtifacts: artifactNames(raw.InputArtifacts, context),
        outputArtifacts: artifactNames(raw.OutputArtifacts, context),
        raw,
      };
    });
  });
}

export function isLambdaInvoke(action: ActionSite): boolean {
  return action.category === 'Invoke' && action.provider === 'Lambda' && action.owner === 'AWS';
}
