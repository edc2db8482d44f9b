import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const consumer = join(root, 'test/fixtures/package-consumer');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The testing kit as a user meets it: the package is packed with `npm pack`,
 * installed from the tarball into a fresh project next to vitest only, and the
 * user's test (the one the README shows) runs there. `--offline` installs from
 * the npm cache that installing this project filled, so the test needs no network.
 */
describe('Package: codepipeline-handler installed from its tarball', () => {
  const work = mkdtempSync(join(tmpdir(), 'cph-consumer-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs a user test written against codepipeline-handler/testing', {
    timeout: 240_000,
  }, async () => {
    // Prepare
    const packed = await run(npm, ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      maxBuffer: 1 << 26,
    });
    const [{ filename }] = JSON.parse(
      packed.stdout.slice(packed.stdout.indexOf('[')) as string,
    ) as [{ filename: string }];
    const vitestVersion = (
      JSON.parse(readFileSync(join(root, 'node_modules/vitest/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const project = join(work, 'project');
    cpSync(consumer, project, { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'my-gates', private: true, type: 'module' }),
    );
    await run(
      npm,
      [
        'install',
        '--offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        join(work, filename),
        `vitest@${vitestVersion}`,
      ],
      { cwd: project, maxBuffer: 1 << 26 },
    );

    // Act
    const result = await run(
      process.execPath,
      [join(project, 'node_modules/vitest/vitest.mjs'), 'run'],
      {
        cwd: project,
        env: { ...process.env, CI: 'true' },
      },
    ).catch((error: { stdout: string; stderr: string }) => error);

    // Assess
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).toMatch(/Tests\s+.*2 passed/);
    // A count, not the word: a slow test is listed by name, and a name may say "failed".
    expect(output).not.toMatch(/\d+ failed/);
    const installed = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(installed.dependencies).sort()).toEqual(['codepipeline-handler', 'vitest']);
  });
});
