/**
 * `check`: a SAM template's pipelines, checked before the deploy: CodePipeline's structure
 * rules, each Invoke action's UserParameters against its handler's `params` schema, and
 * the permissions the action needs at run time. No handler runs; their modules are loaded.
 */
import { resolve } from 'node:path';
import { type CheckReport, checkTemplate } from '../check/check-template.js';
import { formatReport } from '../check/format.js';
import { TemplateError } from '../template/parse-template.js';
import { type Command, type CommandContext, type ParsedOptions, UsageError } from './command.js';
import { displayPath } from './display-path.js';
import { namedValues } from './options.js';

/** Runs the check for `pipeline` too; resolves with the report, or undefined on bad input (printed). */
export async function runCheck(
  templateFile: string,
  parameters: ReadonlyMap<string, string>,
  context: CommandContext,
): Promise<CheckReport | undefined> {
  try {
    return await checkTemplate({
      templateFile,
      parameters,
      env: context.env,
      displayPath: (file) => displayPath(context.cwd, file),
    });
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    context.stderr(`codepipeline-handler check: ${error.message}\n`);
    return undefined;
  }
}

async function check(
  options: ParsedOptions,
  positionals: readonly string[],
  context: CommandContext,
): Promise<number> {
  if (positionals.length > 1) throw new UsageError('check takes at most one template file');
  const templateFile = resolve(context.cwd, positionals[0] ?? 'template.yaml');
  const report = await runCheck(templateFile, namedValues(options.parameter, 'parameter'), context);
  if (report === undefined) return 2;
  context.stdout(formatReport(report, displayPath(context.cwd, templateFile)));
  return report.findings.problems.length > 0 ? 1 : 0;
}

export const checkCommand: Command = {
  name: 'check',
  summary: "Check the template's pipelines, UserParameters and permissions before the deploy",
  description: [
    'Reads a SAM template (default: ./template.yaml) and checks every AWS::CodePipeline::Pipeline',
    "in it: CodePipeline's structure rules (names, stages, artifacts, #{Namespace.variable}",
    'references, Lambda Invoke limits), the UserParameters of each Invoke action against the',
    "params schema of the template function's handler, and the permissions the action needs",
    '(the function may answer the job, the pipeline may invoke the function). Handler modules',
    'are imported, in a process of their own, but never called. Every problem is reported,',
    'each with its place in the template; warnings say what could not be checked, and why.',
    'Exit code: 0 when no problems were found, 1 when some were, 2 on usage errors and on a',
    'template or handler that cannot be read.',
  ].join('\n'),
  positionals: '[template.yaml]',
  examples: [
    'codepipeline-handler check',
    'codepipeline-handler check infra/template.yaml --parameter SourceBucket=my-bucket',
  ],
  options: {
    parameter: {
      type: 'string',
      multiple: true,
      valueName: '<Name=value>',
      description:
        'Template parameter value (overrides its Default; one without either is checked as unknown)',
    },
  },
  run: check,
};
