/**
 * `pipeline`: run the CodePipeline pipeline declared in a SAM template, locally: Source
 * actions from folders, Invoke actions with the template's own functions, manual
 * approvals at the terminal (or `--approve`), everything else shown as skipped.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { findingCounts, formatFinding, formatReport } from '../check/format.js';
import { startLocalEnvironment } from '../environment.js';
import { LocalArtifactStore } from '../invoke/artifact-store.js';
import { HandlerPool } from '../invoke/handler-process.js';
import { formatSeconds } from '../invoke/report.js';
import { EventLog } from '../pipeline/events.js';
import { LiveView } from '../pipeline/live-view.js';
import { type PipelinePlan, planPipeline } from '../pipeline/plan.js';
import { PipelineRunner, type RunSummary } from '../pipeline/runner.js';
import { type StaticSite, startStaticSite } from '../pipeline/static-site.js';
import type { ResolveContext } from '../template/intrinsics.js';
import { readTemplate, TemplateError } from '../template/parse-template.js';
import { runCheck } from './check.js';
import { type Command, type CommandContext, type ParsedOptions, UsageError } from './command.js';
import { displayPath } from './display-path.js';
import { namedValues, positiveIntegerOption, secondsOption, stringOption } from './options.js';

/** The project's sample source files, used when a template's one Source action has no --source. */
const DEFAULT_SOURCE = 'sample-source';
const DEFAULT_LOG_DIR = '.local-run/logs';

function existingFolder(cwd: string, path: string, option: string): string {
  const full = resolve(cwd, path);
  if (!existsSync(full) || !statSync(full).isDirectory()) {
    throw new UsageError(`--${option} ...=${path}: ${full} is not a folder`);
  }
  return full;
}

/** Folders for the Source actions, by artifact or action name; a missing one is a usage error. */
function sourceFolders(
  plan: PipelinePlan,
  given: Map<string, string>,
  cwd: string,
  templateDir: string,
) {
  const sources = new Map<string, string>();
  for (const [name, path] of given) sources.set(name, existingFolder(cwd, path, 'source'));
  const actions = plan.stages
    .flatMap((stage) => stage.groups.flat())
    .filter((a) => a.kind === 'source');
  const known = new Set(actions.flatMap((action) => [action.name, ...action.outputArtifacts]));
  for (const name of sources.keys()) {
    if (!known.has(name)) {
      throw new UsageError(
        `--source ${name}: the pipeline has no source action or artifact ${name} (it has: ${[...known].join(', ') || 'none'})`,
      );
    }
  }
  const fallback = resolve(templateDir, DEFAULT_SOURCE);
  const notes: string[] = [];
  for (const action of actions) {
    const [artifact] = action.outputArtifacts;
    if (sources.has(action.name) || (artifact !== undefined && sources.has(artifact))) continue;
    if (actions.length === 1 && existsSync(fallback) && artifact !== undefined) {
      sources.set(artifact, fallback);
      notes.push(
        `source ${artifact} <- ${DEFAULT_SOURCE} (the default; choose another with --source ${artifact}=<dir>)`,
      );
      continue;
    }
    throw new UsageError(
      `source action ${action.stage}/${action.name} needs a folder: --source ${artifact ?? action.name}=<dir>`,
    );
  }
  return { sources, notes };
}

function tail(file: string | undefined, lines: number): string[] {
  if (file === undefined || !existsSync(file)) return [];
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
}

function printSummary(
  summary: RunSummary,
  plan: PipelinePlan,
  tookMs: number,
  context: CommandContext,
  logDir: string,
) {
  const out = context.stdout;
  const skipped = summary.actions.filter((record) => record.result.state === 'skipped');
  const failed = summary.actions.filter((record) => record.result.state === 'failed');
  out(`\nPipeline ${plan.name} ${summary.status} in ${formatSeconds(tookMs)}\n`);
  for (const record of failed) {
    const result = record.result as { errorCode: string; message: string };
    out(
      `  failed: ${record.action.stage}/${record.action.name}: ${result.errorCode}: ${result.message}\n`,
    );
    const lines = tail(record.logFile, 10);
    if (lines.length > 0) {
      out(`  last lines of its log (${displayPath(context.cwd, record.logFile as string)}):\n`);
      for (const line of lines) out(`    | ${line}\n`);
    }
  }
  if (skipped.length > 0) {
    out(
      `  ${skipped.length} action${skipped.length === 1 ? ' was' : 's were'} skipped (did not run locally):\n`,
    );
    for (const record of skipped) {
      out(
        `    ${record.action.stage}/${record.action.name}: ${(record.result as { reason: string }).reason}\n`,
      );
    }
  }
  if (summary.actions.some((record) => record.logFile !== undefined)) {
    out(`  handler logs: ${displayPath(context.cwd, logDir)}/\n`);
  }
}

/** `check` before the run: problems stop it (exit 1), bad input too (exit 2); warnings are shown. */
async function checkFirst(
  templateFile: string,
  parameters: ReadonlyMap<string, string>,
  context: CommandContext,
): Promise<number> {
  const report = await runCheck(templateFile, parameters, context);
  if (report === undefined) return 2;
  const { problems, warnings } = report.findings;
  if (problems.length > 0) {
    context.stdout(formatReport(report, displayPath(context.cwd, templateFile)));
    context.stdout(
      'The pipeline did not run: fix the problems above, or skip the check with --no-check.\n',
    );
    return 1;
  }
  const { length } = report.findings.all;
  context.stdout(
    `check: ${length === 0 ? `no problems in ${displayPath(context.cwd, templateFile)}` : findingCounts(report)}\n`,
  );
  for (const warning of warnings) context.stdout(`${formatFinding(warning)}\n`);
  return 0;
}

async function runPipeline(
  options: ParsedOptions,
  positionals: readonly string[],
  context: CommandContext,
): Promise<number> {
  if (positionals.length > 1) throw new UsageError('pipeline takes at most one template file');
  const templateFile = resolve(context.cwd, positionals[0] ?? 'template.yaml');
  if (!existsSync(templateFile)) throw new UsageError(`template ${templateFile} does not exist`);
  const templateDir = dirname(templateFile);
  const parameters = namedValues(options.parameter, 'parameter');
  const siteFolders = namedValues(options.site, 'site');
  for (const [name, path] of siteFolders)
    siteFolders.set(name, existingFolder(context.cwd, path, 'site'));
  const maxRounds = positiveIntegerOption(options['max-rounds'], 'max-rounds', 10);
  const roundIntervalMs = secondsOption(options['round-interval'], 'round-interval', 1);
  const eventsFile = stringOption(options.events);
  const logDir = resolve(context.cwd, stringOption(options['log-dir']) ?? DEFAULT_LOG_DIR);

  if (options['no-check'] !== true) {
    const checked = await checkFirst(templateFile, parameters, context);
    if (checked !== 0) return checked;
  }
  let template: ReturnType<typeof readTemplate>;
  try {
    template = readTemplate(templateFile);
  } catch (error) {
    if (error instanceof TemplateError) throw new UsageError(error.message);
    throw error;
  }
  const sites: StaticSite[] = [];
  const local = await startLocalEnvironment();
  const pool = new HandlerPool();
  const out = context.stdout;
  try {
    for (const [name, folder] of siteFolders) {
      const site = await startStaticSite(folder);
      sites.push(site);
      parameters.set(name, site.url);
      out(`site ${displayPath(context.cwd, folder)} served at ${site.url} (parameter ${name})\n`);
    }
    const resolveContext: ResolveContext = {
      template,
      parameters: new Map([
        ...Object.entries(template.Parameters ?? {}).flatMap(([name, parameter]) =>
          parameter.Default === undefined ? [] : [[name, String(parameter.Default)] as const],
        ),
        ...parameters,
      ]),
      region: local.region,
      accountId: local.accountId,
      stackName: 'local',
    };
    let plan: PipelinePlan;
    try {
      plan = planPipeline(resolveContext, templateDir, stringOption(options.pipeline));
    } catch (error) {
      if (error instanceof TemplateError) throw new UsageError(error.message);
      throw error;
    }
    const { sources, notes } = sourceFolders(
      plan,
      namedValues(options.source, 'source'),
      context.cwd,
      templateDir,
    );
    const executionId = randomUUID();
    out(
      `Pipeline ${plan.name} from ${displayPath(context.cwd, templateFile)} (execution ${executionId})\n`,
    );
    for (const note of notes) out(`${note}\n`);
    if (options.approve === true) out('manual approvals are approved automatically (--approve)\n');
    if (eventsFile) out(`events: ${displayPath(context.cwd, resolve(context.cwd, eventsFile))}\n`);
    out('\n');
    const view = new LiveView(
      {
        write: out,
        tty: context.stdoutIsTTY === true,
        ...(context.columns ? { columns: context.columns } : {}),
      },
      plan.stages.map((stage) => ({ name: stage.name, actions: stage.groups.flat() })),
    );
    const events = new EventLog(
      {
        pipeline: plan.name,
        executionId,
        region: local.region,
        account: local.accountId,
        startTime: new Date(),
      },
      eventsFile ? resolve(context.cwd, eventsFile) : undefined,
    );
    const started = Date.now();
    const runner = new PipelineRunner({
      plan,
      local,
      store: await LocalArtifactStore.create(local, plan.name),
      pool,
      executionId,
      sources,
      approve: options.approve === true,
      input: context.stdin,
      baseEnv: context.env,
      logDir,
      maxRounds,
      roundIntervalMs,
      view,
      events,
      displayPath: (path) => displayPath(context.cwd, path),
    });
    const summary = await runner.run();
    view.close();
    printSummary(summary, plan, Date.now() - started, context, logDir);
    return summary.status === 'succeeded' ? 0 : 1;
  } finally {
    await pool.close();
    await Promise.all(sites.map((site) => site.close()));
    await local.close();
  }
}

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary: "Run the template's CodePipeline pipeline locally (Invoke actions, approvals)",
  description: [
    'Runs the AWS::CodePipeline::Pipeline of a SAM template (default: ./template.yaml):',
    'stages in order, actions grouped by RunOrder and run in parallel within a group,',
    'artifacts passed through an embedded S3. Source actions read a local folder; Invoke',
    "actions of the template's own Lambda functions run their TypeScript/JavaScript source;",
    'UserParameters get #{Namespace.variable} references resolved from earlier actions.',
    'Manual approvals ask at the terminal (or pass with --approve; without a terminal they',
    'fail). Other actions (CodeBuild, CloudFormation, ...) are skipped, and so are actions',
    'that need their artifacts. A failed action stops the pipeline. The template is checked',
    "first, as 'codepipeline-handler check' does; its problems stop the run (--no-check skips it).",
    'Exit code: 0 when the pipeline succeeded, 1 when it failed, 2 on usage errors.',
  ].join('\n'),
  positionals: '[template.yaml]',
  examples: [
    'codepipeline-handler pipeline --approve',
    'codepipeline-handler pipeline template.yaml --source SourceOutput=./my-source --events events.jsonl',
    'codepipeline-handler pipeline --approve --site EnvironmentUrl=sample-source',
  ],
  options: {
    pipeline: {
      type: 'string',
      valueName: '<LogicalId>',
      description: 'The pipeline to run, when the template has several',
    },
    source: {
      type: 'string',
      multiple: true,
      valueName: '<Name=dir>',
      description: `Folder for a Source action (Name: its output artifact or action name; default: ${DEFAULT_SOURCE} for a single source)`,
    },
    approve: { type: 'boolean', description: 'Approve manual approvals without asking' },
    'no-check': {
      type: 'boolean',
      description: "Skip the template check that runs first ('codepipeline-handler check')",
    },
    events: {
      type: 'string',
      valueName: '<file>',
      description: 'Write EventBridge state-change events to <file> (JSON Lines)',
    },
    parameter: {
      type: 'string',
      multiple: true,
      valueName: '<Name=value>',
      description: 'Template parameter value (overrides its Default)',
    },
    site: {
      type: 'string',
      multiple: true,
      valueName: '<Param=dir>',
      description:
        'Serve <dir> on 127.0.0.1 as the deployed site and set parameter Param to its URL',
    },
    'max-rounds': {
      type: 'string',
      valueName: '<N>',
      description: 'Fail an Invoke action still in progress after N rounds (default: 10)',
    },
    'round-interval': {
      type: 'string',
      valueName: '<seconds>',
      description: 'Pause between continuation rounds (default: 1)',
    },
    'log-dir': {
      type: 'string',
      valueName: '<dir>',
      description: `Where handler logs are written (default: ${DEFAULT_LOG_DIR})`,
    },
  },
  run: runPipeline,
};
