import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BOOKINGS_BY_HOLD_EXPIRY_INDEX } from '../../shared/connectors/sandbox/sandbox-psa-bookings';
import { HRIS_BY_SKILL_REGION_INDEX } from '../../shared/connectors/sandbox/sandbox-hris-connector';
import { DynamoDbService } from '../../local/dynamodb/dynamodb-service';
import { temporaryDataDirectory } from './local-cloud-process';

/** The local cloud's DynamoDB with the staffing sandbox tables, shaped as infra/staffing declares them. */
export interface StaffingTables {
  readonly documents: DynamoDBDocumentClient;
  readonly hrisTable: string;
  readonly bookingsTable: string;
  close(): Promise<void>;
}

/**
 * Starts the local cloud's DynamoDB (dynalite on its own thread, behind DynamoDB's request limits)
 * in a temporary data directory, with the HRIS and bookings tables. Its own thread, as in AWS
 * where DynamoDB does not serve reads on the function's CPU: a benchmark of the function then
 * measures the function and its round trips, not dynalite's work queued on the same event loop.
 */
export async function startStaffingTables(): Promise<StaffingTables> {
  const dataDirectory = temporaryDataDirectory('staffing-tables');
  const hrisTable = 'psflow-test-sandbox-hris';
  const bookingsTable = 'psflow-test-sandbox-bookings';
  const service = new DynamoDbService(dataDirectory, () => undefined);
  await service.start(
    (
      [
        [hrisTable, HRIS_BY_SKILL_REGION_INDEX, 'skillRegion', 'proficiencyKey'],
        [bookingsTable, BOOKINGS_BY_HOLD_EXPIRY_INDEX, 'holdState', 'expiresAt'],
      ] as const
    ).map(([name, index, indexPartition, indexSort]) => ({
      logicalId: name,
      name,
      arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`,
      createTableRequest: {
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', indexPartition, indexSort].map((attribute) => ({
          AttributeName: attribute,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: index,
            KeySchema: [
              { AttributeName: indexPartition, KeyType: 'HASH' },
              { AttributeName: indexSort, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      },
    })),
  );
  const client = new DynamoDBClient({
    endpoint: service.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    documents: DynamoDBDocumentClient.from(client),
    hrisTable,
    bookingsTable,
    close: async () => {
      client.destroy();
      await service.stop();
      fs.rmSync(dataDirectory, { recursive: true, force: true });
    },
  };
}
