import { Construct } from 'constructs';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link AuditTrail}. */
export interface AuditTrailProps {
  readonly stage: string;
}

/** The append-only audit log of every decision, delegation and exception action, by subject. */
export class AuditTrail extends Construct {
  public readonly auditTable: ServiceTable;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    this.auditTable = new ServiceTable(this, 'AuditTable', {
      stage: props.stage,
      name: 'audit-log',
      partitionKey: 'subjectKey',
      sortKey: 'entryKey',
    });
  }
}
