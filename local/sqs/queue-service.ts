import { createHash, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { QueueSpec } from '../cdk/resource-model';
import { AwsError, requireString } from '../http/aws-json';
import { AppendLog } from '../store/append-log';

/** A message as SQS returns it. */
interface StoredMessage {
  readonly MessageId: string;
  readonly Body: string;
  readonly MD5OfBody: string;
  readonly MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
  readonly SentTimestamp: number;
}

type QueueRecord =
  | { readonly t: 'sent'; readonly queue: string; readonly message: StoredMessage }
  | { readonly t: 'deleted'; readonly queue: string; readonly id: string };

interface QueueState {
  readonly spec: QueueSpec;
  readonly messages: Map<string, StoredMessage & { invisibleUntil: number; receiveCount: number }>;
}

/**
 * The SQS queues of the template, persisted, with the small API an operator needs to read
 * and clear a dead-letter queue (AWS JSON protocol, as SDK v3 and the AWS CLI v2 speak it).
 */
export class QueueService {
  private readonly queues = new Map<string, QueueState>();
  private readonly log: AppendLog<QueueRecord>;

  constructor(specs: readonly QueueSpec[], dataDirectory: string) {
    for (const spec of specs) this.queues.set(spec.name, { spec, messages: new Map() });
    const { log, records } = AppendLog.open<QueueRecord>(path.join(dataDirectory, 'queues.log'));
    this.log = log;
    for (const record of records) {
      const queue = this.queues.get(record.queue);
      if (!queue) continue;
      if (record.t === 'sent')
        queue.messages.set(record.message.MessageId, { ...record.message, invisibleUntil: 0, receiveCount: 0 });
      else queue.messages.delete(record.id);
    }
  }

  /** Queue names with their visible message counts, for the startup listing. */
  describe(): Array<{ name: string; messages: number }> {
    return [...this.queues.values()].map((queue) => ({ name: queue.spec.name, messages: queue.messages.size }));
  }

  private byUrlOrArn(reference: string): QueueState {
    const name = reference.startsWith('arn:') ? reference.split(':').pop() : reference.split('/').pop();
    const queue = name ? this.queues.get(name) : undefined;
    if (!queue)
      throw new AwsError('AWS.SimpleQueueService.NonExistentQueue', `The specified queue does not exist: ${reference}`);
    return queue;
  }

  /** Sends a message durably; used for dead letters. */
  async send(queueUrlOrArn: string, body: string, attributes: Record<string, string> = {}): Promise<string> {
    const queue = this.byUrlOrArn(queueUrlOrArn);
    const message: StoredMessage = {
      MessageId: randomUUID(),
      Body: body,
      MD5OfBody: createHash('md5').update(body).digest('hex'),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([key, value]) => [key, { DataType: 'String', StringValue: value }]),
      ),
      SentTimestamp: Date.now(),
    };
    await this.log.append({ t: 'sent', queue: queue.spec.name, message });
    queue.messages.set(message.MessageId, { ...message, invisibleUntil: 0, receiveCount: 0 });
    return message.MessageId;
  }

  /** Serves one AmazonSQS JSON action. */
  async handle(action: string, request: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'ListQueues': {
        const prefix = typeof request.QueueNamePrefix === 'string' ? request.QueueNamePrefix : '';
        return {
          QueueUrls: [...this.queues.values()]
            .filter((queue) => queue.spec.name.startsWith(prefix))
            .map((queue) => queue.spec.url),
        };
      }
      case 'GetQueueUrl': {
        const queue = this.queues.get(requireString(request, 'QueueName'));
        if (!queue)
          throw new AwsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
        return { QueueUrl: queue.spec.url };
      }
      case 'GetQueueAttributes': {
        const queue = this.byUrlOrArn(requireString(request, 'QueueUrl'));
        const now = Date.now();
        const visible = [...queue.messages.values()].filter((message) => message.invisibleUntil <= now).length;
        return {
          Attributes: {
            QueueArn: queue.spec.arn,
            ApproximateNumberOfMessages: String(visible),
            ApproximateNumberOfMessagesNotVisible: String(queue.messages.size - visible),
          },
        };
      }
      case 'SendMessage': {
        const body = requireString(request, 'MessageBody');
        // SDK v3 checks this digest and fails the call without it.
        return {
          MessageId: await this.send(requireString(request, 'QueueUrl'), body),
          MD5OfMessageBody: createHash('md5').update(body).digest('hex'),
        };
      }
      case 'ReceiveMessage': {
        const queue = this.byUrlOrArn(requireString(request, 'QueueUrl'));
        const max = Math.min(10, Math.max(1, Number(request.MaxNumberOfMessages ?? 1)));
        const visibilityMs = Number(request.VisibilityTimeout ?? 30) * 1000;
        const now = Date.now();
        const received = [...queue.messages.values()].filter((message) => message.invisibleUntil <= now).slice(0, max);
        for (const message of received) {
          message.invisibleUntil = now + visibilityMs;
          message.receiveCount++;
        }
        return {
          Messages: received.map((message) => ({
            MessageId: message.MessageId,
            ReceiptHandle: `${queue.spec.name}/${message.MessageId}`,
            Body: message.Body,
            MD5OfBody: message.MD5OfBody,
            MessageAttributes: message.MessageAttributes,
            Attributes: {
              SentTimestamp: String(message.SentTimestamp),
              ApproximateReceiveCount: String(message.receiveCount),
            },
          })),
        };
      }
      case 'DeleteMessage': {
        const queue = this.byUrlOrArn(requireString(request, 'QueueUrl'));
        const id = requireString(request, 'ReceiptHandle').split('/').pop() ?? '';
        if (queue.messages.delete(id)) await this.log.append({ t: 'deleted', queue: queue.spec.name, id });
        return {};
      }
      case 'PurgeQueue': {
        const queue = this.byUrlOrArn(requireString(request, 'QueueUrl'));
        for (const id of queue.messages.keys()) this.log.appendLazy({ t: 'deleted', queue: queue.spec.name, id });
        queue.messages.clear();
        await this.log.flush();
        return {};
      }
      default:
        throw new AwsError('UnsupportedOperation', `SQS action ${action} is not served by the local cloud`);
    }
  }

  /** Flushes and closes the queue log. */
  stop(): Promise<void> {
    return this.log.close();
  }
}
