/**
 * The CLI's commands. Adding one is an import and an entry here; the dispatcher builds
 * parsing and help from the `Command` itself.
 */
import { checkCommand } from './check.js';
import type { Command } from './command.js';
import { invokeCommand } from './invoke.js';
import { pipelineCommand } from './pipeline.js';
import { serveCommand } from './serve.js';

export const COMMANDS: readonly Command[] = [
  invokeCommand,
  pipelineCommand,
  serveCommand,
  checkCommand,
];

export type { Command, CommandContext, CommandOption, ParsedOptions } from './command.js';
export { UsageError } from './command.js';
