import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

/** Props of a {@link ServiceTable}. */
export interface ServiceTableProps {
  readonly stage: string;
  /** Short kebab-case name, unique within the stage. */
  readonly name: string;
  /** Partition key attribute (string). */
  readonly partitionKey: string;
  /** Optional sort key attribute (string). */
  readonly sortKey?: string;
  /** Indexes on string keys, projecting every attribute (queries here read whole items). */
  readonly globalSecondaryIndexes?: readonly ServiceTableIndex[];
  /** Number attribute (epoch seconds) after which DynamoDB deletes an item; items without it are kept. */
  readonly timeToLiveAttribute?: string;
}

/** A global secondary index of a {@link ServiceTable}. */
export interface ServiceTableIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
}

/**
 * A DynamoDB table with the house defaults: on-demand, point-in-time recovery, AWS-owned
 * KMS encryption, retained on stack deletion because it holds business state.
 */
export class ServiceTable extends Table {
  /** Names of the table's global secondary indexes. */
  public readonly indexNames: readonly string[];
  /** The short kebab-case name, without the stage (`sandbox-crm`). */
  public readonly shortName: string;

  constructor(scope: Construct, id: string, props: ServiceTableProps) {
    super(scope, id, {
      tableName: `psflow-${props.stage}-${props.name}`,
      partitionKey: { name: props.partitionKey, type: AttributeType.STRING },
      sortKey: props.sortKey ? { name: props.sortKey, type: AttributeType.STRING } : undefined,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: props.timeToLiveAttribute,
    });
    for (const index of props.globalSecondaryIndexes ?? []) {
      this.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: index.sortKey ? { name: index.sortKey, type: AttributeType.STRING } : undefined,
        projectionType: ProjectionType.ALL,
      });
    }
    this.indexNames = (props.globalSecondaryIndexes ?? []).map((index) => index.indexName);
    this.shortName = props.name;
  }
}
