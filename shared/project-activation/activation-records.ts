/** The activation record: what was created, and how long each stage took. */
export interface ActivationRecordItem {
  readonly projectId: string;
  readonly opportunityId: string;
  readonly executionArn: string;
  readonly erpProjectId: string;
  readonly psaProjectId: string;
  readonly billingId: string;
  readonly wonAt: string;
  readonly activatedAt: string;
  readonly cycleTimeSeconds: number;
  readonly stageSeconds: Readonly<Record<string, number>>;
}

/** The port where activations are recorded, one per project; recording again replaces the record. */
export interface ActivationRecords {
  put(record: ActivationRecordItem): Promise<void>;
}
