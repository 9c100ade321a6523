import type * as http from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BOOKINGS_BY_HOLD_EXPIRY_INDEX } from '../../shared/connectors/sandbox/sandbox-psa-bookings';
import { HRIS_BY_SKILL_REGION_INDEX } from '../../shared/connectors/sandbox/sandbox-hris-connector';

// dynalite ships no types; this is the part of its surface used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite: (options: { createTableMs: number }) => http.Server = require('dynalite');

/** An in-memory dynalite with the staffing sandbox tables, shaped as infra/staffing declares them. */
export interface StaffingTables {
  readonly documents: DynamoDBDocumentClient;
  readonly hrisTable: string;
  readonly bookingsTable: string;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 and creates the HRIS and bookings tables. */
export async function startStaffingTables(): Promise<StaffingTables> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const hrisTable = 'psflow-test-sandbox-hris';
  const bookingsTable = 'psflow-test-sandbox-bookings';
  for (const [table, index, indexPartition, indexSort] of [
    [hrisTable, HRIS_BY_SKILL_REGION_INDEX, 'skillRegion', 'proficiencyKey'],
    [bookingsTable, BOOKINGS_BY_HOLD_EXPIRY_INDEX, 'holdState', 'expiresAt'],
  ] as const)
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', indexPartition, indexSort].map((name) => ({
          AttributeName: name,
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
      }),
    );
  return {
    documents: DynamoDBDocumentClient.from(client),
    hrisTable,
    bookingsTable,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
