import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/**
 * Module-scope SDK clients with the default configuration: region, credentials and
 * endpoints (AWS_ENDPOINT_URL_* locally) all come from the environment, so handler code
 * never branches on where it runs. Each is captured by the tracer, so a trace shows every
 * call a step made.
 */

/** DynamoDB with plain JavaScript values; absent optional fields are left out rather than refused. */
export const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Step Functions. */
export const stepFunctionsClient = tracer.captureAWSv3Client(new SFNClient({}));

/** EventBridge. */
export const eventBridgeClient = tracer.captureAWSv3Client(new EventBridgeClient({}));
