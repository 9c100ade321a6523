import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedSandbox } from '../../shared/connectors/sandbox/seed-sandbox';
import { seedDirectory } from '../../shared/directory/seed-directory';
import { seedProcurement } from '../../shared/procurement/demo-vendors';

/**
 * Seeds a running local cloud, through its DynamoDB endpoint as every client does, and says what
 * it did in one line for the startup banner: the sandbox systems (the CRM) with the demo
 * records, or the directory with the demo people and their grants.
 *
 * @param endpoint - The local cloud's URL.
 * @param stage - The CDK stage it serves, which names the tables.
 * @param what - Which data to seed.
 */
export async function seedDemoData(endpoint: string, stage: string, what: 'sandbox' | 'directory'): Promise<string> {
  const client = new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'psflow-local', secretAccessKey: 'psflow-local' },
  });
  try {
    const documents = DynamoDBDocumentClient.from(client);
    const seeded = what === 'sandbox' ? await seedSandbox(documents, stage) : await seedDirectory(documents, stage);
    // The sandbox procurement system's vendors are seeded with the other sandbox systems.
    const vendors = what === 'sandbox' ? await seedProcurement(documents, stage) : undefined;
    if (vendors)
      return `${seeded.written} demo records and ${vendors.written} vendors seeded, ${seeded.kept + vendors.kept} already present`;
    return `${seeded.written} demo ${what === 'sandbox' ? 'records' : 'users'} seeded, ${seeded.kept} already present`;
  } catch (error) {
    // A cloud assembly without these tables (another app, an older synth) is still served.
    if (error instanceof Error && error.name === 'ResourceNotFoundException')
      return 'not in this cloud assembly; nothing seeded';
    throw error;
  } finally {
    client.destroy();
  }
}
