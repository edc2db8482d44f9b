/**
 * The two permissions without which a Lambda Invoke action fails at run time: the
 * function's role must be allowed to answer CodePipeline (PutJobSuccessResult and
 * PutJobFailureResult), and the pipeline's role must be allowed to invoke the function.
 * Decided from the template's IAM statements where it holds them; a role or policy from
 * outside the template gives a warning instead.
 */
import type { TemplateFunction } from '../template/functions.js';
import { type ResolveContext, resolveValue, Unresolved } from '../template/intrinsics.js';
import type { TemplateResource } from '../template/parse-template.js';
import type { Findings } from './findings.js';

// Sources: the Lambda Invoke action must call PutJobSuccessResult or PutJobFailureResult
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-Lambda.html),
// CodePipeline's service role needs lambda:InvokeFunction for it
// (https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html),
// SAM's policy templates, CodePipelineLambdaExecutionPolicy among them
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html),
// and a SAM function without Role or Policies gets AWSLambdaBasicExecutionRole only
// (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies).

const PUT_JOB_RESULTS = ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'];
const INVOKE = 'lambda:InvokeFunction';
const ANSWER_TEMPLATE = 'CodePipelineLambdaExecutionPolicy';

/** AWS managed policies whose grants are known: those that allow the action, and those that do not. */
const MANAGED_GRANTS: Readonly<Record<string, 'all' | readonly string[]>> = {
  AdministratorAccess: 'all',
  PowerUserAccess: 'all',
  AWSCodePipeline_FullAccess: PUT_JOB_RESULTS,
  AWSCodePipelineFullAccess: PUT_JOB_RESULTS,
  AWSCodePipelineCustomActionAccess: PUT_JOB_RESULTS,
  AWSLambdaRole: [INVOKE],
  AWSLambda_FullAccess: [INVOKE],
  AWSLambdaFullAccess: [INVOKE],
  AWSLambdaBasicExecutionRole: [],
  AWSLambdaVPCAccessExecutionRole: [],
  AWSLambdaExecute: [],
  AWSXRayDaemonWriteAccess: [],
  AWSXrayWriteOnlyAccess: [],
  CloudWatchLambdaInsightsExecutionRolePolicy: [],
  AWSCodePipeline_ReadOnlyAccess: [],
};

type Verdict =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'no' }
  | { readonly kind: 'unknown'; readonly reason: string };

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
}

/** What a role is made of: statements the template spells out, and grants it does not. */
interface Grants {
  readonly statements: Statement[];
  /** Managed policies with known grants. */
  readonly managed: ('all' | readonly string[])[];
  /** Sources whose contents the template does not show, named for the warning. */
  readonly opaque: string[];
}

function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .split(/([*?])/)
    .map((part) =>
      part === '*' ? '.*' : part === '?' ? '.' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`, flags);
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `AWSLambdaBasicExecutionRole` from a name or an ARN (`arn:aws:iam::aws:policy/service-role/...`). */
function managedPolicyName(value: unknown, context: ResolveContext): string | undefined {
  const resolved = resolveValue(value, context);
  if (typeof resolved !== 'string' || resolved.includes('${')) return undefined;
  if (resolved.startsWith('arn:') && !resolved.includes(':iam::aws:policy/')) return undefined;
  return resolved.split('/').at(-1);
}

function addManaged(grants: Grants, value: unknown, context: ResolveContext, where: string): void {
  const name = managedPolicyName(value, context);
  const known = name === undefined ? undefined : MANAGED_GRANTS[name];
  if (known !== undefined) {
    grants.managed.push(known);
    return;
  }
  const resolved = resolveValue(value, context);
  const shown = typeof resolved === 'string' ? resolved : JSON.stringify(value);
  grants.opaque.push(
    `${where} is the managed policy ${shown}, whose statements are not in the template`,
  );
}

function addDocument(grants: Grants, document: unknown, where: string): void {
  if (!isRecord(document)) {
    grants.opaque.push(`${where} is not a policy document check can read`);
    return;
  }
  for (const statement of asList(document.Statement)) {
    if (isRecord(statement)) grants.statements.push(statement);
  }
}

/** The statements of an `AWS::IAM::Role` of the template, and policies attached to it. */
function roleGrants(
  roleId: string,
  resources: Readonly<Record<string, TemplateResource>>,
  context: ResolveContext,
): Grants {
  const grants: Grants = { statements: [], managed: [], opaque: [] };
  const role = resources[roleId]?.Properties ?? {};
  for (const [index, policy] of asList(role.Policies).entries()) {
    addDocument(
      grants,
      (policy as { PolicyDocument?: unknown })?.PolicyDocument,
      `${roleId}.Policies[${index}]`,
    );
  }
  for (const [index, arn] of asList(role.ManagedPolicyArns).entries()) {
    const id = (arn as { Ref?: unknown })?.Ref;
    if (typeof id === 'string' && resources[id]?.Type === 'AWS::IAM::ManagedPolicy') {
      addDocument(grants, resources[id]?.Properties?.PolicyDocument, id);
    } else addManaged(grants, arn, context, `${roleId}.ManagedPolicyArns[${index}]`);
  }
  // Policies that name the role from their side.
  for (const [id, resource] of Object.entries(resources)) {
    if (
      !['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy'].includes(
        resource.Type,
      )
    ) {
      continue;
    }
    const properties = resource.Properties ?? {};
    const roles = [...asList(properties.Roles), ...asList(properties.RoleName)];
    if (roles.some((role) => (role as { Ref?: unknown })?.Ref === roleId)) {
      addDocument(grants, properties.PolicyDocument, id);
    }
  }
  return grants;
}

/** `!GetAtt Role.Arn` (or `${Role.Arn}`) to a role of the template: its logical id. */
function templateRoleId(
  value: unknown,
  resources: Readonly<Record<string, TemplateResource>>,
): string | undefined {
  let id: unknown;
  if (isRecord(value) && Array.isArray(value['Fn::GetAtt'])) id = value['Fn::GetAtt'][0];
  else if (isRecord(value) && typeof value['Fn::GetAtt'] === 'string')
    id = value['Fn::GetAtt'].split('.')[0];
  else if (isRecord(value) && typeof value['Fn::Sub'] === 'string') {
    id = /^\$\{([A-Za-z0-9]+)\.Arn\}$/.exec(value['Fn::Sub'])?.[1];
  }
  return typeof id === 'string' && resources[id]?.Type === 'AWS::IAM::Role' ? id : undefined;
}

function grantsAction(statement: Statement, action: string): boolean {
  return asList(statement.Action).some(
    (pattern) => typeof pattern === 'string' && wildcard(pattern, 'i').test(action),
  );
}

/** Whether `resource` (an ARN, or '*' for actions without resource-level permissions) is covered. */
function coversResource(
  statement: Statement,
  resource: (value: unknown) => boolean | Unresolved,
): boolean | Unresolved {
  let unknown: Unresolved | undefined;
  for (const item of asList(statement.Resource)) {
    const covered = resource(item);
    if (covered === true) return true;
    if (covered instanceof Unresolved) unknown = covered;
  }
  return unknown ?? false;
}

function decide(
  grants: Grants,
  action: string,
  resource: (value: unknown) => boolean | Unresolved,
  context: ResolveContext,
): Verdict {
  let allowed = grants.managed.some((known) => known === 'all' || known.includes(action));
  const unknown: string[] = [];
  for (const raw of grants.statements) {
    // Resource stays as written: the resource test knows `!GetAtt Function.Arn`.
    const statement: Statement = {
      Effect: resolveValue(raw.Effect, context),
      Action: resolveValue(raw.Action, context),
      NotAction: raw.NotAction,
      Resource: raw.Resource,
      NotResource: raw.NotResource,
    };
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      unknown.push('a statement with NotAction/NotResource');
      continue;
    }
    if (!grantsAction(statement, action)) continue;
    const covered = coversResource(statement, resource);
    if (covered instanceof Unresolved) {
      unknown.push(`a statement on ${covered.text}`);
      continue;
    }
    if (!covered) continue;
    // An explicit Deny wins over every Allow.
    if (statement.Effect === 'Deny') return { kind: 'no' };
    if (statement.Effect === 'Allow') allowed = true;
  }
  if (allowed) return { kind: 'allowed' };
  const opaque = [...grants.opaque, ...unknown];
  return opaque.length > 0 ? { kind: 'unknown', reason: opaque.join(', ') } : { kind: 'no' };
}

/** Resource '*' only: PutJob*Result supports no resource-level permissions. */
function anyResource(context: ResolveContext): (value: unknown) => boolean | Unresolved {
  return (value) => {
    const resolved = resolveValue(value, context);
    return resolved instanceof Unresolved ? resolved : resolved === '*';
  };
}

/**
 * The function's role may call PutJobSuccessResult and PutJobFailureResult. Checked once
 * per function; `path` is the function's logical id.
 */
export function checkFunctionRole(
  fn: TemplateFunction,
  resources: Readonly<Record<string, TemplateResource>>,
  globals: Readonly<Record<string, unknown>>,
  context: ResolveContext,
  findings: Findings,
): void {
  const resource = resources[fn.logicalId];
  const properties = {
    ...(resource?.Type === 'AWS::Serverless::Function' ? globals : {}),
    ...(resource?.Properties ?? {}),
  };
  const id = fn.logicalId;
  let grants: Grants;
  let where: string;
  if (properties.Role !== undefined) {
    const roleId = templateRoleId(properties.Role, resources);
    if (roleId === undefined) {
      findings.warning(
        `${id}.Role`,
        `the role comes from outside the template: check cannot tell whether it allows ${PUT_JOB_RESULTS.join(' and ')}`,
      );
      return;
    }
    grants = roleGrants(roleId, resources, context);
    where = `${id}.Role`;
  } else if (resource?.Type === 'AWS::Lambda::Function') {
    findings.problem(`${id}.Role`, 'an AWS::Lambda::Function needs a Role');
    return;
  } else {
    grants = { statements: [], managed: [], opaque: [] };
    where = `${id}.Policies`;
    for (const [index, policy] of asList(properties.Policies).entries()) {
      const at = `${id}.Policies[${index}]`;
      if (isRecord(policy) && 'Statement' in policy) addDocument(grants, policy, at);
      else if (
        isRecord(policy) &&
        Object.keys(policy).length === 1 &&
        !('Ref' in policy) &&
        !Object.keys(policy)[0]?.startsWith('Fn::')
      ) {
        // A SAM policy template: a fixed document; only this one answers CodePipeline.
        grants.managed.push(ANSWER_TEMPLATE in policy ? PUT_JOB_RESULTS : []);
      } else addManaged(grants, policy, context, at);
    }
  }
  const missing: string[] = [];
  const unknown: string[] = [];
  const reasons = new Set<string>();
  for (const action of PUT_JOB_RESULTS) {
    const verdict = decide(grants, action, anyResource(context), context);
    if (verdict.kind === 'no') missing.push(action);
    if (verdict.kind === 'unknown') {
      unknown.push(action);
      reasons.add(verdict.reason);
    }
  }
  if (missing.length > 0) {
    findings.problem(
      where,
      `the function's role does not allow ${missing.join(' and ')} on Resource "*": the function cannot answer the job, and the action waits until CodePipeline times it out (add the SAM policy template ${ANSWER_TEMPLATE}: {} or a statement allowing both)`,
    );
  } else if (unknown.length > 0) {
    findings.warning(
      where,
      `check cannot tell whether the function's role allows ${unknown.join(' and ')}: ${[...reasons].join('; ')}`,
    );
  }
}

/** The ARN the function will have; its name is its FunctionName, else its logical id. */
function functionArn(fn: TemplateFunction, context: ResolveContext): string {
  return `arn:aws:lambda:${context.region}:${context.accountId}:function:${fn.functionName}`;
}

/** A statement's Resource item, resolved; `${Fn.Arn}` and `!GetAtt Fn.Arn` become the function's ARN. */
function invokeResource(
  functions: ReadonlyMap<string, TemplateFunction>,
  fn: TemplateFunction,
  context: ResolveContext,
): (value: unknown) => boolean | Unresolved {
  const arnOf = (id: string) => {
    const target = functions.get(id);
    return target === undefined ? undefined : functionArn(target, context);
  };
  const target = functionArn(fn, context);
  return (value) => {
    let rewritten = value;
    if (isRecord(value) && value['Fn::GetAtt'] !== undefined) {
      const [id, attribute] = Array.isArray(value['Fn::GetAtt'])
        ? value['Fn::GetAtt'].map(String)
        : String(value['Fn::GetAtt']).split('.');
      if (attribute === 'Arn' && id !== undefined && arnOf(id) !== undefined) rewritten = arnOf(id);
    } else if (isRecord(value) && value['Fn::Sub'] !== undefined) {
      const [text, variables] = Array.isArray(value['Fn::Sub'])
        ? value['Fn::Sub']
        : [value['Fn::Sub'], {}];
      const replaced = String(text).replace(
        /\$\{([A-Za-z0-9]+)\.Arn\}/g,
        (whole, id: string) => arnOf(id) ?? whole,
      );
      rewritten = { 'Fn::Sub': [replaced, variables] };
    }
    const resolved = resolveValue(rewritten, context);
    if (resolved instanceof Unresolved) return resolved;
    if (typeof resolved !== 'string') return false;
    // A qualified ARN (version or alias) also answers for the function.
    return wildcard(resolved).test(target) || wildcard(resolved).test(`${target}:*`);
  };
}

/**
 * The pipeline's role should invoke only what its Invoke actions use: a warning for each
 * Resource of an Allow of lambda:InvokeFunction that is `*` or covers none of them
 * (least privilege, https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege).
 */
function checkInvokeLeastPrivilege(
  path: string,
  roleId: string,
  grants: Grants,
  invoked: readonly TemplateFunction[],
  functions: ReadonlyMap<string, TemplateFunction>,
  context: ResolveContext,
  findings: Findings,
): void {
  const covers = invoked.map((fn) => invokeResource(functions, fn, context));
  for (const statement of grants.statements) {
    const action = resolveValue(statement.Action, context);
    if (resolveValue(statement.Effect, context) !== 'Allow') continue;
    if (!grantsAction({ Action: action }, INVOKE)) continue;
    for (const item of asList(statement.Resource)) {
      const resolved = resolveValue(item, context);
      if (resolved instanceof Unresolved) continue;
      const shown = typeof item === 'string' ? `"${item}"` : JSON.stringify(item);
      if (resolved === '*') {
        findings.warning(
          path,
          `the pipeline's role ${roleId} may invoke any function (Resource "*"), not only the ${invoked.length} its Invoke actions use (least privilege: name each with !GetAtt <Function>.Arn)`,
        );
      } else if (!covers.some((covered) => covered(item) === true)) {
        findings.warning(
          path,
          `the pipeline's role ${roleId} may invoke ${shown}, which no Invoke action of the pipeline uses (least privilege)`,
        );
      }
    }
  }
}

/** The pipeline's role may invoke each function of the template its Invoke actions use. */
export function checkPipelineRole(
  pipelineId: string,
  properties: Readonly<Record<string, unknown>>,
  invoked: readonly TemplateFunction[],
  functions: ReadonlyMap<string, TemplateFunction>,
  resources: Readonly<Record<string, TemplateResource>>,
  context: ResolveContext,
  findings: Findings,
): void {
  const path = `${pipelineId}.RoleArn`;
  if (properties.RoleArn === undefined) {
    findings.problem(path, 'a pipeline needs a RoleArn (the service role CodePipeline acts with)');
    return;
  }
  if (invoked.length === 0) return;
  const roleId = templateRoleId(properties.RoleArn, resources);
  if (roleId === undefined) {
    findings.warning(
      path,
      `the role comes from outside the template: check cannot tell whether it may invoke ${invoked.map((fn) => fn.logicalId).join(', ')} (${INVOKE})`,
    );
    return;
  }
  const grants = roleGrants(roleId, resources, context);
  checkInvokeLeastPrivilege(path, roleId, grants, invoked, functions, context, findings);
  for (const fn of invoked) {
    const verdict = decide(grants, INVOKE, invokeResource(functions, fn, context), context);
    if (verdict.kind === 'no') {
      findings.problem(
        path,
        `the pipeline's role ${roleId} does not allow ${INVOKE} on ${fn.logicalId}: the action fails before the function runs (add !GetAtt ${fn.logicalId}.Arn to a statement allowing ${INVOKE})`,
      );
    } else if (verdict.kind === 'unknown') {
      findings.warning(
        path,
        `check cannot tell whether ${roleId} may invoke ${fn.logicalId}: ${verdict.reason}`,
      );
    }
  }
}
