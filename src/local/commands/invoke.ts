/**
 * `invoke`: run one handler as CodePipeline would run it for an Invoke action, against
 * the embedded S3 and job API: inputs uploaded, an asynchronous invocation with a Lambda
 * context and deadline, continuation rounds followed, outputs extracted to a folder.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { startLocalEnvironment } from '../environment.js';
import { artifactBody, extractZip, LocalArtifactStore } from '../invoke/artifact-store.js';
import { handlerEnvironment } from '../invoke/handler-env.js';
import { HandlerPool } from '../invoke/handler-process.js';
import { describeOutcome, describeRound } from '../invoke/report.js';
import { runJobRounds } from '../invoke/rounds.js';
import type { LocalArtifact } from '../job-api/index.js';
import { type Command, type CommandContext, type ParsedOptions, UsageError } from './command.js';
import { displayPath } from './display-path.js';
import {
  namedValues,
  positiveIntegerOption,
  secondsOption,
  stringList,
  stringOption,
  userParametersOption,
} from './options.js';

const ARTIFACT_NAME = /^[A-Za-z0-9_-]{1,100}$/;
export const DEFAULT_OUT_DIR = '.local-run/outputs';

/** `file.ts#export` -> absolute file and export name (`handler` by default). */
export function parseHandlerReference(reference: string, cwd: string) {
  const hash = reference.lastIndexOf('#');
  const file = resolve(cwd, hash >= 0 ? reference.slice(0, hash) : reference);
  const exportName = hash >= 0 ? reference.slice(hash + 1) : 'handler';
  if (exportName === '' || !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new UsageError(`'${exportName}' is not an export name (use <file>#<export>)`);
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new UsageError(`handler file ${file} does not exist`);
  }
  return { file, exportName };
}

function artifactName(name: string, option: string): string {
  if (!ARTIFACT_NAME.test(name)) {
    throw new UsageError(
      `--${option} ${name}: artifact names are 1 to 100 letters, digits, '-' or '_'`,
    );
  }
  return name;
}

async function runInvoke(
  options: ParsedOptions,
  positionals: readonly string[],
  context: CommandContext,
): Promise<number> {
  if (positionals.length !== 1 || positionals[0] === undefined) {
    throw new UsageError('invoke takes exactly one <handler-file>[#export]');
  }
  const { file, exportName } = parseHandlerReference(positionals[0], context.cwd);
  const inputs = namedValues(options.input, 'input');
  for (const [name, path] of inputs) {
    artifactName(name, 'input');
    if (!existsSync(resolve(context.cwd, path))) {
      throw new UsageError(`--input ${name}=${path}: ${resolve(context.cwd, path)} does not exist`);
    }
  }
  const outputs = stringList(options.output).map((name) => artifactName(name, 'output'));
  const timeoutMs = secondsOption(options.timeout, 'timeout', 30);
  if (timeoutMs < 1000 || timeoutMs > 900_000) {
    throw new UsageError('--timeout must be from 1 to 900 seconds (the Lambda limits)');
  }
  const maxRounds = positiveIntegerOption(options['max-rounds'], 'max-rounds', 10);
  const roundIntervalMs = secondsOption(options['round-interval'], 'round-interval', 1);
  const userParameters = userParametersOption(options.params, context.cwd);
  const outDir = resolve(context.cwd, stringOption(options['out-dir']) ?? DEFAULT_OUT_DIR);
  const functionName =
    stringOption(options['function-name']) ?? basename(file, extname(file)).replace(/\W/g, '-');

  const out = context.stdout;
  const shown = displayPath(context.cwd, file);
  out(
    `Invoking ${shown}#${exportName} as function ${functionName} (Lambda timeout ${timeoutMs / 1000} s)\n`,
  );
  const local = await startLocalEnvironment();
  const pool = new HandlerPool();
  try {
    const store = await LocalArtifactStore.create(local, 'LocalInvoke');
    const inputArtifacts: LocalArtifact[] = [];
    for (const [name, path] of inputs) {
      const full = resolve(context.cwd, path);
      const body = await artifactBody(full, displayPath(context.cwd, full));
      inputArtifacts.push(await store.upload(name, body.zip));
      out(`  input   ${name} <- ${body.description}\n`);
    }
    const outputArtifacts = outputs.map((name) => store.slot(name));
    for (const name of outputs) out(`  output  ${name}\n`);
    if (userParameters !== undefined) out(`  params  ${userParameters}\n`);

    const outcome = await runJobRounds({
      local,
      store,
      pool,
      poolKey: file,
      handler: {
        file,
        exportName,
        functionName,
        memoryMb: 512,
        env: handlerEnvironment(context.env, local, {
          functionName,
          timeoutSeconds: timeoutMs / 1000,
          memoryMb: 512,
        }),
      },
      pipelineName: 'LocalInvoke',
      stageName: 'Invoke',
      actionName: functionName,
      ...(userParameters !== undefined ? { userParameters } : {}),
      inputArtifacts,
      outputArtifacts,
      timeoutMs,
      maxRounds,
      roundIntervalMs,
      onRoundStart: (round, job) => out(`\nRound ${round}  job ${job.id}\n`),
      onLog: (line) => out(`  | ${line}\n`),
      onRoundEnd: (report) => {
        out(`  -> ${describeRound(report)}\n`);
        if (report.note) out(`  !  ${report.note}\n`);
      },
    });

    out(`\nResult: ${describeOutcome(outcome).join('\n')}\n`);
    if (outcome.status === 'succeeded' && outputArtifacts.length > 0) {
      out('  output artifacts:\n');
      for (const artifact of outputArtifacts) {
        const zip = await store.download(artifact);
        if (zip === undefined) {
          out(`    ${artifact.name}: not written by the handler\n`);
          continue;
        }
        const target = join(outDir, artifact.name);
        const extracted = await extractZip(zip, artifact.name, target);
        out(
          `    ${artifact.name} -> ${displayPath(context.cwd, target)}/ (${extracted.files} file${extracted.files === 1 ? '' : 's'})\n`,
        );
      }
    }
    return outcome.status === 'succeeded' ? 0 : 1;
  } finally {
    await pool.close();
    await local.close();
  }
}

export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'Run one handler as a CodePipeline Invoke action, following continuation rounds',
  description: [
    'Loads a TypeScript or JavaScript handler (export "handler" unless #export is given) in',
    'its own Node process, uploads the input artifacts to an embedded S3 (a folder is zipped,',
    'a .zip is uploaded as is), and invokes it like CodePipeline: asynchronously, with a job',
    'event, a Lambda context and the Lambda timeout. A continuation token starts another',
    'round (a new job). Output artifacts are extracted to --out-dir/<Name>/.',
    'Exit code: 0 when the job succeeded, 1 when it failed, 2 on usage errors.',
  ].join('\n'),
  positionals: '<handler-file>[#export]',
  examples: [
    'codepipeline-handler invoke handlers/feedback-gate.ts --input SourceOutput=sample-source \\',
    `    --params '{"file":"ratings.json","minAverage":4}'`,
    'codepipeline-handler invoke dist/gate.mjs#main --params @params.json --output Report --timeout 10',
  ],
  options: {
    input: {
      type: 'string',
      multiple: true,
      valueName: '<Name=dir|zip>',
      description: 'Input artifact: a folder (zipped) or a .zip file',
    },
    output: {
      type: 'string',
      multiple: true,
      valueName: '<Name>',
      description: 'Output artifact slot the handler may write',
    },
    params: {
      type: 'string',
      valueName: '<JSON|@file>',
      description: 'UserParameters: the text itself, or @file to read it from a file',
    },
    timeout: {
      type: 'string',
      valueName: '<seconds>',
      description: 'Lambda timeout of each invocation (default: 30)',
    },
    'max-rounds': {
      type: 'string',
      valueName: '<N>',
      description: 'Give up after N continuation rounds (default: 10)',
    },
    'round-interval': {
      type: 'string',
      valueName: '<seconds>',
      description: 'Pause between continuation rounds (default: 1)',
    },
    'out-dir': {
      type: 'string',
      valueName: '<dir>',
      description: `Where output artifacts are extracted (default: ${DEFAULT_OUT_DIR})`,
    },
    'function-name': {
      type: 'string',
      valueName: '<name>',
      description: 'Function name in the event and context (default: the file name)',
    },
  },
  run: runInvoke,
};
