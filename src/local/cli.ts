#!/usr/bin/env node
/**
 * The `codepipeline-handler` executable: wires the dispatcher to the real process.
 * The CLI's own packages are optional peers, checked before the dispatcher (which
 * imports them) is loaded, so a missing one gets the install command, not a stack.
 */
import { MissingPeerError, missingPeers } from '../optional-peers.js';

/**
 * Resolves on the first SIGINT/SIGTERM; a second one exits at once. The listeners stay
 * installed on purpose: libraries using `signal-exit` re-raise a signal when they
 * believe they are its only listener, which would kill the process mid-shutdown.
 */
function waitForShutdown(): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${signal} again: exiting without cleanup\n`);
        process.exit(130);
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const missing = missingPeers(['s3rver', 'tsx', 'yaml']);
if (missing.length > 0) {
  process.stderr.write(
    `codepipeline-handler: ${new MissingPeerError('the CLI', missing).message}\n`,
  );
  process.exit(1);
}
const { runCli } = await import('./run-cli.js');

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  // A getter: touching process.stdin creates the stream, which only `pipeline` may need.
  get stdin() {
    return process.stdin;
  },
  stdoutIsTTY: process.stdout.isTTY === true,
  columns: process.stdout.columns,
  waitForShutdown,
});
