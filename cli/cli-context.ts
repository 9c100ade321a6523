import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { discoverStage } from './stack-discovery';

/** Options every command accepts. */
export interface GlobalOptions {
  /** Local cloud URL, or `aws` for the account the SDK's default configuration points at. */
  readonly endpoint: string;
  readonly stage: string;
  readonly json: boolean;
  /** Who acts; locally a demo user name, recorded on every action. */
  readonly as: string;
}

/** SDK clients and resource names for one stage, built once per command. */
export interface CliContext {
  readonly options: GlobalOptions;
  readonly documents: DynamoDBDocumentClient;
  readonly events: EventBridgeClient;
  readonly tableName: (name: string) => string;
  readonly busName: string;
  /** Base URL of the operations API: the local cloud's `/api`, or the stack's `ApiUrl` output. */
  readonly apiUrl: string;
  /** Human output (tables, messages); suppressed for `--json`. */
  readonly print: (line: string) => void;
  /** Machine output for `--json`. */
  readonly printJson: (value: unknown) => void;
  close(): void;
}

/**
 * Builds the clients. Locally: the endpoint with throwaway credentials, and names derived from
 * the stage. With `--endpoint aws`: the default AWS chain, and names read from the stage's
 * stack outputs, so nothing is copied by hand.
 */
export async function createContext(options: GlobalOptions): Promise<CliContext> {
  const local = options.endpoint !== 'aws';
  const config = local
    ? {
        endpoint: options.endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'psflow-local', secretAccessKey: 'psflow-local' },
      }
    : {};
  const names = local
    ? {
        tableName: (name: string) => `psflow-${options.stage}-${name}`,
        busName: `psflow-${options.stage}`,
        apiUrl: `${options.endpoint}/api`,
      }
    : await namesFromStack(options.stage);
  const dynamodb = new DynamoDBClient(config);
  const events = new EventBridgeClient(config);
  return {
    options,
    documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    events,
    ...names,
    print: (line) => {
      if (!options.json) console.log(line);
    },
    printJson: (value) => console.log(JSON.stringify(value, null, 2)),
    close: () => {
      dynamodb.destroy();
      events.destroy();
    },
  };
}

async function namesFromStack(stage: string): Promise<Pick<CliContext, 'tableName' | 'busName' | 'apiUrl'>> {
  const cloudFormation = new CloudFormationClient({});
  try {
    const outputs = await discoverStage(cloudFormation, stage);
    return { tableName: outputs.tableName, busName: outputs.eventBusName, apiUrl: outputs.apiUrl };
  } finally {
    cloudFormation.destroy();
  }
}
