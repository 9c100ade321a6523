import { Construct } from 'constructs';
import {
  SANDBOX_BY_REFERENCE_INDEX,
  SANDBOX_BY_TYPE_INDEX,
} from '../../shared/connectors/sandbox/sandbox-record-store';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link SandboxSystems}. */
export interface SandboxSystemsProps {
  readonly stage: string;
}

/**
 * The embedded systems of record behind the connector ports (design decision 8): real
 * DynamoDB records that tests and demos stage, read through the same ports a real CRM,
 * ERP or PSA connector implements.
 */
export class SandboxSystems extends Construct {
  /** The sandbox CRM: opportunities and accounts, keyed `<RecordType>#<id>`. */
  public readonly crmTable: ServiceTable;
  /** The sandbox ERP, PSA and document system: one record per item, keyed `<system>#<type>#<id>`, plus fault settings. */
  public readonly recordsTable: ServiceTable;

  constructor(scope: Construct, id: string, props: SandboxSystemsProps) {
    super(scope, id);
    this.crmTable = new ServiceTable(this, 'CrmTable', {
      stage: props.stage,
      name: 'sandbox-crm',
      partitionKey: 'recordKey',
    });
    this.recordsTable = new ServiceTable(this, 'RecordsTable', {
      stage: props.stage,
      name: 'sandbox-records',
      partitionKey: 'recordKey',
      globalSecondaryIndexes: [
        { indexName: SANDBOX_BY_TYPE_INDEX, partitionKey: 'systemType', sortKey: 'createdAt' },
        { indexName: SANDBOX_BY_REFERENCE_INDEX, partitionKey: 'reference', sortKey: 'createdAt' },
      ],
    });
  }
}
