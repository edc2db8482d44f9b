import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs a vitest of its own on a fixture config (a suite meant to fail), so a test can
 * check what our setup files make of it. Resolves with the exit code and all output.
 */
export function runFixtureVitest(config: string): Promise<{ code: number; output: string }> {
  return promisify(execFile)(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--config', config],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
  ).then(
    (done) => ({ code: 0, output: `${done.stdout}${done.stderr}` }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: `${error.stdout}${error.stderr}`,
    }),
  );
}
