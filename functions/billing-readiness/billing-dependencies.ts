import { StepFunctionsLauncher } from '../../shared/workflows/step-functions-launcher';
import { currentBillingPolicy } from '../../shared/billing/billing-policy';
import type { CheckDependencies, ExecutionStarter } from '../../shared/billing/billing-steps';
import type { PsaBillingRecords } from '../../shared/connectors/psa/psa-billing-records';
import { SandboxBillingAssignments } from '../../shared/connectors/sandbox/sandbox-billing-assignments';
import { SandboxBillingStore } from '../../shared/connectors/sandbox/sandbox-billing-store';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { BillingReadinessTable } from '../../shared/repositories/billing-readiness-table';
import { BillingTasksTable } from '../../shared/repositories/billing-tasks-table';
import { documentClient, eventBridgeClient, stepFunctionsClient } from '../../shared/runtime/aws-clients';
import { EnvVar, requireEnv, type EnvVarName } from '../../shared/runtime/environment';
import { WorkflowName } from '../../shared/workflows/workflow-names';

/**
 * The ports billing readiness steps use, wired to their implementations once per function:
 * the sandbox PSA billing records, billing's own assignments and leave (to be replaced by
 * adapters over staffing's bookings and the HRIS), the readiness table and the bus. Invoice
 * drafts come from the connector registry, named in the entry files. Each is built on first use,
 * so a function only needs the environment variables of the ports it touches.
 */
export const billing = {
  policy: currentBillingPolicy(),
  sandbox: (): SandboxBillingStore => new SandboxBillingStore(documentClient, requireEnv(EnvVar.SandboxBillingTable)),
  assignments: (): SandboxBillingAssignments =>
    new SandboxBillingAssignments(documentClient, requireEnv(EnvVar.SandboxBillingTable)),
  store: (): BillingReadinessTable =>
    new BillingReadinessTable(documentClient, requireEnv(EnvVar.BillingReadinessTable)),
  tasks: (): BillingTasksTable => new BillingTasksTable(documentClient, requireEnv(EnvVar.BillingReadinessTable)),
  publisher: (): EventBridgePublisher => new EventBridgePublisher(eventBridgeClient, requireEnv(EnvVar.EventBusName)),
  starter: (arnVariable: EnvVarName): ExecutionStarter => {
    const launcher = new StepFunctionsLauncher(stepFunctionsClient, {
      [WorkflowName.BillingReadinessProject]: requireEnv(arnVariable),
    });
    return { start: (name, input) => launcher.start(WorkflowName.BillingReadinessProject, name, input) };
  },
  /** `psaRecords` is the registry's choice of PSA records over the sandbox's: the entry file passes its getter. */
  checkDependencies: (
    psaRecords: (others: PsaBillingRecords) => PsaBillingRecords = (others) => others,
  ): CheckDependencies => {
    const sandbox = billing.sandbox();
    const assignments = billing.assignments();
    return {
      policy: currentBillingPolicy(),
      projects: sandbox,
      records: psaRecords(sandbox),
      assignments,
      calendar: assignments,
      store: billing.store(),
      tasks: billing.tasks(),
      publisher: billing.publisher(),
      now: () => new Date(),
    };
  },
};
