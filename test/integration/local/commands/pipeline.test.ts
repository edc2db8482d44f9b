import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess } from '../../../helpers/local-cli.js';

const FIXTURES = 'test/fixtures/pipelines';
const SOURCE = `${FIXTURES}/source`;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pipeline-command-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface PipelineEvent {
  'detail-type': string;
  source: string;
  account: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown> & { state: string; stage?: string; action?: string };
}

async function readEvents(file: string): Promise<PipelineEvent[]> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as PipelineEvent);
}

/** `Pipeline STARTED`, `Stage Checks STARTED`, `Action Checks/Left STARTED`, ... */
function describeEvent(event: PipelineEvent): string {
  const kind = event['detail-type'].split(' ')[1];
  const { stage, action, state } = event.detail;
  return `${kind}${stage ? ` ${stage}` : ''}${action ? `/${action}` : ''} ${state}`;
}

function pipelineArgs(template: string, extra: readonly string[] = []): string[] {
  return [
    'pipeline',
    `${FIXTURES}/${template}`,
    '--round-interval',
    '0',
    '--log-dir',
    join(work, 'logs'),
    // These fixtures are about running (no IAM roles); `check` has its own tests.
    '--no-check',
    ...extra,
  ];
}

describe('Command: pipeline', () => {
  it('runs parallel actions, resolves #{ns.var}, approves with --approve and skips what cannot run', async () => {
    // Prepare
    const eventsFile = join(work, 'parallel.jsonl');

    // Act
    const { code, stdout } = await runCliProcess(
      pipelineArgs('parallel.yaml', [
        '--source',
        `Code=${SOURCE}`,
        '--approve',
        '--events',
        eventsFile,
      ]),
    );

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('manual approvals are approved automatically (--approve)');
    expect(stdout).toContain('Checks / Left: succeeded');
    expect(stdout).toContain('[inputs=Code, side=left, greeting=hello, waitMs=1500]');
    expect(stdout).toContain(
      'Checks / Review: succeeded in 0.0 s - approved by --approve (left said hello, right is right)',
    );
    expect(stdout).toContain('Build / Report: succeeded in');
    expect(stdout).toContain('echo {"from":"left"}');
    expect(stdout).toContain(
      'Build / Compile: skipped - Build actions by CodeBuild do not run locally',
    );
    expect(stdout).toContain(
      'Build / UseBinary: skipped - input artifact Binary does not exist: Build/Compile was skipped',
    );
    expect(stdout).toContain(
      'Build / UseBuildVariable: skipped - #{BuildNs.CommitId} comes from a skipped action',
    );
    expect(stdout).toContain('Pipeline parallel-demo succeeded');
    expect(stdout).toContain('3 actions were skipped (did not run locally)');
    expect(stdout).not.toMatch(/Compile: succeeded/);

    const events = await readEvents(eventsFile);
    const names = events.map(describeEvent);
    // The two RunOrder-1 actions overlap: both start before either ends.
    const checks = names.filter((name) => /^Action Checks\/(Left|Right)/.test(name));
    expect(checks.slice(0, 2).sort()).toEqual([
      'Action Checks/Left STARTED',
      'Action Checks/Right STARTED',
    ]);
    expect(names.slice(0, 5)).toEqual([
      'Pipeline STARTED',
      'Stage Source STARTED',
      'Action Source/Fetch STARTED',
      'Action Source/Fetch SUCCEEDED',
      'Stage Source SUCCEEDED',
    ]);
    expect(names.slice(-6)).toEqual([
      'Stage Checks SUCCEEDED',
      'Stage Build STARTED',
      'Action Build/Report STARTED',
      'Action Build/Report SUCCEEDED',
      'Stage Build SUCCEEDED',
      'Pipeline SUCCEEDED',
    ]);
    expect(names.indexOf('Action Checks/Review STARTED')).toBeGreaterThan(
      names.indexOf('Action Checks/Left SUCCEEDED'),
    );
    // Skipped actions never ran: no events for them.
    expect(names.filter((name) => /Compile|UseBinary|UseBuildVariable/.test(name))).toEqual([]);

    const left = events.find((event) => describeEvent(event) === 'Action Checks/Left SUCCEEDED');
    expect(left).toMatchObject({
      version: '0',
      source: 'aws.codepipeline',
      account: '123456789012',
      region: 'us-east-1',
      resources: ['arn:aws:codepipeline:us-east-1:123456789012:parallel-demo'],
      detail: {
        pipeline: 'parallel-demo',
        stage: 'Checks',
        action: 'Left',
        state: 'SUCCEEDED',
        region: 'us-east-1',
        type: { owner: 'AWS', category: 'Invoke', provider: 'Lambda', version: '1' },
        'execution-result': {
          'external-execution-summary': expect.stringContaining('"side":"left"'),
        },
        'input-artifacts': [
          {
            name: 'Code',
            s3location: {
              bucket: expect.any(String),
              key: expect.stringMatching(/^parallel-demo\/Code\//),
            },
          },
        ],
        version: 1,
        'pipeline-execution-attempt': 1,
      },
    });
    const ids = new Set(events.map((event) => event.detail['execution-id']));
    expect(ids.size).toBe(1);
    expect(stdout).toContain(`execution ${[...ids][0]}`);
  });

  it('stops at a failed action: later stages do not run and the exit code is 1', async () => {
    // Prepare
    const eventsFile = join(work, 'failing.jsonl');

    // Act
    const { code, stdout } = await runCliProcess(
      pipelineArgs('failing.yaml', ['--source', `SourceOutput=${SOURCE}`, '--events', eventsFile]),
    );

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('Gate / Refuse: failed in');
    expect(stdout).toContain('Deploy: not run');
    expect(stdout).toContain(
      'failed: Gate/Refuse: ConfigurationError: minAverage is missing from UserParameters',
    );
    expect(stdout).toContain('last lines of its log');
    const names = (await readEvents(eventsFile)).map(describeEvent);
    expect(names).toContain('Action Gate/Accept SUCCEEDED');
    expect(names).toContain('Action Gate/Refuse FAILED');
    expect(names.slice(-2)).toEqual(['Stage Gate FAILED', 'Pipeline FAILED']);
    expect(names.filter((name) => name.includes('Deploy'))).toEqual([]);
    const failed = (await readEvents(eventsFile)).find(
      (event) => describeEvent(event) === 'Action Gate/Refuse FAILED',
    );
    expect(failed?.detail['execution-result']).toEqual({
      'external-execution-summary': 'minAverage is missing from UserParameters',
      'error-code': 'ConfigurationError',
    });
  });

  it('fails a manual approval at once when there is no terminal and no --approve', async () => {
    // Act
    const { code, stdout } = await runCliProcess(
      pipelineArgs('approval.yaml', ['--source', `Source=${SOURCE}`]),
    );

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('Approval / Approve: failed');
    expect(stdout).toContain('there is no terminal to ask on: pass --approve to approve it');
  });

  it('runs the project template as npm start does, and the pipeline succeeds', async () => {
    // Prepare: the exact arguments of package.json's start script
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      scripts: { start: string };
    };
    const args = pkg.scripts.start
      .split(' ')
      .slice(pkg.scripts.start.split(' ').indexOf('src/local/cli.ts') + 1);

    // Act
    const { code, stdout } = await runCliProcess([...args, '--log-dir', join(work, 'start-logs')]);

    // Assess
    expect(args[0]).toBe('pipeline');
    expect(code).toBe(0);
    expect(stdout).toContain('manual approvals are approved automatically (--approve)');
    expect(stdout).toMatch(/Gates \/ Approve: succeeded .* approved by --approve/);
    expect(stdout).toMatch(/Pipeline \S+ succeeded in/);
    expect(stdout).not.toContain('skipped');
    expect(stdout).toMatch(/^check: no problems in template\.yaml$/m);
    // The check loads the four handler modules before the run: more than the default 30 s on a busy machine.
  }, 90_000);

  it('exits 2 with a message on usage errors', async () => {
    // Act
    const results = await Promise.all([
      runCliProcess(['pipeline', `${FIXTURES}/no-such.yaml`]),
      runCliProcess(pipelineArgs('failing.yaml', ['--source', `Nope=${SOURCE}`])),
      runCliProcess(
        pipelineArgs('failing.yaml', [
          '--pipeline',
          'Missing',
          '--source',
          `SourceOutput=${SOURCE}`,
        ]),
      ),
      runCliProcess(pipelineArgs('failing.yaml')),
      runCliProcess(['pipeline', 'package.json']),
    ]);

    // Assess
    expect(results.map((result) => result.code)).toEqual([2, 2, 2, 2, 2]);
    expect(results.map((result) => result.stderr.split('\n')[0])).toEqual([
      expect.stringMatching(/template .*no-such\.yaml does not exist/),
      expect.stringContaining('--source Nope: the pipeline has no source action or artifact Nope'),
      expect.stringContaining('no pipeline Missing in the template (pipelines: Pipeline)'),
      expect.stringContaining(
        'source action Source/Source needs a folder: --source SourceOutput=<dir>',
      ),
      expect.stringContaining('has no Resources section'),
    ]);
  });
});
