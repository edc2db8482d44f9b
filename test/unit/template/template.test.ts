import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as feedbackGate } from '../../../handlers/feedback-gate.js';
import { handler as releaseNotesCheck } from '../../../handlers/release-notes-check.js';
import { samMakefileBuild } from '../../../scripts/build.mjs';
import { ratingGateParams, smokeTestParams, waitForUrlParams } from '../../../src/gates/index.js';
import {
  type CheckReport,
  checkContext,
  checkParsedTemplate,
} from '../../../src/local/check/check-template.js';
import type { ProbeReply, ProbeRequest } from '../../../src/local/check/handler-probe.js';
import { deployedText } from '../../../src/local/check/user-parameters.js';
import { parseTemplate, type Template } from '../../../src/local/template/parse-template.js';
import { WATCHDOG_ENV, watchdogEnabled } from '../../../src/options.js';
import { runJob } from '../../../src/testing/index.js';

const root = join(import.meta.dirname, '../../..');
const text = readFileSync(join(root, 'template.yaml'), 'utf8');

/** A fresh copy of the template, for tests that break it on purpose. */
function copy(): Template {
  return parseTemplate(text);
}

// Tests poke into the template's loose structure.
// biome-ignore lint/suspicious/noExplicitAny: tests reach into the template's untyped YAML.
type Loose = any;

function actionsOf(template: Template): Loose[] {
  return ((template.Resources.Pipeline?.Properties?.Stages ?? []) as Loose[]).flatMap(
    (stage) => stage.Actions,
  );
}

function action(template: Template, name: string): Loose {
  return actionsOf(template).find((candidate) => candidate.Name === name);
}

/** A probe that answers for handlers without loading them: every module loads, every UserParameters passes. */
async function probeThatAccepts(requests: readonly ProbeRequest[]): Promise<ProbeReply[]> {
  return requests.map((request) => ({
    kind: 'loaded',
    schema: 'params',
    results: request.parameters.map(() => ({ ok: true }) as const),
  }));
}

/**
 * `codepipeline-handler check` on `template` as if it were template.yaml; `probe: false`
 * answers for the handlers without loading them (for rules that are not about them).
 */
function check(template: Template, { probe = true } = {}): Promise<CheckReport> {
  return checkParsedTemplate(template, {
    templateFile: join(root, 'template.yaml'),
    env: { PATH: process.env.PATH },
    ...(probe ? {} : { probe: probeThatAccepts }),
  });
}

/** Each finding as one line: `problem: <path>: <message>`. */
function lines(report: CheckReport): string[] {
  return report.findings.all.map(
    (finding) => `${finding.severity}: ${finding.path}: ${finding.message}`,
  );
}

/** The functions SAM builds with the Makefile: its targets write `<Handler's file>.mjs`. */
function makefileFunctions(template: Template) {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Metadata?.BuildMethod === 'makefile')
    .map(([logicalId, resource]) => {
      const handler = String(resource.Properties?.Handler);
      const dot = handler.lastIndexOf('.');
      return {
        logicalId,
        outputFile: `${handler.slice(0, dot)}.mjs`,
        exportName: handler.slice(dot + 1),
      };
    });
}

describe('Template: template.yaml', () => {
  it('passes check: no problem and no warning, its four handlers loaded and their UserParameters valid', async () => {
    // Act
    const report = await check(copy());

    // Assess
    expect(lines(report)).toEqual([]);
    expect(report.pipelines).toEqual(['Pipeline']);
    expect(report.handlersChecked).toBe(4);
  });

  it('declares every function as the issue asks: nodejs24.x on arm64, built by the Makefile (split ESM bundles)', () => {
    // Prepare
    const template = copy();

    // Act
    const functions = Object.entries(template.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::Serverless::Function',
    );

    // Assess
    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      expect(fn.Properties?.EventInvokeConfig).toMatchObject({ MaximumRetryAttempts: 2 });
      expect(fn.Properties?.Handler).toMatch(/^handlers\/[a-z-]+\.handler$/);
      expect(fn.Metadata).toEqual({ BuildMethod: 'makefile' });
    }
  });

  it('turns the watchdog on for every function, in a value watchdogEnabled accepts', () => {
    // Prepare
    const functions = Object.values(copy().Resources).filter(
      (resource) => resource.Type === 'AWS::Serverless::Function',
    );

    for (const fn of functions) {
      // Act
      const variables = (fn.Properties?.Environment as { Variables?: Record<string, string> })
        ?.Variables;

      // Assess
      expect(variables?.[WATCHDOG_ENV]).toBe('true');
      expect(watchdogEnabled(undefined, { [WATCHDOG_ENV]: variables?.[WATCHDOG_ENV] })).toBe(true);
    }
  });

  it('configures each gate action with UserParameters its schema accepts, naming files in sample-source', async () => {
    // Prepare
    const template = copy();
    const schemas: Record<string, Loose> = {
      FeedbackGateFunction: ratingGateParams,
      SmokeTestFunction: smokeTestParams,
      WaitForUrlFunction: waitForUrlParams,
    };

    // Act
    const invokes = actionsOf(template).filter(
      (candidate) => candidate.ActionTypeId.Category === 'Invoke',
    );

    // Assess
    expect(invokes).toHaveLength(4);
    for (const invoke of invokes) {
      const deployed = deployedText(
        invoke.Configuration.UserParameters,
        checkContext(template, new Map()),
      );
      expect(deployed.kind).toBe('text');
      const params = JSON.parse(deployed.kind === 'text' ? deployed.text : '');
      const schema = schemas[invoke.Configuration.FunctionName.Ref];
      if (schema) expect(schema['~standard'].validate(params).issues).toBeUndefined();
      if (params.file)
        expect(readFileSync(join(root, 'sample-source', params.file)).length).toBeGreaterThan(0);
    }
  });

  it('approves the example source in its Gates stage, as configured there', async () => {
    // Prepare
    const template = copy();
    const source = Object.fromEntries(
      ['ratings.json', 'release-notes.md'].map((file) => [
        file,
        readFileSync(join(root, 'sample-source', file)),
      ]),
    );

    // Act
    const results = await Promise.all(
      (
        [
          ['FeedbackGate', feedbackGate],
          ['ReleaseNotesCheck', releaseNotesCheck],
        ] as const
      ).map(([name, handler]) => {
        const configured = action(template, name);
        return runJob(handler, {
          params: configured.Configuration.UserParameters,
          artifacts: { [configured.InputArtifacts[0].Name]: source },
        });
      }),
    );

    // Assess
    expect(results.map((result) => [result.status, result.message])).toEqual([
      ['succeeded', undefined],
      ['succeeded', undefined],
    ]);
    expect(results[0]?.outputVariables).toEqual({ averageRating: '4.3', ratingCount: '20' });
  });

  describe('its handlers, built as SAM builds them', () => {
    let outdir: string;

    beforeAll(async () => {
      outdir = await mkdtemp(join(tmpdir(), 'template-build-'));
    });

    afterAll(() => rm(outdir, { recursive: true, force: true }));

    it('each Handler names a file its Makefile target builds, exporting a handler function', async () => {
      // Prepare
      const functions = makefileFunctions(copy());
      expect(functions).toHaveLength(4);

      for (const fn of functions) {
        // Act
        const artifacts = join(outdir, fn.logicalId);
        await samMakefileBuild(fn.logicalId, artifacts, { codeUri: root });
        const module = await import(pathToFileURL(join(artifacts, fn.outputFile)).href);

        // Assess
        expect(typeof module[fn.exportName], fn.logicalId).toBe('function');
      }
      // One esbuild bundle per function: a minute of CPU-bound work on a busy machine.
    }, 240_000);
  });
});

describe('Command: check, on template.yaml broken on purpose', () => {
  it.each([
    [
      'a misspelt property',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Properties.Timeuot = 30;
      },
      'problem: FeedbackGateFunction.Timeuot: unknown property (did you mean Timeout?)',
    ],
    [
      'a value of the wrong type',
      (t: Loose) => {
        t.Resources.SmokeTestFunction.Properties.Timeout = 'ninety';
      },
      'problem: SmokeTestFunction.Timeout: expected a number, got string "ninety"',
    ],
    [
      'a misspelt property of a nested property type',
      (t: Loose) => {
        action(t, 'FeedbackGate').ActionTypeId.Categroy = 'Invoke';
      },
      '.ActionTypeId.Categroy: unknown property (did you mean Category?)',
    ],
    [
      'a missing required property',
      (t: Loose) => {
        delete t.Resources.Pipeline.Properties.RoleArn;
      },
      'problem: Pipeline: required property RoleArn is missing',
    ],
    [
      'a property of a nested type given as a list',
      (t: Loose) => {
        t.Resources.Pipeline.Properties.ArtifactStore.EncryptionKey = [{ Id: 'x', Type: 'KMS' }];
      },
      'problem: Pipeline.ArtifactStore.EncryptionKey: expected an object, got a list',
    ],
    [
      'a key that is no resource attribute',
      (t: Loose) => {
        t.Resources.ArtifactBucket.Timeout = 3;
      },
      'problem: ArtifactBucket.Timeout: not a resource attribute',
    ],
    [
      'SAM resources without the SAM transform',
      (t: Loose) => {
        delete t.Transform;
      },
      'problem: Transform: must include AWS::Serverless-2016-10-31',
    ],
    [
      'a Ref to nothing',
      (t: Loose) => {
        t.Resources.ArtifactBucketPolicy.Properties.Bucket = { Ref: 'ArtifactBukket' };
      },
      'problem: ArtifactBucketPolicy.Bucket: Ref ArtifactBukket names no parameter or resource',
    ],
    [
      'a GetAtt of an attribute the resource lacks',
      (t: Loose) => {
        t.Resources.Pipeline.Properties.RoleArn = { 'Fn::GetAtt': ['PipelineRole', 'Name'] };
      },
      'AWS::IAM::Role has no attribute Name',
    ],
    [
      'an unknown variable in a Sub',
      (t: Loose) => {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not JS.
        action(t, 'SmokeTest').Configuration.UserParameters = { 'Fn::Sub': '{"url":"${SiteUrl}"}' };
      },
      'Ref SiteUrl names no parameter or resource',
    ],
    [
      'a function the Makefile has no target for',
      (t: Loose) => {
        t.Resources.ExtraGateFunction = structuredClone(t.Resources.FeedbackGateFunction);
      },
      'problem: ExtraGateFunction.Metadata.BuildMethod: makefile, but the Makefile has no build-ExtraGateFunction target',
    ],
    [
      'a build method that cannot build the TypeScript handlers',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Metadata.BuildMethod = 'nodejs24.x';
      },
      'problem: FeedbackGateFunction.Metadata.BuildMethod: expected makefile or esbuild',
    ],
    [
      'an esbuild build whose Handler names another file than esbuild writes',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Metadata = {
          BuildMethod: 'esbuild',
          BuildProperties: { EntryPoints: ['handlers/feedback-gate.ts'], Minfy: true },
        };
      },
      'problem: FeedbackGateFunction.Handler: handlers/feedback-gate.handler names handlers/feedback-gate.js, but esbuild writes feedback-gate.js for handlers/feedback-gate.ts',
    ],
    [
      'a BuildProperty SAM does not pass to esbuild',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Metadata = {
          BuildMethod: 'esbuild',
          BuildProperties: { EntryPoints: ['handlers/feedback-gate.ts'], Minfy: true },
        };
      },
      'problem: FeedbackGateFunction.Metadata.BuildProperties.Minfy: not passed to esbuild by SAM (did you mean Minify?)',
    ],
    [
      'an Invoke action whose function is not in the template',
      (t: Loose) => {
        action(t, 'FeedbackGate').Configuration.FunctionName = 'some-other-function';
      },
      'warning: Pipeline.Stages[1].Actions[0].Configuration.FunctionName: "some-other-function" is not a function of this template',
    ],
    [
      'a function that cannot report failure',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Properties.Policies[0].Statement[0].Action = [
          'codepipeline:PutJobSuccessResult',
        ];
      },
      "problem: FeedbackGateFunction.Policies: the function's role does not allow codepipeline:PutJobFailureResult",
    ],
    [
      'an input artifact that no earlier action produces',
      (t: Loose) => {
        action(t, 'ReleaseNotesCheck').InputArtifacts = [{ Name: 'BuildOutput' }];
      },
      "InputArtifacts[0].Name: input artifact 'BuildOutput' is not produced by any action",
    ],
    [
      'a variable of a namespace that runs later',
      (t: Loose) => {
        action(t, 'Approve').Configuration.CustomData = 'Smoke: #{Smoke.passedChecks}';
      },
      "Configuration.CustomData: #{Smoke.passedChecks}: namespace 'Smoke' belongs to",
    ],
    [
      'a pipeline role that may invoke any function',
      (t: Loose) => {
        const statements = t.Resources.PipelineRole.Properties.Policies[0].PolicyDocument.Statement;
        statements.find((s: Loose) => s.Sid === 'InvokeGates').Resource = '*';
      },
      'warning: Pipeline.RoleArn: the pipeline\'s role PipelineRole may invoke any function (Resource "*")',
    ],
  ])('says so for %s', async (_what, mutate, expected) => {
    // Prepare
    const template = copy();
    mutate(template);

    // Act: the handlers are not what these rules are about
    const report = await check(template, { probe: false });

    // Assess
    expect(lines(report).join('\n')).toContain(expected);
  });

  it('reports UserParameters that are not JSON as the handler would fail on them', async () => {
    // Prepare
    const template = copy();
    action(template, 'FeedbackGate').Configuration.UserParameters = "{file: 'ratings.json'}";

    // Act
    const report = await check(template);

    // Assess
    expect(lines(report).join('\n')).toMatch(
      /problem: Pipeline\.Stages\[\d\]\.Actions\[\d\]\.Configuration\.UserParameters: UserParameters is not valid JSON/,
    );
  });

  it.each([
    [
      'a Handler that names no source file',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Properties.Handler = 'index.handler';
      },
      'invokes FeedbackGateFunction, whose handler file is missing: no source file for Handler index.handler',
    ],
    [
      'an esbuild entry point that does not exist',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Metadata = {
          BuildMethod: 'esbuild',
          BuildProperties: { EntryPoints: ['handlers/nope.ts'] },
        };
      },
      'the esbuild EntryPoints handlers/nope.ts',
    ],
  ])('refuses to go on for %s', async (_what, mutate, expected) => {
    // Prepare
    const template = copy();
    mutate(template);

    // Act
    const checking = check(template, { probe: false });

    // Assess
    await expect(checking).rejects.toThrow(expected);
  });
});
