/**
 * The extract figure's baseline is Debian's Info-ZIP `unzip` at /usr/bin/unzip. When
 * it is missing, the benchmark installs it with apt-get (as root, or through sudo
 * without a password); when that is impossible it says why, and the figure reports
 * the baseline as missing instead of measuring against something else.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
export const UNZIP_PATH = '/usr/bin/unzip';

export type UnzipStatus =
  | { readonly ok: true; readonly installed: boolean; readonly version: string }
  | { readonly ok: false; readonly reason: string };

export async function ensureUnzip(): Promise<UnzipStatus> {
  let installed = false;
  if (!existsSync(UNZIP_PATH)) {
    console.error(`${UNZIP_PATH} is missing: installing it with apt-get install -y unzip`);
    const asRoot = process.getuid?.() === 0;
    const apt = asRoot ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
    const [command, ...prefix] = apt as [string, ...string[]];
    const attempt = async (args: string[]) =>
      execFileAsync(command, [...prefix, ...args], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        maxBuffer: 16 * 1024 * 1024,
      });
    try {
      await attempt(['install', '-y', 'unzip']).catch(async () => {
        // A fresh container has no package lists yet.
        await attempt(['update']);
        await attempt(['install', '-y', 'unzip']);
      });
    } catch (error) {
      const detail = ((error as { stderr?: string }).stderr || (error as Error).message)
        .trim()
        .split('\n')
        .at(-1);
      return {
        ok: false,
        reason: `${UNZIP_PATH} is missing and \`${apt.join(' ')} install -y unzip\` failed: ${detail}`,
      };
    }
    if (!existsSync(UNZIP_PATH)) {
      return { ok: false, reason: `apt-get ran but ${UNZIP_PATH} is still missing` };
    }
    installed = true;
  }
  const { stdout } = await execFileAsync(UNZIP_PATH, ['-v']);
  return { ok: true, installed, version: stdout.split('\n')[0]?.trim() ?? 'unknown version' };
}
