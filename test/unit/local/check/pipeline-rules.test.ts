import { describe, expect, it } from 'vitest';
import { runCheck } from './run-check.js';

// Each fixture breaks one structure rule of CodePipeline; none has a function of its own,
// so these runs load no handler.
describe('Function: checkPipelineStructure (through check)', () => {
  it('refuses stage names used twice or with characters CodePipeline does not allow', async () => {
    // Act
    const result = await runCheck('stage-names');

    // Assess
    expect(result.code).toBe(1);
    expect(result.problems).toEqual([
      "Pipeline.Stages[2].Name: stage name 'Build' is already used by Stages[1]",
      "Pipeline.Stages[3].Name: stage name 'Ship It' must be 1 to 100 characters of A-Z a-z 0-9 . @ - _",
    ]);
  });

  it('refuses action names used twice in a stage, and a RunOrder below 1', async () => {
    // Act
    const result = await runCheck('action-names');

    // Assess
    expect(result.problems).toEqual([
      "Pipeline.Stages[1].Actions[1].Name: action name 'Approve' is already used in stage 'Approvals' (Pipeline.Stages[1].Actions[0])",
      'Pipeline.Stages[1].Actions[1].RunOrder: RunOrder must be a whole number from 1 (got 0)',
    ]);
  });

  it('keeps source actions in the first stage, and only them', async () => {
    // Act
    const result = await runCheck('source-stage');

    // Assess
    expect(result.problems).toEqual([
      'Pipeline.Stages[0].Actions[1].ActionTypeId.Category: the first stage may hold source actions only; Approve is of category Approval',
      "Pipeline.Stages[1].Actions[0].ActionTypeId.Category: a source action may only be in the first stage; LateSource is in stage 'More'",
    ]);
  });

  it('needs every input artifact made by an action that runs before, and output names used once', async () => {
    // Act
    const result = await runCheck('artifacts');

    // Assess
    expect(result.problems).toEqual([
      "Pipeline.Stages[1].Actions[1].InputArtifacts[0].Name: input artifact 'Binary' is produced by Build/Compile, which does not run before this action (an earlier stage, or a lower RunOrder in the same stage)",
      "Pipeline.Stages[1].Actions[1].OutputArtifacts[0].Name: output artifact 'Binary' is already produced by Pipeline.Stages[1].Actions[0]",
      "Pipeline.Stages[1].Actions[2].InputArtifacts[0].Name: input artifact 'BuildOutput' is not produced by any action (artifacts: SourceOutput, Binary)",
    ]);
  });

  it('allows #{ns.var} only for namespaces of earlier actions and the built-in ones; namespaces are unique', async () => {
    // Act
    const result = await runCheck('namespaces');

    // Assess: #{codepipeline.PipelineExecutionId} passes
    expect(result.problems).toEqual([
      "Pipeline.Stages[0].Actions[0].Namespace: namespace 'SourceOutput' is also an artifact name",
      "Pipeline.Stages[1].Actions[0].Configuration.UserParameters: #{Later.result}: namespace 'Later' belongs to Gates/Review, which does not run before this action",
      "Pipeline.Stages[1].Actions[1].Namespace: namespace 'Gate' is already used by Pipeline.Stages[1].Actions[0]",
      "Pipeline.Stages[1].Actions[2].Configuration.CustomData: #{Build.Id}: no action has the namespace 'Build'",
      "Pipeline.Stages[1].Actions[2].Configuration.CustomData: #{variables.stage}: the pipeline declares no variable 'stage' (Pipeline.Variables)",
    ]);
  });

  it("holds Lambda Invoke actions to their type's rules: FunctionName, 5 artifacts, 1000-character values", async () => {
    // Act
    const result = await runCheck('lambda-invoke');

    // Assess
    expect(result.problems).toEqual([
      'Pipeline.Stages[1].Actions[0].Configuration.FunctionName: a Lambda Invoke action needs a FunctionName',
      'Pipeline.Stages[1].Actions[1].InputArtifacts: a Lambda Invoke action takes at most 5 input artifacts (it has 6)',
      'Pipeline.Stages[1].Actions[2].Configuration.UserParameters: 1011 characters: a configuration value may have at most 1000 (#{...} references count as written)',
    ]);
    // A function from outside the template: said, not silently skipped.
    expect(result.warnings).toContain(
      'Pipeline.Stages[1].Actions[1].Configuration.FunctionName: "some-function-elsewhere" is not a function of this template: its handler, UserParameters and role are not checked',
    );
  });
});
