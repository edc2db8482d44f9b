/**
 * The structure rules CodePipeline's CreatePipeline/UpdatePipeline (and the Lambda Invoke
 * action type) enforce, checked on a template's `AWS::CodePipeline::Pipeline` before it
 * is deployed. Each rule cites the documentation page it comes from.
 */
import { type ResolveContext, resolveString, resolveValue } from '../template/intrinsics.js';
import {
  type ActionSite,
  isLambdaInvoke,
  list,
  pipelineActions,
} from '../template/pipeline-actions.js';
import type { Findings } from './findings.js';

// Each rule cites its source: the pipeline structure reference, the quotas page, the
// ActionDeclaration API reference, the variables reference, the Lambda Invoke action reference.

/** `#{Namespace.variable}`, as CodePipeline resolves it at run time. */
export const VARIABLE_REFERENCE = /#\{([A-Za-z0-9@_-]+)\.([A-Za-z0-9@_-]+)\}/g;

// Stage and action names: 1 to 100 of [A-Za-z0-9.@-_]
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html, "Characters allowed in
// ...").
const NAME = /^[A-Za-z0-9.@_-]{1,100}$/;
// Namespaces: 1 to 100 of [A-Za-z0-9@-_]
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html,
// namespace).
const NAMESPACE = /^[A-Za-z0-9@_-]{1,100}$/;
// Configuration keys 1 to 50 characters, values 1 to 1000
// (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html,
// configuration;
// https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html repeats the
// 1000 for values written with #{...}).
const MAX_CONFIGURATION_KEY = 50;
const MAX_CONFIGURATION_VALUE = 1000;
// A Lambda Invoke action takes 0 to 5 input and 0 to 5 output artifacts
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html).
const MAX_LAMBDA_ARTIFACTS = 5;
// Namespaces CodePipeline itself provides
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html):
// `codepipeline` for the execution
// (#{codepipeline.PipelineExecutionId}), `variables` for pipeline-level variables.
const RESERVED_NAMESPACES = new Set(['codepipeline', 'variables']);

function isUnknown(text: string): boolean {
  return text.includes('${');
}

/** The strings a configuration value holds, as CloudFormation passes them on. */
export function configurationText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Whether `earlier` has finished before `later` starts: an earlier stage, or a lower RunOrder. */
export function runsBefore(earlier: ActionSite, later: ActionSite): boolean {
  return (
    earlier.stageIndex < later.stageIndex ||
    (earlier.stageIndex === later.stageIndex && earlier.runOrder < later.runOrder)
  );
}

function checkStages(
  id: string,
  properties: Readonly<Record<string, unknown>>,
  actions: readonly ActionSite[],
  context: ResolveContext,
  findings: Findings,
): void {
  const stages = list(properties.Stages);
  // At least two stages
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html,
  // pipeline requirements).
  if (stages.length < 2) {
    findings.problem(
      `${id}.Stages`,
      `a pipeline needs at least two stages (it has ${stages.length})`,
    );
  }
  // Stage names are unique in a pipeline
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html;
  // https://docs.aws.amazon.com/codepipeline/latest/userguide/limits.html, "Uniqueness of names").
  const seen = new Map<string, number>();
  for (const [index, rawStage] of stages.entries()) {
    const path = `${id}.Stages[${index}]`;
    const name = resolveString((rawStage as { Name?: unknown } | null)?.Name, context);
    if (name === undefined || name === '') {
      findings.problem(`${path}.Name`, 'a stage needs a Name');
    } else {
      if (!isUnknown(name) && !NAME.test(name)) {
        findings.problem(
          `${path}.Name`,
          `stage name '${name}' must be 1 to 100 characters of A-Z a-z 0-9 . @ - _`,
        );
      }
      const first = seen.get(name);
      if (first !== undefined) {
        findings.problem(
          `${path}.Name`,
          `stage name '${name}' is already used by Stages[${first}]`,
        );
      } else seen.set(name, index);
    }
    if (list((rawStage as { Actions?: unknown } | null)?.Actions).length === 0) {
      findings.problem(`${path}.Actions`, 'a stage needs at least one action');
    }
  }
  // The first stage holds source actions only, at least one; no other stage holds one
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html,
  // pipeline requirements).
  for (const action of actions) {
    const isSource = action.category === 'Source';
    if (action.stageIndex === 0 && !isSource) {
      findings.problem(
        `${action.path}.ActionTypeId.Category`,
        `the first stage may hold source actions only; ${action.name} is of category ${action.category || '(none)'}`,
      );
    }
    if (action.stageIndex > 0 && isSource) {
      findings.problem(
        `${action.path}.ActionTypeId.Category`,
        `a source action may only be in the first stage; ${action.name} is in stage '${action.stageName}'`,
      );
    }
  }
  if (stages.length > 0 && !actions.some((a) => a.stageIndex === 0 && a.category === 'Source')) {
    findings.problem(`${id}.Stages[0]`, 'the first stage needs at least one source action');
  }
}

function checkActionNames(actions: readonly ActionSite[], findings: Findings): void {
  // Action names are unique within a stage
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html,
  // action requirements).
  const seen = new Map<string, string>();
  for (const action of actions) {
    if (action.name === '') {
      findings.problem(`${action.path}.Name`, 'an action needs a Name');
      continue;
    }
    if (!isUnknown(action.name) && !NAME.test(action.name)) {
      findings.problem(
        `${action.path}.Name`,
        `action name '${action.name}' must be 1 to 100 characters of A-Z a-z 0-9 . @ - _`,
      );
    }
    const key = `${action.stageIndex}/${action.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      findings.problem(
        `${action.path}.Name`,
        `action name '${action.name}' is already used in stage '${action.stageName}' (${first})`,
      );
    } else seen.set(key, action.path);
    // RunOrder is a positive integer
    // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html,
    // action requirements).
    if (!Number.isInteger(action.runOrder) || action.runOrder < 1) {
      findings.problem(
        `${action.path}.RunOrder`,
        `RunOrder must be a whole number from 1 (got ${String(action.raw.RunOrder)})`,
      );
    }
  }
}

function checkArtifacts(actions: readonly ActionSite[], findings: Findings): void {
  // Output artifact names are unique in a pipeline
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html,
  // action requirements).
  const producers = new Map<string, ActionSite>();
  for (const action of actions) {
    for (const [index, name] of action.outputArtifacts.entries()) {
      const path = `${action.path}.OutputArtifacts[${index}].Name`;
      if (name === '') {
        findings.problem(path, 'an output artifact needs a Name');
        continue;
      }
      const first = producers.get(name);
      if (first !== undefined) {
        findings.problem(path, `output artifact '${name}' is already produced by ${first.path}`);
      } else producers.set(name, action);
    }
  }
  // An input artifact is the output of an action that ran before: an earlier stage, or a
  // lower RunOrder in the same stage
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-pipeline-structure.html,
  // action requirements).
  for (const action of actions) {
    for (const [index, name] of action.inputArtifacts.entries()) {
      const path = `${action.path}.InputArtifacts[${index}].Name`;
      const producer = producers.get(name);
      if (producer === undefined) {
        const known = [...producers.keys()];
        findings.problem(
          path,
          `input artifact '${name}' is not produced by any action (artifacts: ${known.join(', ') || 'none'})`,
        );
      } else if (!runsBefore(producer, action)) {
        findings.problem(
          path,
          `input artifact '${name}' is produced by ${producer.stageName}/${producer.name}, which does not run before this action (an earlier stage, or a lower RunOrder in the same stage)`,
        );
      }
    }
  }
}

function checkNamespaces(
  properties: Readonly<Record<string, unknown>>,
  id: string,
  actions: readonly ActionSite[],
  context: ResolveContext,
  findings: Findings,
): void {
  // A namespace is unique across the pipeline and may not equal an artifact name
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html,
  // "Namespaces"); its characters as
  // https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html says.
  const artifacts = new Set(actions.flatMap((action) => action.outputArtifacts));
  const owners = new Map<string, ActionSite>();
  for (const action of actions) {
    const namespace = action.namespace;
    if (namespace === undefined) continue;
    const path = `${action.path}.Namespace`;
    if (!NAMESPACE.test(namespace)) {
      findings.problem(path, `namespace '${namespace}' must be 1 to 100 of A-Z a-z 0-9 @ - _`);
    }
    if (RESERVED_NAMESPACES.has(namespace)) {
      findings.problem(path, `namespace '${namespace}' is reserved by CodePipeline`);
    }
    if (artifacts.has(namespace)) {
      findings.problem(path, `namespace '${namespace}' is also an artifact name`);
    }
    const first = owners.get(namespace);
    if (first !== undefined) {
      findings.problem(path, `namespace '${namespace}' is already used by ${first.path}`);
    } else owners.set(namespace, action);
  }
  // `#{ns.var}` names the namespace of an action that ran before, or a reserved one
  // (https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html);
  // `#{variables.x}` a pipeline-level variable the pipeline declares.
  const declared = new Set(
    list(properties.Variables).map((item) =>
      resolveString((item as { Name?: unknown } | null)?.Name, context),
    ),
  );
  for (const action of actions) {
    const configuration = (action.raw.Configuration ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(configuration)) {
      const text = configurationText(resolveValue(value, context));
      for (const [reference, namespace, variable] of text.matchAll(VARIABLE_REFERENCE)) {
        const path = `${action.path}.Configuration.${key}`;
        if (namespace === 'codepipeline') continue;
        if (namespace === 'variables') {
          if (!declared.has(variable)) {
            findings.problem(
              path,
              `${reference}: the pipeline declares no variable '${variable}' (${id}.Variables)`,
            );
          }
          continue;
        }
        const owner = namespace === undefined ? undefined : owners.get(namespace);
        if (owner === undefined) {
          findings.problem(path, `${reference}: no action has the namespace '${namespace}'`);
        } else if (!runsBefore(owner, action)) {
          findings.problem(
            path,
            `${reference}: namespace '${namespace}' belongs to ${owner.stageName}/${owner.name}, which does not run before this action`,
          );
        }
      }
    }
  }
}

function checkConfiguration(
  actions: readonly ActionSite[],
  context: ResolveContext,
  findings: Findings,
): void {
  for (const action of actions) {
    const configuration = (action.raw.Configuration ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(configuration)) {
      const path = `${action.path}.Configuration.${key}`;
      if (key.length > MAX_CONFIGURATION_KEY) {
        findings.problem(
          path,
          `a configuration key may have at most ${MAX_CONFIGURATION_KEY} characters`,
        );
      }
      const text = configurationText(resolveValue(value, context));
      if (text.length > MAX_CONFIGURATION_VALUE) {
        findings.problem(
          path,
          `${text.length} characters: a configuration value may have at most ${MAX_CONFIGURATION_VALUE} (#{...} references count as written)`,
        );
      } else if (text.length === 0) {
        findings.problem(path, 'a configuration value may not be empty');
      }
    }
    if (!isLambdaInvoke(action)) continue;
    // FunctionName is required; 0 to 5 input and output artifacts
    // (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html).
    const functionName = configuration.FunctionName;
    if (functionName === undefined || functionName === null || functionName === '') {
      findings.problem(
        `${action.path}.Configuration.FunctionName`,
        'a Lambda Invoke action needs a FunctionName',
      );
    }
    for (const [property, names] of [
      ['InputArtifacts', action.inputArtifacts],
      ['OutputArtifacts', action.outputArtifacts],
    ] as const) {
      if (names.length > MAX_LAMBDA_ARTIFACTS) {
        findings.problem(
          `${action.path}.${property}`,
          `a Lambda Invoke action takes at most ${MAX_LAMBDA_ARTIFACTS} ${property === 'InputArtifacts' ? 'input' : 'output'} artifacts (it has ${names.length})`,
        );
      }
    }
  }
}

/** Checks the pipeline `id`'s structure; returns its actions for the checks that follow. */
export function checkPipelineStructure(
  id: string,
  properties: Readonly<Record<string, unknown>>,
  context: ResolveContext,
  findings: Findings,
): ActionSite[] {
  if (!Array.isArray(properties.Stages)) {
    findings.problem(`${id}.Stages`, 'a pipeline needs a list of Stages');
    return [];
  }
  const actions = pipelineActions(id, properties, context);
  checkStages(id, properties, actions, context, findings);
  checkActionNames(actions, findings);
  checkArtifacts(actions, findings);
  checkNamespaces(properties, id, actions, context, findings);
  checkConfiguration(actions, context, findings);
  return actions;
}
