import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
  /** Human output (tables, messages); suppressed for `--json`. */
  readonly print: (line: string) => void;
  /** Machine output for `--json`. */
  readonly printJson: (value: unknown) => void;
  close(): void;
}

/** Builds the clients: local endpoint with throwaway credentials, or the default AWS chain. */
export function createContext(options: GlobalOptions): CliContext {
  const local = options.endpoint !== 'aws';
  const config = local
    ? { endpoint: options.endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'psflow-local', secretAccessKey: 'psflow-local' } }
    : {};
  const dynamodb = new DynamoDBClient(config);
  const events = new EventBridgeClient(config);
  return {
    options,
    documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    events,
    tableName: (name) => `psflow-${options.stage}-${name}`,
    busName: `psflow-${options.stage}`,
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
