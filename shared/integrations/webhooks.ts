import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { findContract } from '../events/contracts';
import type { EventPublisher } from '../events/event-publisher';
import { apiCatalogue, type ApiCatalogue } from './api-catalogue';
import { parseSecret, secretNameOf, type SecretsPort } from './secrets';

/**
 * Inbound webhooks, for systems that cannot put events on EventBridge. A catalogued API with
 * `auth: hmac` may POST canonical events of its port's source (`psflow.crm` for a CRM) to
 * `/webhooks/<apiId>`, signed as `X-Psflow-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`
 * with `X-Psflow-Timestamp` (Unix seconds) and a unique `X-Psflow-Delivery` id. The keys live
 * in Secrets Manager (`{"signingKeys":[...]}`, two during a rotation). Stale timestamps and
 * repeated delivery ids are refused, so a captured request cannot be replayed.
 */

/** How far a timestamp may be from now. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Why a delivery was refused, as counted in the `WebhookRejected` metric. */
export type WebhookRejection =
  | 'UnknownWebhook'
  | 'MissingSignature'
  | 'StaleTimestamp'
  | 'BadSignature'
  | 'Replay'
  | 'InvalidBody'
  | 'UnknownEvent'
  | 'InvalidEvent';

/** The answer to the sender. */
export interface WebhookOutcome {
  readonly statusCode: 202 | 400 | 401 | 404 | 409 | 422;
  readonly body: { readonly accepted?: string; readonly error?: WebhookRejection; readonly message?: string };
}

/** Remembers delivery ids for the tolerance window and a little more. */
export interface DeliveryLedger {
  /** True the first time an id is seen for the webhook; false for a repeat. */
  remember(apiId: string, deliveryId: string, now: number): Promise<boolean>;
  /** Forgets an id whose event could not be put, so the sender's retry is accepted. */
  forget(apiId: string, deliveryId: string): Promise<void>;
}

/** What a delivery needs. */
export interface WebhookDependencies {
  readonly secrets: SecretsPort;
  readonly stage: string;
  readonly ledger: DeliveryLedger;
  readonly publisher: EventPublisher;
  readonly now: () => number;
  readonly catalogue?: ApiCatalogue;
}

const WebhookSecret = z.object({ signingKeys: z.array(z.string().min(16)).min(1).max(2) });
const WebhookBody = z.strictObject({ detailType: z.string().min(1), detail: z.unknown() });

/** The signature a sender computes: hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function webhookSignature(key: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

function refuse(statusCode: WebhookOutcome['statusCode'], error: WebhookRejection, message: string): WebhookOutcome {
  return { statusCode, body: { error, message } };
}

/** Verifies a delivery and puts its canonical event on the bus. Never throws for bad input. */
export async function receiveWebhook(
  apiId: string,
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  dependencies: WebhookDependencies,
): Promise<WebhookOutcome> {
  const api = (dependencies.catalogue ?? apiCatalogue()).apis.find(
    (entry) => entry.apiId === apiId && entry.auth === 'hmac',
  );
  if (!api || api.secretName === undefined || api.port === '*')
    return refuse(404, 'UnknownWebhook', `no webhook ${apiId} in the API catalogue`);
  const header = (name: string): string | undefined => headers[name] ?? headers[name.toLowerCase()];
  const timestamp = header('x-psflow-timestamp');
  const signature = header('x-psflow-signature');
  const deliveryId = header('x-psflow-delivery');
  if (!timestamp || !signature || !deliveryId)
    return refuse(401, 'MissingSignature', 'X-Psflow-Timestamp, X-Psflow-Signature and X-Psflow-Delivery are required');
  if (
    !/^\d{9,11}$/.test(timestamp) ||
    Math.abs(dependencies.now() / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS
  )
    return refuse(
      401,
      'StaleTimestamp',
      `the timestamp must be Unix seconds within ${WEBHOOK_TOLERANCE_SECONDS} s of now`,
    );
  const secretName = secretNameOf(dependencies.stage, api.secretName);
  const { signingKeys } = parseSecret(secretName, await dependencies.secrets.getSecret(secretName), WebhookSecret);
  const given = Buffer.from(signature);
  const valid = signingKeys.some((key) => {
    const expected = Buffer.from(webhookSignature(key, timestamp, body));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return refuse(401, 'BadSignature', 'the signature does not match the body and timestamp');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return refuse(400, 'InvalidBody', 'the body is not JSON');
  }
  const parsed = WebhookBody.safeParse(json);
  if (!parsed.success)
    return refuse(
      400,
      'InvalidBody',
      `expected {"detailType","detail"}: ${parsed.error.issues.map((issue) => `/${issue.path.join('/')}: ${issue.message}`).join('; ')}`,
    );
  const source = `psflow.${api.port}`;
  const contract = findContract(source, parsed.data.detailType);
  if (!contract) return refuse(422, 'UnknownEvent', `no event contract for ${source} "${parsed.data.detailType}"`);
  const detail = contract.detail.safeParse(parsed.data.detail);
  if (!detail.success)
    return refuse(
      422,
      'InvalidEvent',
      `${contract.name} v${contract.version}: ${detail.error.issues.map((issue) => `/detail/${issue.path.join('/')}: ${issue.message}`).join('; ')}`,
    );
  if (!(await dependencies.ledger.remember(apiId, deliveryId, dependencies.now())))
    return refuse(409, 'Replay', `delivery ${deliveryId} was already received`);
  try {
    await dependencies.publisher.publish([{ source, detailType: contract.detailType, detail: parsed.data.detail }]);
  } catch (error) {
    await dependencies.ledger.forget(apiId, deliveryId);
    throw error;
  }
  return { statusCode: 202, body: { accepted: deliveryId } };
}
