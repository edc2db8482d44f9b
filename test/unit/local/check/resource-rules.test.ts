import { describe, expect, it } from 'vitest';
import { Findings } from '../../../../src/local/check/findings.js';
import { checkResources } from '../../../../src/local/check/resource-rules.js';
import { parseTemplate } from '../../../../src/local/template/parse-template.js';

/** Each finding of checkResources on `yaml`, as `<severity>: <path>: <message>`. */
function check(yaml: string): string[] {
  const findings = new Findings();
  checkResources(parseTemplate(yaml), findings);
  return findings.all.map((finding) => `${finding.severity}: ${finding.path}: ${finding.message}`);
}

const FUNCTION = `
  Gate:
    Type: AWS::Serverless::Function
    Properties:
      Handler: gate.handler
      Runtime: nodejs24.x
      Timeout: 30
      Policies:
        - CodePipelineLambdaExecutionPolicy: {}
        - Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: '*' }]
`;

describe('Function: checkResources', () => {
  it('passes a SAM function with a policy template the resource specification does not list', () => {
    // Act
    const found = check(`Transform: AWS::Serverless-2016-10-31\nResources:${FUNCTION}`);

    // Assess
    expect(found).toEqual([]);
  });

  it('refuses SAM resources without the SAM transform, and a key that is no resource attribute', () => {
    // Act
    const found = check(`Resources:${FUNCTION}      Extra: 1\n    Timeout: 3\n`);

    // Assess
    expect(found).toEqual([
      "problem: Transform: must include AWS::Serverless-2016-10-31: Gate is an AWS::Serverless::Function, which only SAM's transform turns into CloudFormation",
      'problem: Gate.Timeout: not a resource attribute (a resource has Type, Properties, Metadata, DependsOn, Condition, DeletionPolicy, UpdateReplacePolicy, CreationPolicy, UpdatePolicy; properties go under Properties)',
      'problem: Gate.Extra: unknown property',
    ]);
  });

  it('checks property names, types and required properties against the specification, Globals merged in', () => {
    // Act
    const found = check(`
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    MemorySzie: 256
Resources:
  Gate:
    Type: AWS::Serverless::Function
    Properties: { Handler: gate.handler, Runtime: nodejs24.x, Timeout: soon }
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: { Stauts: Enabled }
  Thing:
    Type: AWS::Nothing::Such
  Custom:
    Type: Custom::Anything
    Properties: { ServiceToken: arn, Whatever: 1 }
`);

    // Assess
    expect(found).toEqual([
      'problem: Gate.MemorySzie: unknown property (did you mean MemorySize?)',
      'problem: Gate.Timeout: expected a number, got string "soon"',
      'problem: Bucket.VersioningConfiguration.Stauts: unknown property (did you mean Status?)',
      'problem: Bucket.VersioningConfiguration: required property Status is missing',
      'problem: Thing.Type: AWS::Nothing::Such is not in the resource specification',
    ]);
  });

  it('refuses a Ref, GetAtt or Sub variable that names nothing, or an attribute the type lacks', () => {
    // Act
    const found = check(`
Parameters:
  Stage: { Type: String }
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      RoleName: !Sub '\${Stage}-\${Missing}-\${AWS::Region}-\${!Literal}'
      Description: !Ref Nothing
      Path: !GetAtt Role.Name
      PermissionsBoundary: !Sub ['\${Local}-\${Role.Arn}-\${Ghost.Arn}', { Local: x }]
Outputs:
  Arn: { Value: !GetAtt Role.Arn }
  Id: { Value: !Ref Role }
`);

    // Assess
    expect(found).toEqual([
      'problem: Role.RoleName: Ref Missing names no parameter or resource',
      'problem: Role.Description: Ref Nothing names no parameter or resource',
      'problem: Role.Path: AWS::IAM::Role has no attribute Name (it has Arn, RoleId)',
      'problem: Role.PermissionsBoundary: GetAtt Ghost.Arn names no resource',
    ]);
  });
});
