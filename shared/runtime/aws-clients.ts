import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './powertools';

/**
 * Module-scope SDK clients with the default configuration: region, credentials and
 * endpoints (AWS_ENDPOINT_URL_* locally) all come from the environment, so handler code
 * never branches on where it runs. Each is captured by the tracer, so a trace shows every
 * call a step made. `@__PURE__` lets the bundler drop the clients a function never uses: a
 * client constructed at module scope otherwise pulls its whole package into the bundle.
 */

/** DynamoDB with plain JavaScript values; absent optional fields are left out rather than refused. */
export const documentClient = /* @__PURE__ */ DynamoDBDocumentClient.from(
  /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new DynamoDBClient({})),
  {
    marshallOptions: { removeUndefinedValues: true },
  },
);

/** Step Functions. */
export const stepFunctionsClient = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new SFNClient({}));

/** EventBridge. */
export const eventBridgeClient = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new EventBridgeClient({}));

/** Lambda, for the one direct invocation: replaying a rejected event into ingestion. */
export const lambdaClient = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new LambdaClient({}));
