import { createHash, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { EventBusSpec, RuleSpec, RuleTargetSpec } from '../cdk/resource-model';
import { AwsError, optionalString, requireString } from '../http/aws-json';
import { jsonTextDepth } from '../http/json-depth';
import { AppendLog } from '../store/append-log';
import {
  compileEventPattern,
  type CompiledEventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
} from './event-pattern';
import { buildTargetInput } from './target-input';

/** An event as EventBridge hands it to targets. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: unknown;
}

/** Delivers a target's input; rejects when delivery failed and should be retried. */
export type TargetDeliverer = (
  target: RuleTargetSpec,
  input: string,
  delivery: { eventId: string; ruleName: string },
) => Promise<void>;

/** Where a delivery that exhausted its retries goes, like a rule target's dead-letter queue. */
export type DeadLetterSink = (target: RuleTargetSpec, event: BusEvent, rule: RuleSpec, error: Error) => Promise<void>;

/** Local retry policy: AWS retries for up to 24 hours, which no laptop run wants to wait. */
export interface DeliveryRetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
}

type JournalRecord =
  | { readonly t: 'accepted'; readonly bus: string; readonly event: BusEvent; readonly at: number }
  | { readonly t: 'settled'; readonly id: string };

interface LoadedRule {
  readonly spec: RuleSpec;
  readonly pattern: CompiledEventPattern;
}

/** Largest total of a PutEvents request's entries (256 KiB), each measured as AWS documents it. */
const MAX_REQUEST_ENTRIES_BYTES = 256 * 1024;
/** PutEvents processes nested JSON up to 1100 levels deep (AWS API reference); deeper Detail is malformed. */
const MAX_DETAIL_DEPTH = 1100;
/** Sources reserved for AWS services and partners; a customer's PutEvents may not use them. */
const AWS_SOURCE_PREFIX = 'aws.';
/** Partner event sources; each delivers to the partner event bus of the same name. */
export const PARTNER_SOURCE_PREFIX = 'aws.partner/';

/**
 * Size of a PutEvents entry as AWS computes it ("Calculating PutEvents event entry size"):
 * 14 bytes for Time when given, plus the UTF-8 bytes of Source, DetailType, Detail and each
 * of the Resources.
 */
export function putEventsEntrySize(entry: unknown): number {
  if (typeof entry !== 'object' || entry === null) return 0;
  const fields = entry as Record<string, unknown>;
  const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(fields.Resources)
    ? fields.Resources.reduce((sum: number, item) => sum + bytes(item), 0)
    : 0;
  return (
    (fields.Time !== undefined && fields.Time !== null ? 14 : 0) +
    bytes(fields.Source) +
    bytes(fields.DetailType) +
    bytes(fields.Detail) +
    resources
  );
}

/**
 * EventBridge, locally: buses and rules from the template, PutEvents journalled to disk
 * before it answers, pattern matching with AWS semantics, and target delivery with retries
 * and a dead-letter place.
 */
export class EventBusService {
  private readonly buses = new Map<string, EventBusSpec>();
  private readonly rulesByBus = new Map<string, LoadedRule[]>();
  private readonly journal: AppendLog<JournalRecord>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counters = {
    accepted: 0,
    failedEntries: 0,
    matched: 0,
    unmatched: 0,
    delivered: 0,
    retried: 0,
    deadLettered: 0,
  };
  private stopping = false;
  private closed = false;
  private readonly unsettledAtStart: Array<{ bus: string; event: BusEvent }>;

  constructor(
    buses: readonly EventBusSpec[],
    rules: readonly RuleSpec[],
    private readonly options: {
      readonly dataDirectory: string;
      readonly region: string;
      readonly accountId: string;
      readonly retry: DeliveryRetryPolicy;
      readonly deliver: TargetDeliverer;
      readonly deadLetter: DeadLetterSink;
    },
  ) {
    for (const bus of buses) this.buses.set(bus.name, bus);
    for (const rule of rules) {
      // A partner event bus is made by associating a partner event source, not by the stack,
      // which only names it: the local cloud makes it as the association would.
      if (rule.eventBusName.startsWith(PARTNER_SOURCE_PREFIX) && !this.buses.has(rule.eventBusName)) {
        this.buses.set(rule.eventBusName, {
          name: rule.eventBusName,
          arn: `arn:aws:events:${options.region}:${options.accountId}:event-bus/${rule.eventBusName}`,
        });
      }
      if (!this.buses.has(rule.eventBusName))
        throw new Error(`Rule ${rule.name}: event bus ${rule.eventBusName} is not declared`);
      let pattern: CompiledEventPattern;
      try {
        pattern = compileEventPattern(rule.eventPattern);
      } catch (error) {
        if (error instanceof InvalidEventPatternError) throw new Error(`Rule ${rule.name}: ${error.message}`);
        throw error;
      }
      const list = this.rulesByBus.get(rule.eventBusName) ?? [];
      list.push({ spec: rule, pattern });
      this.rulesByBus.set(rule.eventBusName, list);
    }
    const { log, records } = AppendLog.open<JournalRecord>(path.join(options.dataDirectory, 'events.log'));
    this.journal = log;
    const accepted = new Map<string, { bus: string; event: BusEvent }>();
    for (const record of records) {
      if (record.t === 'accepted') accepted.set(record.event.id, { bus: record.bus, event: record.event });
      else accepted.delete(record.id);
    }
    this.unsettledAtStart = [...accepted.values()];
  }

  /** Redelivers events accepted before a crash whose deliveries had not settled. */
  resumeUnsettled(): number {
    for (const { bus, event } of this.unsettledAtStart) this.route(bus, event);
    return this.unsettledAtStart.length;
  }

  /** Delivery counters since start. */
  statistics(): Readonly<typeof this.counters> {
    return { ...this.counters };
  }

  /** Names of buses and their rules, for the startup listing. */
  describe(): Array<{ bus: string; rules: string[] }> {
    return [...this.buses.keys()].map((bus) => ({
      bus,
      rules: (this.rulesByBus.get(bus) ?? []).map((rule) => rule.spec.name),
    }));
  }

  private busName(nameOrArn: string | undefined): string {
    if (!nameOrArn) return 'default';
    return nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? nameOrArn) : nameOrArn;
  }

  /** Serves one AWSEvents JSON 1.1 action. */
  async handle(action: string, request: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'PutEvents':
        return this.putEvents(request);
      case 'ListEventBuses': {
        const prefix = optionalString(request, 'NamePrefix') ?? '';
        return {
          EventBuses: [...this.buses.values()]
            .filter((bus) => bus.name.startsWith(prefix))
            .map((bus) => ({ Name: bus.name, Arn: bus.arn })),
        };
      }
      case 'DescribeEventBus': {
        const bus = this.buses.get(this.busName(optionalString(request, 'Name')));
        if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${String(request.Name)} does not exist.`);
        return { Name: bus.name, Arn: bus.arn };
      }
      case 'ListRules': {
        const busName = this.busName(optionalString(request, 'EventBusName'));
        if (!this.buses.has(busName))
          throw new AwsError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
        const prefix = optionalString(request, 'NamePrefix') ?? '';
        return {
          Rules: (this.rulesByBus.get(busName) ?? [])
            .filter((rule) => rule.spec.name.startsWith(prefix))
            .map(({ spec }) => ({
              Name: spec.name,
              Arn: spec.arn,
              EventBusName: busName,
              EventPattern: spec.eventPattern,
              State: spec.enabled ? 'ENABLED' : 'DISABLED',
            })),
        };
      }
      case 'DescribeRule': {
        const busName = this.busName(optionalString(request, 'EventBusName'));
        const { spec } = this.findRule(requireString(request, 'Name'), busName);
        return {
          Name: spec.name,
          Arn: spec.arn,
          EventPattern: spec.eventPattern,
          State: spec.enabled ? 'ENABLED' : 'DISABLED',
          EventBusName: busName,
          CreatedBy: this.options.accountId,
        };
      }
      case 'ListTargetsByRule': {
        const rule = this.findRule(
          requireString(request, 'Rule'),
          this.busName(optionalString(request, 'EventBusName')),
        );
        return {
          Targets: rule.spec.targets.map((target) => ({
            Id: target.id,
            Arn: target.arn,
            Input: target.input,
            InputPath: target.inputPath,
            InputTransformer: target.inputTransformer && {
              InputPathsMap: target.inputTransformer.inputPathsMap,
              InputTemplate: target.inputTransformer.inputTemplate,
            },
            DeadLetterConfig: target.deadLetterArn ? { Arn: target.deadLetterArn } : undefined,
            RetryPolicy: {
              MaximumRetryAttempts: target.maximumRetryAttempts,
              MaximumEventAgeInSeconds: target.maximumEventAgeSeconds,
            },
          })),
        };
      }
      case 'TestEventPattern': {
        let event: unknown;
        try {
          event = JSON.parse(requireString(request, 'Event'));
        } catch (error) {
          if (error instanceof AwsError) throw error;
          throw new AwsError('InvalidEventPatternException', 'Event is not valid JSON');
        }
        try {
          return { Result: matchesEventPattern(compileEventPattern(requireString(request, 'EventPattern')), event) };
        } catch (error) {
          if (error instanceof InvalidEventPatternError)
            throw new AwsError('InvalidEventPatternException', error.message);
          throw error;
        }
      }
      default:
        throw new AwsError(
          'UnknownOperationException',
          `EventBridge action ${action} is not served by the local cloud`,
        );
    }
  }

  private findRule(name: string, busName: string): LoadedRule {
    const rule = (this.rulesByBus.get(busName) ?? []).find((candidate) => candidate.spec.name === name);
    if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${busName}.`);
    return rule;
  }

  /**
   * Accepts up to 10 entries. Valid entries are journalled (fdatasync'd) before the answer,
   * so an accepted event survives a crash; invalid entries are answered with the reason.
   * A request answered with an error leaves nothing behind: every entry is checked, and
   * serialized, before the first one is journalled.
   */
  async putEvents(
    request: Record<string, unknown>,
  ): Promise<{ FailedEntryCount: number; Entries: Array<Record<string, string>> }> {
    return this.accept(request, 'customer');
  }

  /**
   * Plays a SaaS partner (Salesforce Event Relay, Amazon AppFlow): each entry, whose source
   * is a partner event source (`aws.partner/...`), goes to the partner event bus of that name,
   * as in AWS. Local only: the AWS API has no such call, and refuses these sources on PutEvents.
   */
  async putPartnerEvents(
    request: Record<string, unknown>,
  ): Promise<{ FailedEntryCount: number; Entries: Array<Record<string, string>> }> {
    return this.accept(request, 'partner');
  }

  private async accept(
    request: Record<string, unknown>,
    sender: 'customer' | 'partner',
  ): Promise<{ FailedEntryCount: number; Entries: Array<Record<string, string>> }> {
    const entries = request.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new AwsError(
        'ValidationException',
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    if (entries.length > 10) {
      throw new AwsError(
        'ValidationException',
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10",
      );
    }
    if (entries.reduce((sum: number, entry) => sum + putEventsEntrySize(entry), 0) > MAX_REQUEST_ENTRIES_BYTES) {
      throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const results: Array<Record<string, string>> = [];
    const accepted: Array<{ bus: string; event: BusEvent }> = [];
    for (const entry of entries as unknown[]) {
      const outcome = this.validateEntry(entry, sender);
      if ('errorCode' in outcome) {
        results.push({ ErrorCode: outcome.errorCode, ErrorMessage: outcome.errorMessage });
      } else {
        accepted.push(outcome);
        results.push({ EventId: outcome.event.id });
      }
    }
    this.counters.failedEntries += entries.length - accepted.length;
    const at = Date.now();
    await Promise.all(accepted.map(({ bus, event }) => this.journal.append({ t: 'accepted', bus, event, at })));
    this.counters.accepted += accepted.length;
    for (const { bus, event } of accepted) this.route(bus, event);
    return { FailedEntryCount: entries.length - accepted.length, Entries: results };
  }

  private validateEntry(
    entry: unknown,
    sender: 'customer' | 'partner',
  ): { bus: string; event: BusEvent } | { errorCode: string; errorMessage: string } {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return { errorCode: 'InvalidArgument', errorMessage: 'Entry must be an object' };
    }
    const fields = entry as Record<string, unknown>;
    for (const name of ['Source', 'DetailType', 'Detail'] as const) {
      const value = fields[name];
      if (typeof value !== 'string' || value.trim() === '') {
        return {
          errorCode: 'InvalidArgument',
          errorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
        };
      }
    }
    const source = fields.Source as string;
    if (sender === 'customer' && source.startsWith(AWS_SOURCE_PREFIX)) {
      return { errorCode: 'NotAuthorizedForSourceException', errorMessage: 'Not authorized for the source.' };
    }
    if (sender === 'partner' && !source.startsWith(PARTNER_SOURCE_PREFIX)) {
      return {
        errorCode: 'InvalidArgument',
        errorMessage: `Source ${source} is not a partner event source: it must begin with ${PARTNER_SOURCE_PREFIX}`,
      };
    }
    // Checked on the text first: parsing is iterative, but matching and journalling recurse.
    if (jsonTextDepth(fields.Detail as string) > MAX_DETAIL_DEPTH) {
      return {
        errorCode: 'MalformedDetail',
        errorMessage: `Detail is malformed. It is nested deeper than the ${MAX_DETAIL_DEPTH} levels PutEvents processes.`,
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(fields.Detail as string);
    } catch {
      return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed. It must be a JSON object.' };
    }
    try {
      // What the journal will write: an entry that cannot be written fails alone, before any is.
      JSON.stringify(detail);
    } catch (error) {
      return { errorCode: 'MalformedDetail', errorMessage: `Detail is malformed: ${(error as Error).message}` };
    }
    const busName =
      sender === 'partner'
        ? source
        : this.busName(typeof fields.EventBusName === 'string' ? fields.EventBusName : undefined);
    if (
      sender === 'partner' &&
      fields.EventBusName !== undefined &&
      this.busName(String(fields.EventBusName)) !== source
    ) {
      return {
        errorCode: 'InvalidArgument',
        errorMessage: `A partner event goes to the partner event bus named after its source (${source}), not to ${String(fields.EventBusName)}`,
      };
    }
    if (!this.buses.has(busName)) {
      if (sender === 'partner') {
        return {
          errorCode: 'ResourceNotFoundException',
          errorMessage: `Event bus ${busName} does not exist. In AWS the partner event source is associated with a partner event bus of its name; here the stack must name it (cdk -c partnerEventBuses=${busName}).`,
        };
      }
      return { errorCode: 'ResourceNotFoundException', errorMessage: `Event bus ${busName} does not exist.` };
    }
    let time = new Date();
    if (fields.Time !== undefined) {
      const parsed = new Date(typeof fields.Time === 'number' ? fields.Time * 1000 : String(fields.Time));
      if (!Number.isNaN(parsed.getTime())) time = parsed;
    }
    const resources = Array.isArray(fields.Resources)
      ? fields.Resources.filter((item): item is string => typeof item === 'string')
      : [];
    return {
      bus: busName,
      event: {
        version: '0',
        id: randomUUID(),
        'detail-type': fields.DetailType as string,
        source,
        account: this.options.accountId,
        time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.options.region,
        resources,
        detail,
      },
    };
  }

  private route(bus: string, event: BusEvent): void {
    const matches = (this.rulesByBus.get(bus) ?? []).filter(
      (rule) => rule.spec.enabled && matchesEventPattern(rule.pattern, event),
    );
    if (matches.length === 0) this.counters.unmatched++;
    else this.counters.matched++;
    const deliveries = matches.flatMap((rule) =>
      rule.spec.targets.map((target) => this.deliverWithRetry(rule.spec, target, event)),
    );
    const settled = Promise.all(deliveries).then((outcomes) => {
      // A delivery cut short by a stop is not settled: the event is delivered again on the next start.
      if (outcomes.every(Boolean) && !this.closed) this.journal.appendLazy({ t: 'settled', id: event.id });
    });
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  /** Resolves true once the event was delivered or dead-lettered, false when a stop cut it short. */
  private async deliverWithRetry(rule: RuleSpec, target: RuleTargetSpec, event: BusEvent): Promise<boolean> {
    const input = buildTargetInput(target, event as unknown as Record<string, unknown>, {
      ruleName: rule.name,
      ruleArn: rule.arn,
      ingestionTime: event.time,
    });
    const maxAttempts = Math.min(this.options.retry.maxAttempts, target.maximumRetryAttempts + 1);
    let lastError: Error = new Error('not attempted');
    for (let attempt = 1; attempt <= maxAttempts && !this.stopping; attempt++) {
      try {
        await this.options.deliver(target, input, { eventId: event.id, ruleName: rule.name });
        this.counters.delivered++;
        return true;
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
        if (attempt < maxAttempts) {
          this.counters.retried++;
          await new Promise((resolve) => setTimeout(resolve, this.options.retry.baseDelayMs * 2 ** (attempt - 1)));
        }
      }
    }
    if (this.stopping) return false;
    this.counters.deadLettered++;
    await this.options.deadLetter(target, event, rule, lastError);
    return true;
  }

  /** Stops retrying, waits for deliveries under way, and closes the journal. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.race([Promise.all([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, 2000))]);
    this.closed = true;
    await this.journal.close();
  }
}

/** Execution name for a rule target, stable per event so a redelivery cannot start twice. */
export function deliveryExecutionName(eventId: string, ruleName: string, targetId: string): string {
  const suffix = createHash('sha256').update(`${ruleName}\u0000${targetId}`).digest('hex').slice(0, 12);
  return `${eventId}-${suffix}`;
}
