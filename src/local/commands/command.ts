/**
 * What a CLI command is: its options (for parsing and for `--help`) and a `run`
 * function. Commands get their I/O and the shutdown signal from a context, so they can
 * be run in-process by tests as well as from the real CLI.
 */
import type { ApprovalInput } from '../pipeline/approval.js';

export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly description: string;
  /** Placeholder shown in help, e.g. `<port>`. */
  readonly valueName?: string;
  readonly default?: string | boolean;
  /** May be given more than once (`--input A=x --input B=y`); the value is then a string[]. */
  readonly multiple?: boolean;
}

export interface CommandContext {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Keyboard input, for questions such as a manual approval (none in tests). */
  readonly stdin?: ApprovalInput;
  /** Whether stdout is a terminal (live redraws) and how wide it is. */
  readonly stdoutIsTTY?: boolean;
  readonly columns?: number;
  /** Resolves with the signal name when the user asks the command to stop. */
  readonly waitForShutdown: () => Promise<string>;
}

export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Paragraphs shown under `Usage:` in the command's help. */
  readonly description: string;
  readonly options: Readonly<Record<string, CommandOption>>;
  /** Command lines shown under `Examples:` in the command's help. */
  readonly examples?: readonly string[];
  /** Positional arguments, for the usage line; none are accepted when omitted. */
  readonly positionals?: string;
  /** Resolves with the process exit code. */
  run(
    options: ParsedOptions,
    positionals: readonly string[],
    context: CommandContext,
  ): Promise<number>;
}

/** A mistake in how the CLI was called: reported with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Reads a `--*-port` option: an integer 0..65535 (0: any free port). */
export function portOption(value: ParsedOptions[string], name: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || port > 65_535) {
    throw new UsageError(`--${name} must be a port number from 0 to 65535 (got ${String(value)})`);
  }
  return port;
}
