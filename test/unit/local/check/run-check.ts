// Runs `codepipeline-handler check` in-process, as the CLI would, and captures its output.
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../../src/local/run-cli.js';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const FIXTURES = 'test/fixtures/check';

export interface CheckRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The `problem: ...` and `warning: ...` lines. */
  readonly problems: string[];
  readonly warnings: string[];
}

/** `check <fixture>.yaml` from the repository root; `env` is what handler modules see. */
export async function runCheck(
  fixture: string,
  env: Record<string, string | undefined> = { PATH: process.env.PATH },
  extra: readonly string[] = [],
): Promise<CheckRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['check', `${FIXTURES}/${fixture}.yaml`, ...extra], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    cwd: ROOT,
    waitForShutdown: () => new Promise(() => {}),
  });
  const lines = stdout.split('\n');
  return {
    code,
    stdout,
    stderr,
    problems: lines.filter((line) => line.startsWith('problem: ')).map((line) => line.slice(9)),
    warnings: lines.filter((line) => line.startsWith('warning: ')).map((line) => line.slice(9)),
  };
}
