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
import { parseTemplate, type Template } from '../../../src/local/template/parse-template.js';
import { WATCHDOG_ENV, watchdogEnabled } from '../../../src/options.js';
import { runJob } from '../../../src/testing/index.js';
import { substituteDefaults, validateTemplate } from '../../helpers/template-validator.js';

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

describe('Template: template.yaml', () => {
  it('passes the validator', () => {
    // Act
    const report = validateTemplate(copy(), root);

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.functions.map((fn) => fn.logicalId).sort()).toEqual([
      'FeedbackGateFunction',
      'ReleaseNotesCheckFunction',
      'SmokeTestFunction',
      'WaitForUrlFunction',
    ]);
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
      const raw = invoke.Configuration.UserParameters;
      const params = JSON.parse(
        typeof raw === 'string' ? raw : substituteDefaults(template, raw['Fn::Sub']),
      );
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
      const { functions } = validateTemplate(copy(), root);
      expect(functions.map((fn) => fn.buildMethod)).toEqual([
        'makefile',
        'makefile',
        'makefile',
        'makefile',
      ]);

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

describe('Function: validateTemplate', () => {
  it.each([
    [
      'a misspelt property',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Properties.Timeuot = 30;
      },
      'Resources.FeedbackGateFunction.Properties.Timeuot: unknown property (did you mean Timeout?)',
    ],
    [
      'a value of the wrong type',
      (t: Loose) => {
        t.Resources.SmokeTestFunction.Properties.Timeout = 'ninety';
      },
      'Resources.SmokeTestFunction.Properties.Timeout: expected a number, got string "ninety"',
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
      'Resources.Pipeline.Properties: required property RoleArn is missing',
    ],
    [
      'a property of a nested type given as a list',
      (t: Loose) => {
        t.Resources.Pipeline.Properties.ArtifactStore.EncryptionKey = [{ Id: 'x', Type: 'KMS' }];
      },
      'Resources.Pipeline.Properties.ArtifactStore.EncryptionKey: expected an object, got a list',
    ],
    [
      'a Ref to nothing',
      (t: Loose) => {
        t.Resources.ArtifactBucketPolicy.Properties.Bucket = { Ref: 'ArtifactBukket' };
      },
      'Ref ArtifactBukket names no parameter or resource',
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
      'a Handler that names no source file',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Properties.Handler = 'index.handler';
      },
      'Resources.FeedbackGateFunction.Properties.Handler: index.handler names no source file index.ts',
    ],
    [
      'a function the Makefile has no target for',
      (t: Loose) => {
        t.Resources.ExtraGateFunction = structuredClone(t.Resources.FeedbackGateFunction);
      },
      'Resources.ExtraGateFunction.Metadata.BuildMethod: makefile, but the Makefile has no build-ExtraGateFunction target',
    ],
    [
      'a build method that cannot build the TypeScript handlers',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Metadata.BuildMethod = 'nodejs24.x';
      },
      'Resources.FeedbackGateFunction.Metadata.BuildMethod: expected makefile or esbuild',
    ],
    [
      'an esbuild entry point that does not exist',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Metadata = {
          BuildMethod: 'esbuild',
          BuildProperties: { EntryPoints: ['handlers/nope.ts'] },
        };
      },
      'EntryPoints: handlers/nope.ts does not exist',
    ],
    [
      'an Invoke action whose function is not in the template',
      (t: Loose) => {
        action(t, 'FeedbackGate').Configuration.FunctionName = 'some-other-function';
      },
      'Configuration.FunctionName: must be !Ref to a function of this template',
    ],
    [
      'a function that cannot report failure',
      (t: Loose) => {
        t.Resources.FeedbackGateFunction.Properties.Policies[0].Statement[0].Action = [
          'codepipeline:PutJobSuccessResult',
        ];
      },
      'Resources.FeedbackGateFunction: its role cannot call codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult',
    ],
    [
      'an input artifact that no earlier action produces',
      (t: Loose) => {
        action(t, 'ReleaseNotesCheck').InputArtifacts = [{ Name: 'BuildOutput' }];
      },
      'ReleaseNotesCheck.InputArtifacts: BuildOutput is not produced by an earlier action',
    ],
    [
      'UserParameters that are not JSON',
      (t: Loose) => {
        action(t, 'FeedbackGate').Configuration.UserParameters = "{file: 'ratings.json'}";
      },
      'FeedbackGate.Configuration.UserParameters: not valid JSON',
    ],
    [
      'a variable of a namespace that runs later',
      (t: Loose) => {
        action(t, 'Approve').Configuration.CustomData = 'Smoke: #{Smoke.passedChecks}';
      },
      '#{Smoke...} is no namespace of an earlier action',
    ],
    [
      'a pipeline role that may invoke any function',
      (t: Loose) => {
        const statements = t.Resources.PipelineRole.Properties.Policies[0].PolicyDocument.Statement;
        statements.find((s: Loose) => s.Sid === 'InvokeGates').Resource = '*';
      },
      'Resources.PipelineRole: may invoke "*", which no action of the pipeline uses (least privilege)',
    ],
  ])('complains about %s', (_what, mutate, expected) => {
    // Prepare
    const template = copy();
    mutate(template);

    // Act
    const { problems } = validateTemplate(template, root);

    // Assess
    expect(problems.join('\n')).toContain(expected);
  });
});
