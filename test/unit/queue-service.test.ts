import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { QueueSpec } from '../../local/cdk/resource-model';
import { AwsError } from '../../local/http/aws-json';
import { handleSqsQuery } from '../../local/sqs/query-protocol';
import { QueueService } from '../../local/sqs/queue-service';

const QUEUE: QueueSpec = {
  logicalId: 'TargetDeadLetterQueue',
  name: 'psflow-test-dlq',
  url: 'http://127.0.0.1:4566/000000000000/psflow-test-dlq',
  arn: 'arn:aws:sqs:eu-west-1:000000000000:psflow-test-dlq',
};
const UNKNOWN_URL = 'http://127.0.0.1:4566/000000000000/psflow-test-missing';

interface ReceivedMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly Body: string;
  readonly MD5OfBody: string;
  readonly MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
  readonly Attributes: Record<string, string>;
}

let directory: string;
const openServices: QueueService[] = [];

function open(): QueueService {
  const service = new QueueService([QUEUE], directory);
  openServices.push(service);
  return service;
}

/** Stops a service before the test reopens its directory, as a restart of the local cloud would. */
async function restart(service: QueueService): Promise<QueueService> {
  await service.stop();
  openServices.splice(openServices.indexOf(service), 1);
  return open();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isReceivedMessage(value: unknown): value is ReceivedMessage {
  return (
    isRecord(value) &&
    typeof value.MessageId === 'string' &&
    typeof value.ReceiptHandle === 'string' &&
    typeof value.Body === 'string' &&
    isRecord(value.Attributes)
  );
}

async function receive(service: QueueService, request: Record<string, unknown> = {}): Promise<ReceivedMessage[]> {
  const result = await service.handle('ReceiveMessage', { QueueUrl: QUEUE.url, ...request });
  if (!isRecord(result) || !Array.isArray(result.Messages))
    throw new Error(`ReceiveMessage answered ${JSON.stringify(result)}`);
  return result.Messages.map((message: unknown) => {
    if (!isReceivedMessage(message)) throw new Error(`not a message: ${JSON.stringify(message)}`);
    return message;
  });
}

async function attributes(service: QueueService): Promise<Record<string, unknown>> {
  const result = await service.handle('GetQueueAttributes', { QueueUrl: QUEUE.url, AttributeNames: ['All'] });
  if (!isRecord(result) || !isRecord(result.Attributes))
    throw new Error(`GetQueueAttributes answered ${JSON.stringify(result)}`);
  return result.Attributes;
}

/** The AwsError a call rejects with; fails the test when it resolves or rejects otherwise. */
async function awsErrorOf(call: Promise<unknown>): Promise<AwsError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw new Error(`rejected with something other than an AwsError: ${String(error)}`);
  }
  throw new Error('the call resolved');
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-queue-service-'));
});

afterEach(async () => {
  // Close every queue log a test opened so no file handle outlives the temp directory.
  await Promise.all(openServices.splice(0).map((service) => service.stop()));
  jest.restoreAllMocks();
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('QueueService messages', () => {
  it('returns a sent message with its body checksum, attributes and receive count', async () => {
    // Prepare
    const service = open();
    const body = '{"detail-type":"Order Placed","detail":{"orderId":"o-1"}}';
    const messageId = await service.send(QUEUE.url, body, {
      RULE_ARN: 'arn:aws:events:eu-west-1:000000000000:rule/psflow-test/orders',
      ERROR_CODE: 'Lambda.Timeout',
    });

    // Act
    const messages = await receive(service);

    // Assess
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message.MessageId).toBe(messageId);
    expect(message.Body).toBe(body);
    expect(message.MD5OfBody).toBe(md5(body));
    expect(message.MessageAttributes).toEqual({
      RULE_ARN: { DataType: 'String', StringValue: 'arn:aws:events:eu-west-1:000000000000:rule/psflow-test/orders' },
      ERROR_CODE: { DataType: 'String', StringValue: 'Lambda.Timeout' },
    });
    expect(message.Attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(message.Attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(Number(message.Attributes.SentTimestamp)).toBeLessThanOrEqual(Date.now());
  });

  it('finds the queue by its ARN as well as by its URL', async () => {
    // Prepare
    const service = open();

    // Act
    await service.send(QUEUE.arn, 'by arn');
    const messages = await receive(service);

    // Assess
    expect(messages.map((message) => message.Body)).toEqual(['by arn']);
  });

  it('hides a received message from the next receive while its visibility timeout runs', async () => {
    // Prepare
    const service = open();
    await service.send(QUEUE.url, 'once');
    await receive(service, { VisibilityTimeout: 30 });

    // Act
    const second = await receive(service);

    // Assess
    expect(second).toEqual([]);
  });

  it('shows a received message again once its visibility timeout has passed', async () => {
    // Prepare
    const service = open();
    await service.send(QUEUE.url, 'again');
    const receivedAt = Date.now();
    await receive(service, { VisibilityTimeout: 30 });
    jest.spyOn(Date, 'now').mockReturnValue(receivedAt + 31_000);

    // Act
    const later = await receive(service);

    // Assess
    expect(later.map((message) => message.Body)).toEqual(['again']);
    expect(later[0].Attributes.ApproximateReceiveCount).toBe('2');
  });

  it('receives a message again at once after a zero visibility timeout', async () => {
    // Prepare
    const service = open();
    await service.send(QUEUE.url, 'peek');
    const first = await receive(service, { VisibilityTimeout: 0 });

    // Act
    const second = await receive(service, { VisibilityTimeout: 0 });

    // Assess
    expect(second.map((message) => message.MessageId)).toEqual(first.map((message) => message.MessageId));
    expect(second[0].Attributes.ApproximateReceiveCount).toBe('2');
  });

  it('returns one message by default and at most ten however many are asked for, oldest first', async () => {
    // Prepare
    const service = open();
    for (let index = 0; index < 12; index++) await service.send(QUEUE.url, `m${index}`);

    // Act
    const byDefault = await receive(service);
    const capped = await receive(service, { MaxNumberOfMessages: 50 });
    const rest = await receive(service, { MaxNumberOfMessages: 3 });

    // Assess
    expect(byDefault.map((message) => message.Body)).toEqual(['m0']);
    expect(capped.map((message) => message.Body)).toEqual([
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
      'm6',
      'm7',
      'm8',
      'm9',
      'm10',
    ]);
    expect(rest.map((message) => message.Body)).toEqual(['m11']);
  });

  it('counts visible and in-flight messages in GetQueueAttributes', async () => {
    // Prepare
    const service = open();
    for (const body of ['a', 'b', 'c']) await service.send(QUEUE.url, body);
    await receive(service, { VisibilityTimeout: 30 });

    // Act
    const counts = await attributes(service);

    // Assess
    expect(counts).toEqual({
      QueueArn: QUEUE.arn,
      ApproximateNumberOfMessages: '2',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
  });

  it('answers SendMessage from the JSON protocol with the new message id', async () => {
    // Prepare
    const service = open();

    // Act
    const result = await service.handle('SendMessage', { QueueUrl: QUEUE.url, MessageBody: 'via json' });
    const [message] = await receive(service);

    // Assess
    expect(isRecord(result) ? result.MessageId : undefined).toBe(message.MessageId);
    expect(message.Body).toBe('via json');
  });

  it('lists the queue URL and resolves GetQueueUrl by name', async () => {
    // Prepare
    const service = open();

    // Act
    const listed = await service.handle('ListQueues', {});
    const filteredOut = await service.handle('ListQueues', { QueueNamePrefix: 'other-' });
    const byName = await service.handle('GetQueueUrl', { QueueName: QUEUE.name });

    // Assess
    expect(listed).toEqual({ QueueUrls: [QUEUE.url] });
    expect(filteredOut).toEqual({ QueueUrls: [] });
    expect(byName).toEqual({ QueueUrl: QUEUE.url });
  });
});

describe('QueueService durability', () => {
  it('keeps a deleted message gone after reopening the same data directory', async () => {
    // Prepare
    let service = open();
    await service.send(QUEUE.url, 'handled');
    await service.send(QUEUE.url, 'still waiting');
    const [handled] = await receive(service, { VisibilityTimeout: 0 });

    // Act
    await service.handle('DeleteMessage', { QueueUrl: QUEUE.url, ReceiptHandle: handled.ReceiptHandle });
    const beforeRestart = await receive(service, { MaxNumberOfMessages: 10, VisibilityTimeout: 0 });
    service = await restart(service);
    const afterRestart = await receive(service, { MaxNumberOfMessages: 10 });

    // Assess
    expect(handled.Body).toBe('handled');
    expect(beforeRestart.map((message) => message.Body)).toEqual(['still waiting']);
    expect(afterRestart.map((message) => message.Body)).toEqual(['still waiting']);
  });

  it('keeps undeleted messages, ids and attributes across a reopen, visible again', async () => {
    // Prepare
    let service = open();
    const firstId = await service.send(QUEUE.url, 'first', {
      TARGET_ARN: 'arn:aws:lambda:eu-west-1:000000000000:function:f',
    });
    const secondId = await service.send(QUEUE.url, 'second');
    await receive(service, { MaxNumberOfMessages: 10, VisibilityTimeout: 300 });

    // Act
    service = await restart(service);
    const messages = await receive(service, { MaxNumberOfMessages: 10 });

    // Assess
    expect(messages.map((message) => [message.MessageId, message.Body])).toEqual([
      [firstId, 'first'],
      [secondId, 'second'],
    ]);
    expect(messages[0].MessageAttributes).toEqual({
      TARGET_ARN: { DataType: 'String', StringValue: 'arn:aws:lambda:eu-west-1:000000000000:function:f' },
    });
    expect(service.describe()).toEqual([{ name: QUEUE.name, messages: 2 }]);
  });

  it('empties the queue durably with PurgeQueue', async () => {
    // Prepare
    let service = open();
    for (const body of ['a', 'b', 'c']) await service.send(QUEUE.url, body);

    // Act
    await service.handle('PurgeQueue', { QueueUrl: QUEUE.url });
    const afterPurge = await receive(service, { MaxNumberOfMessages: 10 });
    service = await restart(service);
    const afterRestart = await receive(service, { MaxNumberOfMessages: 10 });

    // Assess
    expect(afterPurge).toEqual([]);
    expect(afterRestart).toEqual([]);
  });

  it('treats a second delete with the same receipt handle as done', async () => {
    // Prepare
    const service = open();
    await service.send(QUEUE.url, 'once');
    const [message] = await receive(service);
    await service.handle('DeleteMessage', { QueueUrl: QUEUE.url, ReceiptHandle: message.ReceiptHandle });

    // Act
    const again = await service.handle('DeleteMessage', { QueueUrl: QUEUE.url, ReceiptHandle: message.ReceiptHandle });

    // Assess
    expect(again).toEqual({});
    expect(service.describe()).toEqual([{ name: QUEUE.name, messages: 0 }]);
  });
});

describe('QueueService errors', () => {
  it.each([
    ['ReceiveMessage', { QueueUrl: UNKNOWN_URL }],
    ['SendMessage', { QueueUrl: UNKNOWN_URL, MessageBody: 'x' }],
    ['GetQueueAttributes', { QueueUrl: UNKNOWN_URL }],
    ['DeleteMessage', { QueueUrl: UNKNOWN_URL, ReceiptHandle: 'psflow-test-missing/1' }],
    ['PurgeQueue', { QueueUrl: UNKNOWN_URL }],
    ['GetQueueUrl', { QueueName: 'psflow-test-missing' }],
  ])('answers %s on an unknown queue with NonExistentQueue', async (action, request) => {
    // Prepare
    const service = open();

    // Act
    const error = await awsErrorOf(service.handle(action, request));

    // Assess
    expect(error.code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(error.statusCode).toBe(400);
  });

  it('refuses to send a dead letter to an unknown queue ARN', async () => {
    // Prepare
    const service = open();

    // Act
    const error = await awsErrorOf(service.send('arn:aws:sqs:eu-west-1:000000000000:psflow-test-missing', 'lost'));

    // Assess
    expect(error.code).toBe('AWS.SimpleQueueService.NonExistentQueue');
  });

  it('answers an action it does not serve with UnsupportedOperation', async () => {
    // Prepare
    const service = open();

    // Act
    const error = await awsErrorOf(service.handle('CreateQueue', { QueueName: 'new-queue' }));

    // Assess
    expect(error.code).toBe('UnsupportedOperation');
  });

  it('refuses SendMessage without a body as a validation error', async () => {
    // Prepare
    const service = open();

    // Act
    const error = await awsErrorOf(service.handle('SendMessage', { QueueUrl: QUEUE.url }));

    // Assess
    expect(error.code).toBe('ValidationException');
    expect(service.describe()).toEqual([{ name: QUEUE.name, messages: 0 }]);
  });
});

/** Just the part of ServerResponse the query protocol writes to. */
class CapturedResponse {
  status?: number;
  headers: Record<string, string | number> = {};
  body = '';
  ended = false;

  writeHead(status: number, headers: Record<string, string | number>): this {
    this.status = status;
    this.headers = headers;
    return this;
  }

  end(chunk?: string): this {
    this.body += chunk ?? '';
    this.ended = true;
    return this;
  }
}

async function query(service: QueueService, form: Record<string, string>): Promise<CapturedResponse> {
  const response = new CapturedResponse();
  await handleSqsQuery(service, new URLSearchParams(form).toString(), response as unknown as ServerResponse);
  return response;
}

describe('handleSqsQuery', () => {
  it('lists the queue URL in a ListQueues XML answer', async () => {
    // Prepare
    const service = open();

    // Act
    const response = await query(service, { Action: 'ListQueues', Version: '2012-11-05' });

    // Assess
    expect(response.status).toBe(200);
    expect(response.ended).toBe(true);
    expect(response.headers['content-type']).toBe('text/xml');
    expect(response.headers['content-length']).toBe(Buffer.byteLength(response.body));
    expect(response.body).toContain(
      `<ListQueuesResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ListQueuesResult><QueueUrl>${QUEUE.url}</QueueUrl></ListQueuesResult>`,
    );
  });

  it('escapes markup characters of a message body in the ReceiveMessage XML', async () => {
    // Prepare
    const service = open();
    await service.send(QUEUE.url, `<order id="o-1"> & 'rush'`, { NOTE: 'a<b' });

    // Act
    const response = await query(service, {
      Action: 'ReceiveMessage',
      QueueUrl: QUEUE.url,
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'All',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toContain('<Body>&lt;order id=&quot;o-1&quot;&gt; &amp; &apos;rush&apos;</Body>');
    expect(response.body).toContain(
      '<MessageAttribute><Name>NOTE</Name><Value><StringValue>a&lt;b</StringValue><DataType>String</DataType></Value></MessageAttribute>',
    );
    expect(response.body).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(response.body).not.toContain(`<order id="o-1">`);
  });

  it('stores a form-encoded SendMessage body exactly as sent', async () => {
    // Prepare
    const service = open();
    const body = '{"text":"a+b = c & <d>","emoji":"✓"}';

    // Act
    const response = await query(service, { Action: 'SendMessage', QueueUrl: QUEUE.url, MessageBody: body });
    const [message] = await receive(service);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toContain(`<MessageId>${message.MessageId}</MessageId>`);
    expect(message.Body).toBe(body);
  });

  it('answers GetQueueAttributes with one Attribute element per attribute', async () => {
    // Prepare
    const service = open();
    await service.send(QUEUE.url, 'x');

    // Act
    const response = await query(service, {
      Action: 'GetQueueAttributes',
      QueueUrl: QUEUE.url,
      'AttributeName.1': 'All',
    });

    // Assess
    expect(response.body).toContain(`<Attribute><Name>QueueArn</Name><Value>${QUEUE.arn}</Value></Attribute>`);
    expect(response.body).toContain('<Attribute><Name>ApproximateNumberOfMessages</Name><Value>1</Value></Attribute>');
  });

  it('answers an unknown queue with status 400 and the NonExistentQueue code', async () => {
    // Prepare
    const service = open();

    // Act
    const response = await query(service, { Action: 'ReceiveMessage', QueueUrl: UNKNOWN_URL });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toContain('<ErrorResponse');
    expect(response.body).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
    expect(response.body).toContain(`<Message>The specified queue does not exist: ${UNKNOWN_URL}</Message>`);
    expect(response.headers['content-length']).toBe(Buffer.byteLength(response.body));
  });

  it('answers an action it does not serve with status 400 and UnsupportedOperation', async () => {
    // Prepare
    const service = open();

    // Act
    const response = await query(service, { Action: 'CreateQueue', QueueName: 'new-queue' });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>UnsupportedOperation</Code>');
  });
});

describe('QueueService SendMessage', () => {
  it('answers with the MD5 of the body, which SDK v3 checks', async () => {
    // Prepare
    const service = open();
    const body = 'dead letter ✓ <&>';

    // Act
    const answer = await service.handle('SendMessage', { QueueUrl: QUEUE.url, MessageBody: body });

    // Assess
    expect(answer).toEqual({ MessageId: expect.any(String), MD5OfMessageBody: md5(body) });
  });
});
