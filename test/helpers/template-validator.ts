// Checks a SAM template the way a careful reviewer would before `sam deploy`: every
// property against the CloudFormation resource specification, every reference, and
// the wiring that makes a CodePipeline Invoke action work (function exists, can
// answer the job, gets the artifacts it reads, is the only thing the pipeline may invoke).
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Template, TemplateResource } from '../../src/local/template/parse-template.js';
import { checkIntrinsics } from './template-references.js';
import { closest, isPlainObject, loadResourceSpec, type SpecResource } from './template-spec.js';

export interface BuiltFunction {
  readonly logicalId: string;
  /** `esbuild`: SAM bundles `entry`; `makefile`: SAM runs the Makefile's `build-<logicalId>`. */
  readonly buildMethod: 'esbuild' | 'makefile';
  /** The handler's source file, relative to the project root. */
  readonly entry: string;
  /** The file Lambda loads, relative to the function's build folder (`handlers/feedback-gate.mjs`). */
  readonly outputFile: string;
  readonly exportName: string;
}

export interface ValidationReport {
  readonly problems: string[];
  /** The esbuild-built functions, for a caller that wants to build and import them. */
  readonly functions: BuiltFunction[];
}

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'Metadata',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);

// What the SAM CLI passes on to esbuild (aws-lambda-builders, nodejs_npm_esbuild).
const ESBUILD_PROPERTIES = new Set([
  'EntryPoints',
  'External',
  'Format',
  'Loader',
  'MainFields',
  'Minify',
  'OutExtension',
  'Sourcemap',
  'SourcesContent',
  'Target',
  'Banner',
]);
const ESBUILD_LISTS = ['EntryPoints', 'External', 'Loader', 'OutExtension', 'Banner'];

const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);
const PUT_JOB_ACTIONS = ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'];

/** Validates `template`; file paths (CodeUri, EntryPoints) are resolved against `root`. */
export function validateTemplate(template: Template, root: string): ValidationReport {
  const problems: string[] = [];
  const spec = loadResourceSpec();
  const resources = template.Resources ?? {};
  if (template.Transform !== 'AWS::Serverless-2016-10-31') {
    problems.push('Transform: must be AWS::Serverless-2016-10-31 for AWS::Serverless::Function');
  }

  for (const [id, resource] of Object.entries(resources)) {
    const path = `Resources.${id}`;
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problems.push(`${path}.${key}: not a resource attribute`);
    }
    const type = spec.resource(resource.Type);
    if (!type) {
      problems.push(`${path}.Type: ${resource.Type} is not in the resource specification`);
      continue;
    }
    problems.push(
      ...spec.checkProperties(type, propertiesOf(template, resource), `${path}.Properties`),
    );
  }
  problems.push(...checkIntrinsics(template, (type) => attributesOf(spec.resource(type), type)));

  const functions: BuiltFunction[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Serverless::Function') continue;
    const built = checkFunctionBuild(id, resource, root, problems);
    if (built) functions.push(built);
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::CodePipeline::Pipeline')
      checkPipeline(template, id, resource, problems);
  }
  return { problems, functions };
}

/** SAM merges `Globals.Function` into every function; check what SAM would deploy. */
function propertiesOf(template: Template, resource: TemplateResource): Record<string, unknown> {
  const own = resource.Properties ?? {};
  const globals = template.Globals?.Function;
  if (resource.Type !== 'AWS::Serverless::Function' || !isPlainObject(globals)) return own;
  return { ...globals, ...own };
}

/** SAM functions expose the attributes of the AWS::Lambda::Function they become. */
function attributesOf(resource: SpecResource | undefined, type: string): string[] | undefined {
  if (type === 'AWS::Serverless::Function') {
    return attributesOf(
      loadResourceSpec().resource('AWS::Lambda::Function'),
      'AWS::Lambda::Function',
    );
  }
  if (!resource) return undefined;
  const names = Object.keys(resource.attributes ?? {});
  return names.length > 0 ? names : undefined;
}

function checkFunctionBuild(
  id: string,
  resource: TemplateResource,
  root: string,
  problems: string[],
): BuiltFunction | undefined {
  const path = `Resources.${id}`;
  const properties = resource.Properties ?? {};
  const handler = properties.Handler;
  const codeUri = typeof properties.CodeUri === 'string' ? properties.CodeUri : '.';
  if (typeof handler !== 'string' || !/^[\w./-]+\.\w+$/.test(handler)) {
    problems.push(
      `${path}.Properties.Handler: expected "<file>.<export>", got ${JSON.stringify(handler)}`,
    );
    return undefined;
  }
  const dot = handler.lastIndexOf('.');
  const module = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const metadata = resource.Metadata ?? {};
  if (metadata.BuildMethod === 'makefile') {
    return checkMakefileBuild(id, root, codeUri, module, exportName, problems);
  }
  if (metadata.BuildMethod !== 'esbuild') {
    problems.push(
      `${path}.Metadata.BuildMethod: expected makefile or esbuild (the handlers are TypeScript)`,
    );
    return undefined;
  }
  const build = isPlainObject(metadata.BuildProperties) ? metadata.BuildProperties : {};
  for (const key of Object.keys(build)) {
    if (!ESBUILD_PROPERTIES.has(key)) {
      const hint = closest(key, [...ESBUILD_PROPERTIES]);
      problems.push(
        `${path}.Metadata.BuildProperties.${key}: not passed to esbuild by SAM${hint ? ` (did you mean ${hint}?)` : ''}`,
      );
    }
  }
  for (const key of ESBUILD_LISTS) {
    if (key in build && !Array.isArray(build[key])) {
      problems.push(`${path}.Metadata.BuildProperties.${key}: SAM requires a list`);
    }
  }
  const entries = Array.isArray(build.EntryPoints) ? build.EntryPoints : [];
  const entry = entries[0];
  if (typeof entry !== 'string') {
    problems.push(`${path}.Metadata.BuildProperties.EntryPoints: needs the handler's source file`);
    return undefined;
  }
  if (!existsSync(join(root, codeUri, entry))) {
    problems.push(`${path}.Metadata.BuildProperties.EntryPoints: ${entry} does not exist`);
  }
  // esbuild names the output after the entry file, in the out extension SAM was given.
  const outExtension = (Array.isArray(build.OutExtension) ? build.OutExtension : [])
    .map(String)
    .find((mapping) => mapping.startsWith('.js='))
    ?.slice('.js='.length);
  const outputFile = `${basename(entry, extname(entry))}${outExtension ?? '.js'}`;
  if (`${module}${outExtension ?? '.js'}` !== outputFile) {
    problems.push(
      `${path}.Properties.Handler: ${handler} names ${module}${outExtension ?? '.js'}, but esbuild writes ${outputFile} for ${entry}`,
    );
  }
  if (build.Format === 'esm' && outExtension !== '.mjs') {
    problems.push(
      `${path}.Metadata.BuildProperties.OutExtension: an ESM bundle needs .js=.mjs (no package.json says "type": "module" in the build folder)`,
    );
  }
  return { logicalId: id, buildMethod: 'esbuild', entry, outputFile, exportName };
}

/**
 * `BuildMethod: makefile`: SAM runs `make --makefile <CodeUri>/Makefile build-<id>`, and
 * deploys what the target puts in ARTIFACTS_DIR. Our targets write the bundle of
 * `<module>.ts` as `<module>.mjs`, so the Handler's module names both files.
 */
function checkMakefileBuild(
  id: string,
  root: string,
  codeUri: string,
  module: string,
  exportName: string,
  problems: string[],
): BuiltFunction | undefined {
  const path = `Resources.${id}`;
  const makefile = join(root, codeUri, 'Makefile');
  if (!existsSync(makefile)) {
    problems.push(
      `${path}.Metadata.BuildMethod: makefile, but there is no ${join(codeUri, 'Makefile')}`,
    );
    return undefined;
  }
  const targets = [...readFileSync(makefile, 'utf8').matchAll(/^([\w-]+):/gm)].map((m) => m[1]);
  if (!targets.includes(`build-${id}`)) {
    problems.push(
      `${path}.Metadata.BuildMethod: makefile, but the Makefile has no build-${id} target`,
    );
  }
  const entry = join(codeUri, `${module}.ts`);
  if (!existsSync(join(root, entry))) {
    problems.push(
      `${path}.Properties.Handler: ${module}.${exportName} names no source file ${entry}`,
    );
  }
  return { logicalId: id, buildMethod: 'makefile', entry, outputFile: `${module}.mjs`, exportName };
}

interface Action {
  Name?: string;
  Namespace?: string;
  ActionTypeId?: { Category?: string; Owner?: string; Provider?: string };
  Configuration?: Record<string, unknown>;
  InputArtifacts?: { Name?: string }[];
  OutputArtifacts?: { Name?: string }[];
  RunOrder?: number;
}

function checkPipeline(
  template: Template,
  id: string,
  pipeline: TemplateResource,
  problems: string[],
): void {
  const resources = template.Resources;
  const stages = (pipeline.Properties?.Stages ?? []) as { Name?: string; Actions?: Action[] }[];
  const produced = new Map<string, string>();
  const namespaces = new Set<string>();
  const invoked = new Set<string>();

  for (const [stageIndex, stage] of stages.entries()) {
    const actions = stage.Actions ?? [];
    const runOrders = [...new Set(actions.map((action) => action.RunOrder ?? 1))].sort(
      (a, b) => a - b,
    );
    for (const runOrder of runOrders) {
      const batch = actions.filter((action) => (action.RunOrder ?? 1) === runOrder);
      for (const action of batch) {
        const path = `Resources.${id}.Stages[${stage.Name ?? stageIndex}].${action.Name ?? '?'}`;
        for (const input of action.InputArtifacts ?? []) {
          if (!input.Name || !produced.has(input.Name)) {
            problems.push(
              `${path}.InputArtifacts: ${input.Name} is not produced by an earlier action (produced so far: ${[...produced.keys()].join(', ') || 'none'})`,
            );
          }
        }
        for (const text of stringsIn(action.Configuration)) {
          for (const match of text.matchAll(/#\{([\w@-]+)\.[\w@-]+\}/g)) {
            if (
              match[1] &&
              !namespaces.has(match[1]) &&
              !['codepipeline', 'variables'].includes(match[1])
            ) {
              problems.push(
                `${path}.Configuration: #{${match[1]}...} is no namespace of an earlier action`,
              );
            }
          }
        }
        if (isLambdaInvoke(action)) {
          const functionId = checkInvokeAction(template, action, path, problems);
          if (functionId) invoked.add(functionId);
        }
      }
      // Only later run orders and stages see this batch's outputs and variables.
      for (const action of batch) {
        for (const output of action.OutputArtifacts ?? []) {
          if (!output.Name) continue;
          if (produced.has(output.Name)) {
            problems.push(`Resources.${id}: output artifact ${output.Name} is produced twice`);
          }
          produced.set(output.Name, action.Name ?? '?');
        }
        if (action.Namespace) namespaces.add(action.Namespace);
      }
    }
  }
  checkPipelineRoleInvokes(resources, id, pipeline, invoked, problems);
}

function isLambdaInvoke(action: Action): boolean {
  const type = action.ActionTypeId;
  return type?.Category === 'Invoke' && type.Owner === 'AWS' && type.Provider === 'Lambda';
}

/** The invoked function's logical id, when the action refers to one of the template. */
function checkInvokeAction(
  template: Template,
  action: Action,
  path: string,
  problems: string[],
): string | undefined {
  const configuration = action.Configuration ?? {};
  const target = configuration.FunctionName;
  const ref = isPlainObject(target) && typeof target.Ref === 'string' ? target.Ref : undefined;
  const resource = ref ? template.Resources[ref] : undefined;
  if (!ref || !resource || !FUNCTION_TYPES.has(resource.Type)) {
    problems.push(
      `${path}.Configuration.FunctionName: must be !Ref to a function of this template, got ${JSON.stringify(target)}`,
    );
    return undefined;
  }
  const parameters = configuration.UserParameters;
  if (parameters !== undefined) {
    const text = isPlainObject(parameters)
      ? substituteDefaults(template, parameters['Fn::Sub'])
      : parameters;
    try {
      JSON.parse(String(text));
    } catch (error) {
      problems.push(
        `${path}.Configuration.UserParameters: not valid JSON (${(error as Error).message})`,
      );
    }
  }
  if (!canAnswerJobs(template, resource)) {
    problems.push(
      `Resources.${ref}: its role cannot call ${PUT_JOB_ACTIONS.join(' and ')}, so the action would hang until it times out`,
    );
  }
  return ref;
}

/** `UserParameters` as deployed with the parameters' defaults (`Fn::Sub` strings only). */
export function substituteDefaults(template: Template, sub: unknown): string {
  const text = Array.isArray(sub) ? String(sub[0]) : String(sub);
  return text.replace(/\$\{([^!}][^}]*)\}/g, (_whole, name: string) => {
    const value = template.Parameters?.[name]?.Default;
    return value === undefined ? 'placeholder' : String(value);
  });
}

function canAnswerJobs(template: Template, fn: TemplateResource): boolean {
  const properties = fn.Properties ?? {};
  const statements: unknown[] = [];
  const policies = properties.Policies === undefined ? [] : [properties.Policies].flat();
  for (const policy of policies) {
    if (isPlainObject(policy) && 'CodePipelineLambdaExecutionPolicy' in policy) return true;
    if (isPlainObject(policy) && 'Statement' in policy)
      statements.push(...[policy.Statement].flat());
  }
  const role = properties.Role;
  const roleId =
    isPlainObject(role) && Array.isArray(role['Fn::GetAtt'])
      ? String(role['Fn::GetAtt'][0])
      : undefined;
  const roleResource = roleId ? template.Resources[roleId] : undefined;
  for (const policy of (roleResource?.Properties?.Policies ?? []) as {
    PolicyDocument?: { Statement?: unknown };
  }[]) {
    statements.push(...[policy.PolicyDocument?.Statement ?? []].flat());
  }
  return PUT_JOB_ACTIONS.every((wanted) =>
    statements.some(
      (statement) =>
        isPlainObject(statement) &&
        statement.Effect === 'Allow' &&
        grants(statement.Action, wanted),
    ),
  );
}

function grants(actions: unknown, wanted: string): boolean {
  return [actions].flat().some((action) => {
    if (typeof action !== 'string') return false;
    const pattern = new RegExp(`^${action.split('*').map(escapeRegExp).join('.*')}$`, 'i');
    return pattern.test(wanted);
  });
}

/** The pipeline role may invoke exactly the functions its Invoke actions use. */
function checkPipelineRoleInvokes(
  resources: Record<string, TemplateResource>,
  id: string,
  pipeline: TemplateResource,
  invoked: Set<string>,
  problems: string[],
): void {
  const roleArn = pipeline.Properties?.RoleArn;
  const roleId =
    isPlainObject(roleArn) && Array.isArray(roleArn['Fn::GetAtt'])
      ? String(roleArn['Fn::GetAtt'][0])
      : undefined;
  const role = roleId ? resources[roleId] : undefined;
  if (!role) {
    problems.push(
      `Resources.${id}.Properties.RoleArn: expected !GetAtt <role in this template>.Arn`,
    );
    return;
  }
  const allowed = new Set<string>();
  for (const policy of (role.Properties?.Policies ?? []) as {
    PolicyDocument?: { Statement?: unknown };
  }[]) {
    for (const statement of [policy.PolicyDocument?.Statement ?? []].flat()) {
      if (!isPlainObject(statement) || statement.Effect !== 'Allow') continue;
      if (
        ![statement.Action]
          .flat()
          .some((action) => action === 'lambda:InvokeFunction' || action === 'lambda:*')
      )
        continue;
      for (const resource of [statement.Resource].flat()) {
        const target =
          isPlainObject(resource) && Array.isArray(resource['Fn::GetAtt'])
            ? String(resource['Fn::GetAtt'][0])
            : `${JSON.stringify(resource)}`;
        allowed.add(target);
      }
    }
  }
  for (const fn of invoked) {
    if (!allowed.has(fn))
      problems.push(`Resources.${roleId}: may not invoke ${fn}, which the pipeline invokes`);
  }
  for (const target of allowed) {
    if (!invoked.has(target)) {
      problems.push(
        `Resources.${roleId}: may invoke ${target}, which no action of the pipeline uses (least privilege)`,
      );
    }
  }
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isPlainObject(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
