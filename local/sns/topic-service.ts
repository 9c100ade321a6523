import { createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import * as path from 'node:path';
import type { TopicSpec } from '../cdk/resource-model';
import { AwsError } from '../http/aws-json';
import { AppendLog } from '../store/append-log';

/** A message published to a topic, as the local cloud keeps it for reading. */
export interface PublishedMessage {
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly Subject?: string;
  readonly MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
  readonly Timestamp: string;
}

type TopicRecord = { readonly t: 'published'; readonly topic: string; readonly message: PublishedMessage };

/** SNS caps a message at 256 KB, as Step Functions' own payloads. */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** SNS actions served on the query protocol; everything else form-encoded is SQS's. */
const SNS_ACTIONS = new Set(['Publish', 'ListTopics', 'GetTopicAttributes']);
const XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

function escapeXml(value: unknown): string {
  return String(value).replace(
    /[<>&'"]/g,
    (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[character] ?? character,
  );
}

/** Message attributes in the SNS shape, or an InvalidParameter error saying which one is wrong. */
function attributesOf(
  value: unknown,
): { MessageAttributes: NonNullable<PublishedMessage['MessageAttributes']> } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new AwsError('InvalidParameter', 'Invalid parameter: MessageAttributes must be a map');
  const attributes: NonNullable<PublishedMessage['MessageAttributes']> = {};
  for (const [name, attribute] of Object.entries(value)) {
    if (typeof attribute !== 'object' || attribute === null || typeof attribute.DataType !== 'string') {
      throw new AwsError('InvalidParameter', `Invalid parameter: MessageAttributes.${name} needs a DataType`);
    }
    attributes[name] = {
      DataType: attribute.DataType,
      ...(typeof attribute.StringValue === 'string' ? { StringValue: attribute.StringValue } : {}),
    };
  }
  return { MessageAttributes: attributes };
}

/**
 * The SNS topics of the template, minimal: Publish (from `sns:publish` tasks and from SDK
 * clients) is recorded durably, and what was published can be read back, for tests and for
 * an operator, at `GET /_psflow/sns/<topic name>`. There are no subscriptions: nothing is
 * delivered onwards.
 */
export class TopicService {
  private readonly topics = new Map<string, { readonly spec: TopicSpec; readonly messages: PublishedMessage[] }>();
  private readonly log: AppendLog<TopicRecord>;

  constructor(specs: readonly TopicSpec[], dataDirectory: string) {
    for (const spec of specs) this.topics.set(spec.name, { spec, messages: [] });
    const { log, records } = AppendLog.open<TopicRecord>(path.join(dataDirectory, 'topics.log'));
    this.log = log;
    for (const record of records) this.topics.get(record.topic)?.messages.push(record.message);
  }

  /** Topic names with their message counts, for the startup listing. */
  describe(): Array<{ name: string; messages: number }> {
    return [...this.topics.values()].map((topic) => ({ name: topic.spec.name, messages: topic.messages.length }));
  }

  private byArn(topicArn: unknown): { readonly spec: TopicSpec; readonly messages: PublishedMessage[] } {
    if (typeof topicArn !== 'string' || topicArn === '')
      throw new AwsError('InvalidParameter', 'Invalid parameter: TopicArn');
    if (!/^arn:aws[\w-]*:sns:[^:]+:\d+:[^:]+$/.test(topicArn))
      throw new AwsError(
        'InvalidParameter',
        `Invalid parameter: TopicArn Reason: ${topicArn} is not a valid topic ARN`,
      );
    const topic = this.topics.get(topicArn.split(':').pop() ?? '');
    if (!topic || topic.spec.arn !== topicArn) throw new AwsError('NotFound', 'Topic does not exist', 404);
    return topic;
  }

  /** Publishes a message durably and returns its id. */
  async publish(request: {
    TopicArn?: unknown;
    Message?: unknown;
    Subject?: unknown;
    MessageAttributes?: unknown;
  }): Promise<{ MessageId: string }> {
    const topic = this.byArn(request.TopicArn);
    if (typeof request.Message !== 'string' || request.Message === '')
      throw new AwsError('InvalidParameter', 'Invalid parameter: Message');
    if (Buffer.byteLength(request.Message) > MAX_MESSAGE_BYTES)
      throw new AwsError('InvalidParameter', 'Invalid parameter: Message too long');
    const message: PublishedMessage = {
      MessageId: randomUUID(),
      TopicArn: topic.spec.arn,
      Message: request.Message,
      ...(typeof request.Subject === 'string' ? { Subject: request.Subject } : {}),
      ...(attributesOf(request.MessageAttributes) ?? {}),
      Timestamp: new Date().toISOString(),
    };
    await this.log.append({ t: 'published', topic: topic.spec.name, message });
    topic.messages.push(message);
    return { MessageId: message.MessageId };
  }

  /** What was published to a topic, oldest first; undefined when there is no such topic. */
  published(topicName: string): readonly PublishedMessage[] | undefined {
    return this.topics.get(topicName)?.messages;
  }

  /** True when a form-encoded request is an SNS action rather than an SQS one. */
  static isSnsQuery(body: string): boolean {
    return SNS_ACTIONS.has(new URLSearchParams(body).get('Action') ?? '');
  }

  /** Answers one form-encoded SNS request (the protocol SDK v3 and the AWS CLI speak to SNS). */
  async handleQuery(body: string, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(body);
    const action = form.get('Action') ?? '';
    let result = '';
    let status = 200;
    let xml: string;
    try {
      switch (action) {
        case 'Publish': {
          const attributes: Record<string, { DataType: string; StringValue?: string }> = {};
          for (let index = 1; form.has(`MessageAttributes.entry.${index}.Name`); index++) {
            attributes[form.get(`MessageAttributes.entry.${index}.Name`) ?? ''] = {
              DataType: form.get(`MessageAttributes.entry.${index}.Value.DataType`) ?? 'String',
              StringValue: form.get(`MessageAttributes.entry.${index}.Value.StringValue`) ?? undefined,
            };
          }
          const published = await this.publish({
            TopicArn: form.get('TopicArn'),
            Message: form.get('Message'),
            Subject: form.get('Subject') ?? undefined,
            MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
          });
          result = `<MessageId>${published.MessageId}</MessageId>`;
          break;
        }
        case 'ListTopics':
          result = `<Topics>${[...this.topics.values()].map((topic) => `<member><TopicArn>${escapeXml(topic.spec.arn)}</TopicArn></member>`).join('')}</Topics>`;
          break;
        case 'GetTopicAttributes': {
          const topic = this.byArn(form.get('TopicArn'));
          const attributes = {
            TopicArn: topic.spec.arn,
            DisplayName: '',
            SubscriptionsConfirmed: '0',
            SubscriptionsPending: '0',
          };
          result = `<Attributes>${Object.entries(attributes)
            .map(([key, value]) => `<entry><key>${key}</key><value>${escapeXml(value)}</value></entry>`)
            .join('')}</Attributes>`;
          break;
        }
        default:
          throw new AwsError('InvalidAction', `SNS action ${action} is not served by the local cloud`);
      }
      xml = `<${action}Response xmlns="${XML_NAMESPACE}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${createHash('md5').update(randomUUID()).digest('hex')}</RequestId></ResponseMetadata></${action}Response>`;
    } catch (error) {
      const awsError = error instanceof AwsError ? error : new AwsError('InternalError', (error as Error).message, 500);
      status = awsError.statusCode;
      xml = `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>Sender</Type><Code>${escapeXml(awsError.code)}</Code><Message>${escapeXml(awsError.message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>`;
    }
    response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
    response.end(xml);
  }

  /** Flushes and closes the topic log. */
  stop(): Promise<void> {
    return this.log.close();
  }
}
