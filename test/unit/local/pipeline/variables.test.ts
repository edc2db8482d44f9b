import { describe, expect, it } from 'vitest';
import { PipelineVariables } from '../../../../src/local/pipeline/variables.js';

describe('Class: PipelineVariables', () => {
  it('resolves #{Namespace.variable} references, including codepipeline.PipelineExecutionId', () => {
    // Prepare
    const variables = new PipelineVariables('exec-1');
    variables.set('Feedback', { averageRating: '4.3', ratingCount: '20' });

    // Act
    const resolution = variables.resolve(
      '#{Feedback.averageRating} of #{Feedback.ratingCount} (#{codepipeline.PipelineExecutionId})',
    );

    // Assess
    expect(resolution).toEqual({ ok: true, text: '4.3 of 20 (exec-1)' });
  });

  it('names the missing namespace or variable', () => {
    // Prepare
    const variables = new PipelineVariables('exec-1');
    variables.set('Feedback', { averageRating: '4.3' });

    // Act
    const unknownNamespace = variables.resolve('#{Nope.x}');
    const unknownVariable = variables.resolve('#{Feedback.count}');

    // Assess
    expect(unknownNamespace).toEqual({
      ok: false,
      kind: 'missing',
      reason: '#{Nope.x}: no earlier action has the namespace Nope',
    });
    expect(unknownVariable).toEqual({
      ok: false,
      kind: 'missing',
      reason: '#{Feedback.count}: namespace Feedback has no variable count (it has: averageRating)',
    });
  });

  it('says a reference comes from a skipped action', () => {
    // Prepare
    const variables = new PipelineVariables('exec-1');
    variables.markUnavailable('Build', 'Build/Compile: CodeBuild');

    // Act
    const resolution = variables.resolve('{"commit":"#{Build.CommitId}"}');

    // Assess
    expect(resolution).toEqual({
      ok: false,
      kind: 'skipped',
      reason: '#{Build.CommitId} comes from a skipped action (Build/Compile: CodeBuild)',
    });
  });

  it('leaves text without references unchanged', () => {
    // Act
    const resolution = new PipelineVariables('e').resolve('{"a":"#{not a reference}"}');

    // Assess
    expect(resolution).toEqual({ ok: true, text: '{"a":"#{not a reference}"}' });
  });
});
