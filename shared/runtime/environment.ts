/**
 * The environment variables functions read. The constructs set them (`bindTable`,
 * `addEnvironment`) and the handlers read them (`requireEnv`) through these names, so a
 * misspelt variable is a compile error rather than a cold-start failure.
 */
export const EnvVar = {
  ActivationsTable: 'ACTIVATIONS_TABLE',
  AuditLogTable: 'AUDIT_LOG_TABLE',
  DelegationsTable: 'DELEGATIONS_TABLE',
  DirectoryTable: 'DIRECTORY_TABLE',
  DrillLedgerTable: 'DRILL_LEDGER_TABLE',
  EventBusName: 'EVENT_BUS_NAME',
  ExceptionsTable: 'EXCEPTIONS_TABLE',
  HumanTasksTable: 'HUMAN_TASKS_TABLE',
  IngestionLedgerTable: 'INGESTION_LEDGER_TABLE',
  IngestFunctionName: 'INGEST_FUNCTION_NAME',
  KpiTable: 'KPI_TABLE',
  ProjectActivationStateMachineArn: 'PROJECT_ACTIVATION_STATE_MACHINE_ARN',
  RejectedEventsTable: 'REJECTED_EVENTS_TABLE',
  SandboxCrmTable: 'SANDBOX_CRM_TABLE',
  SandboxRecordsTable: 'SANDBOX_RECORDS_TABLE',
  WorkflowExecutionsTable: 'WORKFLOW_EXECUTIONS_TABLE',
  ApprovalPolicyVersion: 'APPROVAL_POLICY_VERSION',
  BillingReadinessTable: 'BILLING_READINESS_TABLE',
  SandboxBillingTable: 'SANDBOX_BILLING_TABLE',
  BillingCycleStateMachineArn: 'BILLING_CYCLE_STATE_MACHINE_ARN',
  BillingProjectStateMachineArn: 'BILLING_PROJECT_STATE_MACHINE_ARN',
  SandboxProcurementTable: 'SANDBOX_PROCUREMENT_TABLE',
  ProcurementStateMachineArn: 'PROCUREMENT_STATE_MACHINE_ARN',
  ChangeRequestsTable: 'CHANGE_REQUESTS_TABLE',
  ChangeControlStateMachineArn: 'CHANGE_CONTROL_STATE_MACHINE_ARN',
  Connectors: 'PSFLOW_CONNECTORS',
  ConnectorPorts: 'PSFLOW_CONNECTOR_PORTS',
  IntegrationStateTable: 'INTEGRATION_STATE_TABLE',
  Stage: 'PSFLOW_STAGE',
  StaffingRequestsTable: 'STAFFING_REQUESTS_TABLE',
  SandboxHrisTable: 'SANDBOX_HRIS_TABLE',
  SandboxBookingsTable: 'SANDBOX_BOOKINGS_TABLE',
} as const;

/** One of {@link EnvVar}. */
export type EnvVarName = (typeof EnvVar)[keyof typeof EnvVar];

/**
 * Reads a required environment variable once, failing fast with the variable's name
 * so that a mis-wired function fails on its first cold start, not on some later path.
 */
export function requireEnv(name: EnvVarName): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is not set; the function's construct must bind it`);
  }
  return value;
}
