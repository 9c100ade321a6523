import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedSandbox } from '../../shared/connectors/sandbox/seed-sandbox';

/**
 * Seeds the sandbox systems (the CRM) of a running local cloud with the demo records, through its
 * DynamoDB endpoint as any client would, and says what it did in one line for the startup banner.
 *
 * @param endpoint - The local cloud's URL.
 * @param stage - The CDK stage it serves, which names the sandbox tables.
 */
export async function seedDemoData(endpoint: string, stage: string): Promise<string> {
  const client = new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'psflow-local', secretAccessKey: 'psflow-local' },
  });
  try {
    const seeded = await seedSandbox(DynamoDBDocumentClient.from(client), stage);
    return `${seeded.written} demo records seeded, ${seeded.kept} already present`;
  } catch (error) {
    // A cloud assembly without the sandbox (another app, an older synth) is still served.
    if ((error as Error).name === 'ResourceNotFoundException') return 'not in this cloud assembly; nothing seeded';
    throw error;
  } finally {
    client.destroy();
  }
}
