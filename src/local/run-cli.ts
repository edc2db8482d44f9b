/**
 * The CLI dispatcher: picks the command, parses its options with `node:util` parseArgs
 * (strict, so a typo fails loudly), prints help, and maps usage mistakes to exit code 2.
 */
import { readFileSync } from 'node:fs';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import {
  COMMANDS,
  type Command,
  type CommandContext,
  type ParsedOptions,
  UsageError,
} from './commands/index.js';

export const CLI_NAME = 'codepipeline-handler';

function version(): string {
  // src/local/ and lib/local/ both sit two levels below package.json.
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

export function cliHelp(commands: readonly Command[] = COMMANDS): string {
  return `Usage: ${CLI_NAME} <command> [options]

Run AWS CodePipeline Invoke-action handlers locally, against an embedded S3 and an
embedded CodePipeline job API that speaks the real wire protocol.

Commands:
${table(commands.map((command) => [command.name, command.summary]))}

Options:
${table([
  ['-h, --help', 'Show this help'],
  ['-v, --version', 'Show the version'],
])}

Run '${CLI_NAME} <command> --help' for the options of a command.
`;
}

export function commandHelp(command: Command): string {
  const rows = Object.entries(command.options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.valueName ? ` ${option.valueName}` : ''}`;
    return [flag, `${option.description}${option.multiple ? ' (repeatable)' : ''}`] as const;
  });
  rows.push(['-h, --help', 'Show this help']);
  const positionals = command.positionals ? ` ${command.positionals}` : '';
  return `Usage: ${CLI_NAME} ${command.name} [options]${positionals}

${command.description}

Options:
${table(rows)}
${command.examples ? `\nExamples:\n${command.examples.map((line) => `  ${line}`).join('\n')}\n` : ''}`;
}

function parseConfig(command: Command): ParseArgsOptionsConfig {
  const config: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h' } };
  for (const [name, option] of Object.entries(command.options)) {
    config[name] = {
      type: option.type,
      ...(option.short ? { short: option.short } : {}),
      ...(option.multiple ? { multiple: true } : {}),
    };
    if (option.default !== undefined)
      Object.assign(config[name] as object, { default: option.default });
  }
  return config;
}

function usageFailure(context: CommandContext, message: string, helpHint: string): number {
  context.stderr(`${CLI_NAME}: ${message}\nRun '${helpHint}' for usage.\n`);
  return 2;
}

/** Runs the CLI with `argv` (without node and script) and resolves with the exit code. */
export async function runCli(
  argv: readonly string[],
  context: CommandContext,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    (first === undefined ? context.stderr : context.stdout)(cliHelp(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    context.stdout(`${version()}\n`);
    return 0;
  }
  if (first.startsWith('-')) {
    return usageFailure(
      context,
      `unknown option '${first}' (a command comes first)`,
      `${CLI_NAME} --help`,
    );
  }
  const command = commands.find((candidate) => candidate.name === first);
  if (command === undefined) {
    return usageFailure(context, `unknown command '${first}'`, `${CLI_NAME} --help`);
  }
  const helpHint = `${CLI_NAME} ${command.name} --help`;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: parseConfig(command),
      strict: true,
      allowPositionals: command.positionals !== undefined,
    });
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or bad flags.
    return usageFailure(context, (error as Error).message, helpHint);
  }
  if (parsed.values.help === true) {
    context.stdout(commandHelp(command));
    return 0;
  }
  try {
    // Options declared `multiple` are string arrays; the others are strings or booleans.
    return await command.run(parsed.values as ParsedOptions, parsed.positionals, context);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(context, error.message, helpHint);
    context.stderr(`${CLI_NAME} ${command.name}: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
