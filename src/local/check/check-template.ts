/**
 * `check`'s work: every pipeline of a SAM template against CodePipeline's structure
 * rules, each Lambda Invoke action of a template function against its handler (exported,
 * UserParameters valid for its `params` schema) and the two permissions it needs at run
 * time. Bad input (not a template, no pipeline, a handler file missing or failing to
 * load) is a TemplateError; everything else is a finding, all of them collected.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_ACCOUNT_ID } from '../../job-event-builder.js';
import { handlerEnvironment } from '../invoke/handler-env.js';
import { pipelineIds } from '../pipeline/plan.js';
import {
  functionForAction,
  type TemplateFunction,
  templateFunctions,
} from '../template/functions.js';
import { type ResolveContext, resolveValue } from '../template/intrinsics.js';
import { readTemplate, type Template, TemplateError } from '../template/parse-template.js';
import { type ActionSite, isLambdaInvoke } from '../template/pipeline-actions.js';
import { Findings } from './findings.js';
import { checkFunctionBuilds } from './function-build.js';
import { type ParamsResult, type ProbeReply, probeHandlers } from './handler-probe.js';
import { checkFunctionRole, checkPipelineRole } from './permissions.js';
import { checkPipelineStructure } from './pipeline-rules.js';
import { checkResources } from './resource-rules.js';
import { deployedText, pathKey, withPlaceholders } from './user-parameters.js';

export interface CheckOptions {
  readonly templateFile: string;
  /** Parameter values (override the Defaults); a parameter with neither is known only at deploy. */
  readonly parameters?: ReadonlyMap<string, string>;
  /** The environment handler modules are imported with (credentials are removed). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How a file is named in messages. @default the absolute path */
  readonly displayPath?: (file: string) => string;
  /**
   * Asks the handler modules about their exports and schemas; a test may answer without
   * the extra process. @default probeHandlers (one node process for all the modules)
   */
  readonly probe?: typeof probeHandlers;
}

export interface CheckReport {
  readonly findings: Findings;
  readonly pipelines: readonly string[];
  /** Template functions whose handler module was loaded and checked. */
  readonly handlersChecked: number;
}

/** Where the deployed stack would be; only used to build ARNs for matching IAM statements. */
const REGION = 'us-east-1';

/** How check resolves intrinsics: parameter Defaults and overrides, `${Name}` for the rest. */
export function checkContext(
  template: Template,
  overrides: ReadonlyMap<string, string>,
): ResolveContext {
  const parameters = new Map<string, string>();
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    // Without a value, `${Name}` stands in: user-parameters.ts treats it as known later.
    parameters.set(
      name,
      parameter.Default === undefined ? `\${${name}}` : String(parameter.Default),
    );
  }
  for (const [name, value] of overrides) parameters.set(name, value);
  return {
    template,
    parameters,
    region: REGION,
    accountId: DEFAULT_ACCOUNT_ID,
    stackName: 'stack',
  };
}

interface ParametersText {
  /** The UserParameters text to validate (null: the action has none). */
  readonly text: string | null;
  readonly placeholders: ReadonlyMap<string, readonly string[]>;
}

interface InvokeSite {
  readonly action: ActionSite;
  /** Undefined when the UserParameters cannot be checked (a warning says why). */
  readonly candidate: ParametersText | undefined;
}

/** `#{Deploy.Url}` or `${SiteUrl}`, and when its value becomes known. */
function describeLater(part: string): string {
  return part.startsWith('#')
    ? `${part}, a variable known only when the pipeline runs`
    : `${part}, a parameter without a Default (give it with --parameter ${part.slice(2, -1)}=...)`;
}

function reportParams(site: InvokeSite, result: ParamsResult, findings: Findings): void {
  if (result.ok) return;
  const base = `${site.action.path}.Configuration.UserParameters`;
  const placeholders = site.candidate?.placeholders ?? new Map();
  // Issues about the whole value (missing, not an object) read best as the engine's message.
  if (result.issues.every((issue) => issue.path.length === 0)) {
    findings.problem(base, result.message);
    return;
  }
  for (const issue of result.issues) {
    const path = [base, ...issue.path].join('.');
    const later = placeholders.get(pathKey(issue.path));
    if (later !== undefined) {
      findings.warning(
        path,
        `holds ${later.map(describeLater).join(' and ')}; with a placeholder in its place the schema says: ${issue.message}`,
      );
    } else findings.problem(path, issue.message);
  }
}

function reportProbe(
  fn: TemplateFunction,
  sites: readonly InvokeSite[],
  reply: ProbeReply,
  findings: Findings,
  show: (file: string) => string,
): void {
  const file = show(fn.file as string);
  if (reply.kind === 'load-error') {
    throw new TemplateError(
      `the handler of ${fn.logicalId} (${file}) failed to load: ${reply.message}`,
    );
  }
  if (reply.kind === 'no-export') {
    findings.problem(
      `${fn.logicalId}.Handler`,
      `${file} has no function export '${fn.exportName}' (function exports: ${reply.exported.join(', ') || 'none'}): Lambda would fail every invocation with Runtime.HandlerNotFound`,
    );
    return;
  }
  for (const site of sites) {
    const path = `${site.action.path}.Configuration.UserParameters`;
    if (reply.schema === 'none') {
      findings.warning(
        path,
        `${fn.logicalId}'s handler is not built with invokeAction, and no exported codePipelineJob middleware exposes a params schema: UserParameters are not checked`,
      );
      continue;
    }
    if (reply.schema === 'no-params' || site.candidate === undefined) continue;
    // The probe answered the candidates in order; sites without one were not sent.
    const index = sites.filter((other) => other.candidate !== undefined).indexOf(site);
    const result = reply.results[index];
    if (result !== undefined) reportParams(site, result, findings);
  }
}

/** Prepares the UserParameters of `action` for the probe; warns where it cannot. */
function candidateOf(
  action: ActionSite,
  context: ResolveContext,
  findings: Findings,
): ParametersText | undefined {
  const path = `${action.path}.Configuration.UserParameters`;
  const configuration = (action.raw.Configuration ?? {}) as Record<string, unknown>;
  const deployed = deployedText(configuration.UserParameters, context);
  if (deployed.kind === 'absent') return { text: null, placeholders: new Map() };
  if (deployed.kind === 'unresolvable') {
    findings.warning(path, `not checked against the handler's schema: ${deployed.reason}`);
    return undefined;
  }
  if (deployed.note !== undefined) findings.warning(path, deployed.note);
  const candidate = withPlaceholders(deployed.text);
  if (candidate.kind === 'unchecked') {
    findings.warning(path, `not checked against the handler's schema: ${candidate.reason}`);
    return undefined;
  }
  return { text: candidate.text, placeholders: candidate.placeholders };
}

/**
 * Checks the template at `options.templateFile`. Resolves with every finding; rejects
 * with a TemplateError on input `check` cannot work with.
 */
export async function checkTemplate(options: CheckOptions): Promise<CheckReport> {
  const { templateFile } = options;
  const show = options.displayPath ?? ((file: string) => file);
  if (!existsSync(templateFile)) {
    throw new TemplateError(`template ${show(templateFile)} does not exist`);
  }
  let template: Template;
  try {
    template = readTemplate(templateFile);
  } catch (error) {
    // readTemplate names the file as given; name it as the user does.
    if (error instanceof TemplateError) {
      throw new TemplateError(error.message.replaceAll(templateFile, show(templateFile)));
    }
    throw error;
  }
  return checkParsedTemplate(template, options);
}

/**
 * Checks `template` as if read from `options.templateFile` (whose folder the CodeUri
 * paths are relative to, and whose name the messages use): for a caller that already
 * holds the parsed template.
 */
export async function checkParsedTemplate(
  template: Template,
  options: CheckOptions,
): Promise<CheckReport> {
  const { templateFile } = options;
  const show = options.displayPath ?? ((file: string) => file);
  const context = checkContext(template, options.parameters ?? new Map());
  const pipelines = pipelineIds(context);
  if (pipelines.length === 0) {
    throw new TemplateError(
      `${show(templateFile)} declares no AWS::CodePipeline::Pipeline: nothing to check`,
    );
  }
  const findings = new Findings();
  const functions = templateFunctions(context, dirname(templateFile));
  checkResources(template, findings);
  checkFunctionBuilds(template, dirname(templateFile), functions, findings);
  const globals = template.Globals?.Function ?? {};
  const sitesByFunction = new Map<TemplateFunction, InvokeSite[]>();

  for (const id of pipelines) {
    const properties = template.Resources[id]?.Properties ?? {};
    const actions = checkPipelineStructure(id, properties, context, findings);
    const invoked = new Set<TemplateFunction>();
    for (const action of actions.filter(isLambdaInvoke)) {
      const raw = ((action.raw.Configuration ?? {}) as Record<string, unknown>).FunctionName;
      if (raw === undefined) continue;
      const fn = functionForAction(raw, functions, context);
      if (fn === undefined) {
        findings.warning(
          `${action.path}.Configuration.FunctionName`,
          `${JSON.stringify(resolveValue(raw, context))} is not a function of this template: its handler, UserParameters and role are not checked`,
        );
        continue;
      }
      if (fn.file === undefined) {
        throw new TemplateError(
          `${action.path} invokes ${fn.logicalId}, whose handler file is missing: ${fn.problem}`,
        );
      }
      invoked.add(fn);
      const sites = sitesByFunction.get(fn) ?? [];
      sites.push({ action, candidate: candidateOf(action, context, findings) });
      sitesByFunction.set(fn, sites);
    }
    checkPipelineRole(
      id,
      properties,
      [...invoked],
      functions,
      template.Resources,
      context,
      findings,
    );
  }

  // One probe process for all the functions; findings in template order afterwards.
  const probed = [...sitesByFunction];
  const replies = await (options.probe ?? probeHandlers)(
    probed.map(([fn, sites]) => ({
      file: fn.file as string,
      exportName: fn.exportName,
      env: handlerEnvironment(
        options.env,
        { env: { AWS_REGION: REGION, AWS_DEFAULT_REGION: REGION }, envToUnset: [] },
        fn,
      ),
      parameters: sites.flatMap((site) =>
        site.candidate === undefined ? [] : [site.candidate.text],
      ),
    })),
  );
  for (const [index, [fn, sites]] of probed.entries()) {
    const reply = replies[index] ?? { kind: 'load-error', message: 'no answer from the probe' };
    reportProbe(fn, sites, reply, findings, show);
    checkFunctionRole(fn, template.Resources, globals, context, findings);
  }
  return { findings, pipelines, handlersChecked: sitesByFunction.size };
}
