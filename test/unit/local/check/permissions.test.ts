import { describe, expect, it } from 'vitest';
import { checkContext } from '../../../../src/local/check/check-template.js';
import { Findings } from '../../../../src/local/check/findings.js';
import { checkFunctionRole, checkPipelineRole } from '../../../../src/local/check/permissions.js';
import { templateFunctions } from '../../../../src/local/template/functions.js';
import { readTemplate } from '../../../../src/local/template/parse-template.js';
import { FIXTURES, ROOT } from './run-check.js';

const template = readTemplate(`${ROOT}${FIXTURES}/permissions.yaml`);
const context = checkContext(template, new Map());
const functions = templateFunctions(context, `${ROOT}${FIXTURES}`);

function functionRole(logicalId: string): Findings {
  const findings = new Findings();
  const fn = functions.get(logicalId);
  if (fn === undefined) throw new Error(`no function ${logicalId} in the fixture`);
  checkFunctionRole(fn, template.Resources, template.Globals?.Function ?? {}, context, findings);
  return findings;
}

function pipelineRole(pipelineId: string, invoked: readonly string[]): Findings {
  const findings = new Findings();
  checkPipelineRole(
    pipelineId,
    template.Resources[pipelineId]?.Properties ?? {},
    invoked.map((id) => functions.get(id) as NonNullable<ReturnType<typeof functions.get>>),
    functions,
    template.Resources,
    context,
    findings,
  );
  return findings;
}

const ANSWER =
  'codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult on Resource "*": the function cannot answer the job, and the action waits until CodePipeline times it out (add the SAM policy template CodePipelineLambdaExecutionPolicy: {} or a statement allowing both)';

describe('Function: checkFunctionRole', () => {
  it("refuses SAM's default role, which may only write logs", () => {
    // Act
    const findings = functionRole('DefaultRoleFunction');

    // Assess
    expect(findings.all).toEqual([
      {
        severity: 'problem',
        path: 'DefaultRoleFunction.Policies',
        message: `the function's role does not allow ${ANSWER}`,
      },
    ]);
  });

  it('names the one action an inline statement leaves out', () => {
    // Act
    const findings = functionRole('HalfAllowedFunction');

    // Assess
    expect(findings.problems.map((finding) => finding.message)).toEqual([
      expect.stringMatching(
        /^the function's role does not allow codepipeline:PutJobFailureResult on/,
      ),
    ]);
  });

  it('accepts a managed policy that grants both, and a role of the template whose statement does (with a wildcard)', () => {
    // Act
    const managed = functionRole('ManagedPolicyFunction');
    const templateRole = functionRole('TemplateRoleFunction');

    // Assess
    expect(managed.all).toEqual([]);
    expect(templateRole.all).toEqual([]);
  });

  it('warns, naming why, for a customer managed policy and a role from outside the template', () => {
    // Act
    const custom = functionRole('CustomPolicyFunction');
    const external = functionRole('ExternalRoleFunction');

    // Assess
    expect(custom.all).toEqual([
      {
        severity: 'warning',
        path: 'CustomPolicyFunction.Policies',
        message:
          "check cannot tell whether the function's role allows codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult: CustomPolicyFunction.Policies[0] is the managed policy arn:aws:iam::123456789012:policy/team-policy, whose statements are not in the template",
      },
    ]);
    expect(external.all).toEqual([
      {
        severity: 'warning',
        path: 'ExternalRoleFunction.Role',
        message:
          'the role comes from outside the template: check cannot tell whether it allows codepipeline:PutJobSuccessResult and codepipeline:PutJobFailureResult',
      },
    ]);
  });
});

describe('Function: checkPipelineRole', () => {
  it("accepts !GetAtt Function.Arn and a wildcard ARN, and refuses a function the role's statements leave out", () => {
    // Act
    const findings = pipelineRole('Pipeline', [
      'ManagedPolicyFunction',
      'TemplateRoleFunction',
      'DefaultRoleFunction',
    ]);

    // Assess
    expect(findings.all).toEqual([
      {
        severity: 'problem',
        path: 'Pipeline.RoleArn',
        message:
          "the pipeline's role PipelineRole does not allow lambda:InvokeFunction on DefaultRoleFunction: the action fails before the function runs (add !GetAtt DefaultRoleFunction.Arn to a statement allowing lambda:InvokeFunction)",
      },
    ]);
  });

  it('warns, for least privilege, of a Resource the role may invoke that no Invoke action uses, and of "*"', () => {
    // Prepare: the same role, with "*" added to its Resource list
    const wide = structuredClone(template);
    const role = wide.Resources.PipelineRole?.Properties as {
      Policies: { PolicyDocument: { Statement: { Resource: unknown[] }[] } }[];
    };
    role.Policies[0]?.PolicyDocument.Statement[0]?.Resource.push('*');
    const findings = new Findings();

    // Act: only the managed-* function is invoked; the GetAtt names one no action uses
    const narrow = pipelineRole('Pipeline', ['ManagedPolicyFunction']);
    checkPipelineRole(
      'Pipeline',
      wide.Resources.Pipeline?.Properties ?? {},
      [functions.get('ManagedPolicyFunction') as NonNullable<ReturnType<typeof functions.get>>],
      functions,
      wide.Resources,
      checkContext(wide, new Map()),
      findings,
    );

    // Assess
    const unused =
      '{"Fn::GetAtt":["TemplateRoleFunction","Arn"]}, which no Invoke action of the pipeline uses (least privilege)';
    expect(narrow.all).toEqual([
      {
        severity: 'warning',
        path: 'Pipeline.RoleArn',
        message: `the pipeline's role PipelineRole may invoke ${unused}`,
      },
    ]);
    expect(findings.warnings.map((finding) => finding.message)).toEqual([
      `the pipeline's role PipelineRole may invoke ${unused}`,
      'the pipeline\'s role PipelineRole may invoke any function (Resource "*"), not only the 1 its Invoke actions use (least privilege: name each with !GetAtt <Function>.Arn)',
    ]);
  });

  it('warns when the pipeline role comes from outside the template', () => {
    // Act
    const findings = pipelineRole('ElsewherePipeline', ['ManagedPolicyFunction']);

    // Assess
    expect(findings.all).toEqual([
      {
        severity: 'warning',
        path: 'ElsewherePipeline.RoleArn',
        message:
          'the role comes from outside the template: check cannot tell whether it may invoke ManagedPolicyFunction (lambda:InvokeFunction)',
      },
    ]);
  });
});
