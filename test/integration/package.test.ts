import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONAL_PEERS, OPTIONAL_PEERS_INSTALL } from '../../src/optional-peers.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const consumer = join(root, 'test/fixtures/package-consumer');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

type Outcome = { stdout: string; stderr: string; code?: number };

/** Runs a command; resolves with its output and exit code whether it succeeds or not. */
function runCommand(file: string, args: string[], cwd: string): Promise<Outcome> {
  return run(file, args, { cwd, env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 26 }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: Outcome) => error,
  );
}

/** The version of a package installed in this repository, to install the same one elsewhere. */
function versionOf(name: string): string {
  return (
    JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
}

/**
 * Installs packages into a fresh project. `--offline` installs from the npm cache that
 * installing this repository filled, so the test needs no network.
 */
async function install(project: string, specs: string[]): Promise<void> {
  await run(
    npm,
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...specs],
    { cwd: project, maxBuffer: 1 << 26 },
  );
}

function freshProject(parent: string, name: string): string {
  const project = join(parent, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'my-gates', private: true, type: 'module' }),
  );
  return project;
}

/**
 * The package as a user meets it: packed with `npm pack`, installed from the tarball
 * into fresh projects. The two projects are independent, so their installs and runs
 * overlap (each mostly waits on npm and on child processes).
 */
describe.concurrent('Package: codepipeline-handler installed from its tarball', () => {
  const work = mkdtempSync(join(tmpdir(), 'cph-consumer-'));
  let tarball = '';
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  beforeAll(async () => {
    const packed = await run(npm, ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      maxBuffer: 1 << 26,
    });
    const [{ filename }] = JSON.parse(
      packed.stdout.slice(packed.stdout.indexOf('[')) as string,
    ) as [{ filename: string }];
    tarball = join(work, filename);
  }, 480_000);

  it('type-checks and runs user tests in a strict project with the dev packages installed', {
    timeout: 480_000,
  }, async () => {
    // Prepare: the README's dev install, plus what a strict TypeScript project has.
    const project = freshProject(work, 'dev');
    cpSync(consumer, project, { recursive: true });
    await install(project, [
      tarball,
      ...OPTIONAL_PEERS.map((name) => `${name}@${versionOf(name)}`),
      `vitest@${versionOf('vitest')}`,
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
      `@types/aws-lambda@${versionOf('@types/aws-lambda')}`,
      // @middy/core's declarations import its optional peer's types (middyjs/middy#1694).
      `@aws/durable-execution-sdk-js@${versionOf('@aws/durable-execution-sdk-js')}`,
    ]);

    // Act
    const typecheck = await runCommand(
      process.execPath,
      [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      project,
    );
    const tests = await runCommand(
      process.execPath,
      [join(project, 'node_modules/vitest/vitest.mjs'), 'run'],
      project,
    );

    // Assess: strict, skipLibCheck false, and a JSON fixture passed to runJob without a cast.
    expect(`${typecheck.stdout}${typecheck.stderr}`).toBe('');
    expect(typecheck.code).toBe(0);
    const output = `${tests.stdout}\n${tests.stderr}`;
    expect(output).toMatch(/Tests\s+.*3 passed/);
    // A count, not the word: a slow test is listed by name, and a name may say "failed".
    expect(output).not.toMatch(/\d+ failed/);
  });

  it('installs only the runtime without the dev packages; the CLI and the kit name the install command', {
    timeout: 480_000,
  }, async () => {
    // Prepare: what `npm install codepipeline-handler` gives a deployed handler.
    const project = freshProject(work, 'runtime');
    await install(project, [tarball]);

    // Act
    const rootImport = await runCommand(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('codepipeline-handler'); console.log(typeof m.invokeAction);",
      ],
      project,
    );
    const kit = await runCommand(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          "const { runJob } = await import('codepipeline-handler/testing');",
          "const { invokeAction } = await import('codepipeline-handler');",
          'await runJob(invokeAction({ run: () => {} })).catch((e) => console.log(e.message));',
        ].join('\n'),
      ],
      project,
    );
    const cli = await runCommand(npx, ['--no-install', 'codepipeline-handler', '--help'], project);

    // Assess
    for (const name of [
      ...OPTIONAL_PEERS,
      'aws-sdk-client-mock',
      'jszip',
      'koa',
      'sinon',
      'esbuild',
    ]) {
      expect(existsSync(join(project, 'node_modules', name)), name).toBe(false);
    }
    expect(rootImport).toMatchObject({ code: 0, stdout: 'function\n' });
    expect(kit.stdout).toContain('s3rver is not installed');
    expect(kit.stdout).toContain(`to use the testing kit: ${OPTIONAL_PEERS_INSTALL}`);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('s3rver, tsx, yaml are not installed');
    expect(cli.stderr).toContain(`to use the CLI: ${OPTIONAL_PEERS_INSTALL}`);
  });
});

/**
 * npm does not link a package's own bin into its node_modules/.bin, but npx (npm 7+)
 * runs the bin of the package in the current directory. The bin is a committed
 * launcher that runs the TypeScript source, so the README's commands work after
 * `npm install`, without a build.
 */
describe('Package: the codepipeline-handler command in this repository', () => {
  it('runs the README commands through npx', { timeout: 120_000 }, async () => {
    // Act
    const help = await runCommand(npx, ['--no-install', 'codepipeline-handler', '--help'], root);
    const invoke = await runCommand(
      npx,
      [
        'codepipeline-handler',
        'invoke',
        'handlers/feedback-gate.ts',
        '--input',
        'SourceOutput=sample-source',
        '--params',
        '{"file":"ratings.json","minAverage":4,"minCount":10}',
        '--out-dir',
        join(mkdtempSync(join(tmpdir(), 'cph-npx-')), 'outputs'),
      ],
      root,
    );

    // Assess
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: codepipeline-handler <command> \[options\]/);
    expect(invoke.code).toBe(0);
    expect(invoke.stdout).toContain('Result: Succeeded after 1 round');
  });

  it('lists the same optional peers in package.json as the README install command names', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      devDependencies: Record<string, string>;
    };

    // Assess
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([...OPTIONAL_PEERS].sort());
    for (const name of OPTIONAL_PEERS) {
      expect(manifest.peerDependenciesMeta[name]).toEqual({ optional: true });
      expect(manifest.devDependencies[name]).toBe(manifest.peerDependencies[name]);
      expect(manifest.dependencies[name]).toBeUndefined();
    }
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(OPTIONAL_PEERS_INSTALL);
  });
});
