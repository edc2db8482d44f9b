import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planPipeline } from '../../../../src/local/pipeline/plan.js';
import type { ResolveContext } from '../../../../src/local/template/intrinsics.js';
import { parseTemplate, readTemplate } from '../../../../src/local/template/parse-template.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function contextFor(
  template: ReturnType<typeof parseTemplate>,
  parameters: Record<string, string> = {},
): ResolveContext {
  return {
    template,
    parameters: new Map(Object.entries(parameters)),
    region: 'eu-west-1',
    accountId: '111122223333',
    stackName: 'local',
  };
}

describe('Function: planPipeline', () => {
  it("resolves the project template's Invoke actions to their esbuild entry points, grouped by RunOrder", () => {
    // Prepare
    const template = readTemplate(`${ROOT}template.yaml`);

    // Act
    const plan = planPipeline(
      contextFor(template, { SourceBucket: 'bucket', EnvironmentUrl: 'http://site' }),
      ROOT,
      undefined,
    );

    // Assess
    const gates = plan.stages.find((stage) => stage.name === 'Gates');
    expect(gates?.groups.map((group) => group.map((action) => action.name))).toEqual([
      ['FeedbackGate', 'ReleaseNotesCheck'],
      ['Approve'],
    ]);
    const feedback = gates?.groups[0]?.[0];
    expect(feedback?.kind).toBe('invoke');
    expect(feedback?.fn?.file).toBe(`${ROOT}handlers/feedback-gate.ts`);
    expect(feedback?.fn?.exportName).toBe('handler');
    expect(feedback?.fn?.timeoutSeconds).toBe(30);
    expect(feedback?.skipReason).toBeUndefined();
    const verify = plan.stages.find((stage) => stage.name === 'Verify');
    expect(verify?.groups[0]?.[0]?.configuration.UserParameters).toContain('"url":"http://site/"');
  });

  it('marks actions that cannot run locally, and Invoke actions of unknown functions, as skipped', () => {
    // Prepare
    const template = parseTemplate(
      `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: nowhere/, Handler: app.handler }
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: Deploy
          Actions:
            - Name: Stack
              ActionTypeId: { Category: Deploy, Owner: AWS, Provider: CloudFormation, Version: '1' }
            - Name: Other
              ActionTypeId: { Category: Invoke, Owner: AWS, Provider: Lambda, Version: '1' }
              Configuration: { FunctionName: somebody-elses-function }
            - Name: Missing
              ActionTypeId: { Category: Invoke, Owner: AWS, Provider: Lambda, Version: '1' }
              Configuration: { FunctionName: !Ref Fn }
`,
      'inline.yaml',
    );

    // Act
    const plan = planPipeline(contextFor(template), ROOT, undefined);

    // Assess
    const reasons = plan.stages[0]?.groups[0]?.map((action) => action.skipReason);
    expect(reasons?.[0]).toBe('Deploy actions by CloudFormation do not run locally');
    expect(reasons?.[1]).toBe(
      'FunctionName somebody-elses-function is not a function of this template',
    );
    expect(reasons?.[2]).toMatch(/^Fn: no source file for Handler app\.handler/);
  });
});
