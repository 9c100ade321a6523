import {
  ActivationKey,
  ActivationResultPath,
  ActivationState,
  CompletedActivation,
} from '../../shared/project-activation/activation-state';
import { ACTIVATION_STEP_CONTRACTS } from '../../shared/project-activation/activation-step-contracts';
import { DrillKey, DrillResultPath } from '../../shared/operations-drill/drill-state';
import { stepContract } from '../../shared/workflows/step-contracts';
import { WorkflowName } from '../../shared/workflows/workflow-names';
import { ProjectActivationState } from '../../state-machines/project-activation';

describe('workflow state contracts', () => {
  it('builds every activation result path from a key of the state', () => {
    // Act
    const paths = Object.entries(ActivationResultPath).map(([name, resultPath]) => [
      resultPath,
      `$.${ActivationKey[name as keyof typeof ActivationKey]}`,
    ]);

    // Assess
    for (const [resultPath, expected] of paths) expect(resultPath).toBe(expected);
  });

  it('has a state field for every stage result the completed activation needs', () => {
    // Act
    const stateKeys = Object.keys(ActivationState.shape);
    const completedKeys = Object.keys(CompletedActivation.shape);

    // Assess
    for (const key of [
      ActivationKey.engagement,
      ActivationKey.provisioned,
      ActivationKey.billing,
      ActivationKey.resources,
      ActivationKey.onboarding,
    ]) {
      expect(stateKeys).toContain(key);
      expect(completedKeys).toContain(key);
    }
  });

  it('gives every guarded activation step a contract, keyed by its state name', () => {
    // Prepare
    const guarded = [
      ProjectActivationState.PrepareEngagement,
      ProjectActivationState.ProvisionErpProject,
      ProjectActivationState.ProvisionPsaProject,
      ProjectActivationState.SetUpBilling,
      ProjectActivationState.RequestResources,
      ProjectActivationState.OnboardClient,
    ];

    // Act
    const missing = guarded.filter((step) => stepContract(WorkflowName.ProjectActivation, step) === undefined);

    // Assess
    expect(missing).toEqual([]);
    expect(Object.keys(ACTIVATION_STEP_CONTRACTS).sort()).toEqual([...guarded].sort());
  });

  it('finds no contract for an unknown workflow, an unknown step, or a name inherited from Object', () => {
    // Assess
    expect(stepContract('no-such-workflow', 'PrepareEngagement')).toBeUndefined();
    expect(stepContract(WorkflowName.ProjectActivation, 'NoSuchStep')).toBeUndefined();
    expect(stepContract(WorkflowName.ProjectActivation, 'toString')).toBeUndefined();
  });

  it('builds the drill paths from its keys', () => {
    // Assess
    expect(DrillResultPath).toEqual({
      entryInput: `$.${DrillKey.entryInput}`,
      entry: `$.${DrillKey.entry}`,
      approval: `$.${DrillKey.approval}`,
    });
  });
});
