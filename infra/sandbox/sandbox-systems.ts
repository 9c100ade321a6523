import { Construct } from 'constructs';
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

  constructor(scope: Construct, id: string, props: SandboxSystemsProps) {
    super(scope, id);
    this.crmTable = new ServiceTable(this, 'CrmTable', { stage: props.stage, name: 'sandbox-crm', partitionKey: 'recordKey' });
  }
}
