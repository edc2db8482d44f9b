import { describe, expect, it } from 'vitest';
import { checkContext } from '../../../../src/local/check/check-template.js';
import { deployedText, withPlaceholders } from '../../../../src/local/check/user-parameters.js';
import { parseTemplate } from '../../../../src/local/template/parse-template.js';
import { runCheck } from './run-check.js';

const context = checkContext(
  parseTemplate(
    'Parameters: { Url: { Type: String, Default: "https://x" }, Bucket: { Type: String } }\nResources: {}',
    't.yaml',
  ),
  new Map(),
);

describe('Function: deployedText', () => {
  it('gives the text CloudFormation writes: a string, !Sub with Defaults, Fn::ToJsonString, a YAML mapping (noted)', () => {
    // Act
    const results = [
      deployedText('{"a":1}', context),
      deployedText({ 'Fn::Sub': `{"url":"\${Url}","bucket":"\${Bucket}"}` }, context),
      deployedText({ 'Fn::ToJsonString': { a: [1, { Ref: 'Url' }] } }, context),
      deployedText({ a: 1 }, context),
      deployedText(undefined, context),
      deployedText({ 'Fn::ImportValue': 'shared-params' }, context),
    ];

    // Assess
    expect(results).toEqual([
      { kind: 'text', text: '{"a":1}' },
      { kind: 'text', text: `{"url":"https://x","bucket":"\${Bucket}"}` },
      { kind: 'text', text: '{"a":[1,"https://x"]}' },
      { kind: 'text', text: '{"a":1}', note: expect.stringContaining('a YAML mapping') },
      { kind: 'absent' },
      {
        kind: 'unresolvable',
        reason: 'it uses {Fn::ImportValue}, which check cannot resolve before the deploy',
      },
    ]);
  });
});

describe('Function: withPlaceholders', () => {
  it('puts a placeholder where a value known later stands for a string, and says where', () => {
    // Act
    const inJson = withPlaceholders(`{"site":"#{Deploy.Url}/health","n":[1,"\${Bucket}"]}`);
    const plain = withPlaceholders('#{Deploy.Url}');

    // Assess
    expect(inJson).toEqual({
      kind: 'candidate',
      text: '{"site":"placeholder/health","n":[1,"placeholder"]}',
      placeholders: new Map([
        ['site', ['#{Deploy.Url}']],
        ['n.1', [`\${Bucket}`]],
      ]),
    });
    expect(plain).toEqual({
      kind: 'candidate',
      text: 'placeholder',
      placeholders: new Map([['', ['#{Deploy.Url}']]]),
    });
  });

  it('refuses to guess when a value known later decides the JSON itself', () => {
    // Act
    const result = withPlaceholders('{"count":#{Build.Count}}');

    // Assess
    expect(result).toEqual({
      kind: 'unchecked',
      reason:
        "#{Build.Count} stands outside a JSON string, so the JSON's shape depends on a value known only later",
    });
  });
});

describe('Command: check (UserParameters against the handler schema)', () => {
  it("reports each refusal at its field with the schema's message; values known later are warnings", async () => {
    // Act
    const result = await runCheck('user-parameters');

    // Assess
    expect(result.code).toBe(1);
    const at = 'Pipeline.Stages[1].Actions';
    expect(result.problems).toEqual([
      // a misspelt key: the one the schema wanted is missing
      `${at}[0].Configuration.UserParameters.minAverage: Invalid input: expected number, received undefined`,
      // a number written as a string (through !Sub and a parameter Default)
      `${at}[1].Configuration.UserParameters.minAverage: Invalid input: expected number, received string`,
      `${at}[2].Configuration.UserParameters.file: Invalid input: expected string, received number`,
      expect.stringMatching(
        /^Pipeline\.Stages\[1\]\.Actions\[4\]\.Configuration\.UserParameters: UserParameters is not valid JSON: Expected double-quoted property name/,
      ),
      `${at}[5].Configuration.UserParameters: UserParameters is missing from the action configuration, and this function requires it: UserParameters: Invalid input: expected object, received undefined`,
    ]);
    expect(result.warnings).toEqual([
      `${at}[2].Configuration.UserParameters.site: holds #{Deploy.Url}, a variable known only when the pipeline runs; with a placeholder in its place the schema says: Invalid URL`,
      `${at}[3].Configuration.UserParameters.site: holds \${SiteUrl}, a parameter without a Default (give it with --parameter SiteUrl=...); with a placeholder in its place the schema says: Invalid URL`,
    ]);
  });
});
