import type { ServerResponse } from 'node:http';
import { AwsError } from '../http/aws-json';
import type { QueueService } from './queue-service';

/**
 * The SQS query protocol (form-encoded request, XML answer), which AWS CLI v2 releases
 * before 2.13 still speak. It maps onto the same QueueService actions as the JSON protocol.
 */
const XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

function escapeXml(value: unknown): string {
  return String(value).replace(
    /[<>&'"]/g,
    (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[character] as string,
  );
}

function element(name: string, value: unknown): string {
  return value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;
}

interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  MD5OfBody: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
}

function resultXml(action: string, result: Record<string, unknown>): string {
  switch (action) {
    case 'ListQueues':
      return ((result.QueueUrls as string[] | undefined) ?? []).map((url) => element('QueueUrl', url)).join('');
    case 'GetQueueUrl':
      return element('QueueUrl', result.QueueUrl);
    case 'SendMessage':
      return element('MessageId', result.MessageId) + element('MD5OfMessageBody', result.MD5OfMessageBody);
    case 'GetQueueAttributes':
      return Object.entries((result.Attributes as Record<string, string> | undefined) ?? {})
        .map(([name, value]) => `<Attribute>${element('Name', name)}${element('Value', value)}</Attribute>`)
        .join('');
    case 'ReceiveMessage':
      return ((result.Messages as ReceivedMessage[] | undefined) ?? [])
        .map((message) => {
          const attributes = Object.entries(message.Attributes ?? {}).map(
            ([name, value]) => `<Attribute>${element('Name', name)}${element('Value', value)}</Attribute>`,
          );
          const messageAttributes = Object.entries(message.MessageAttributes ?? {}).map(
            ([name, value]) =>
              `<MessageAttribute>${element('Name', name)}<Value>${element('StringValue', value.StringValue)}${element('DataType', value.DataType)}</Value></MessageAttribute>`,
          );
          return `<Message>${element('MessageId', message.MessageId)}${element('ReceiptHandle', message.ReceiptHandle)}${element('MD5OfBody', message.MD5OfBody)}${element('Body', message.Body)}${attributes.join('')}${messageAttributes.join('')}</Message>`;
        })
        .join('');
    default:
      return '';
  }
}

/** Answers one form-encoded SQS request. */
export async function handleSqsQuery(queues: QueueService, body: string, response: ServerResponse): Promise<void> {
  const form = new URLSearchParams(body);
  const action = form.get('Action') ?? '';
  const request: Record<string, unknown> = {};
  for (const [key, value] of form)
    if (!/\.\d+$/.test(key) && key !== 'Action' && key !== 'Version') request[key] = value;
  let xml: string;
  let status = 200;
  try {
    const result = (await queues.handle(action, request)) as Record<string, unknown>;
    xml = `<${action}Response xmlns="${XML_NAMESPACE}"><${action}Result>${resultXml(action, result)}</${action}Result><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></${action}Response>`;
  } catch (error) {
    const awsError = error instanceof AwsError ? error : new AwsError('InternalError', (error as Error).message, 500);
    status = awsError.statusCode;
    xml = `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>Sender</Type>${element('Code', awsError.code)}${element('Message', awsError.message)}</Error><RequestId>local</RequestId></ErrorResponse>`;
  }
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  response.end(xml);
}
