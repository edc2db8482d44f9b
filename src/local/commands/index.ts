/**
 * The CLI's commands. Adding one is an import and an entry here; the dispatcher builds
 * parsing and help from the `Command` itself. (`invoke` and `pipeline` land here once
 * the core engine exists.)
 */
import type { Command } from './command.js';
import { serveCommand } from './serve.js';

export const COMMANDS: readonly Command[] = [serveCommand];

export type { Command, CommandContext, CommandOption, ParsedOptions } from './command.js';
export { UsageError } from './command.js';
