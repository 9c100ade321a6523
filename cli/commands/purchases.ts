import { randomUUID } from 'node:crypto';
import { formatMoney, minorUnitDigits } from '../../shared/model/primitives';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { callApi } from '../operations-client';
import { renderTable } from '../table-output';

interface PurchaseView {
  readonly requestId: string;
  readonly status: string;
  readonly region: string;
  readonly description: string;
  readonly requestedBy: string;
  readonly receiver?: string;
  readonly vendorId?: string;
  readonly amount?: { amountMinor: number; currency: string };
  readonly requestedAt: string;
  readonly heldReasons?: string[];
  readonly approvers?: string[];
  readonly erpPurchaseOrderId?: string;
  readonly receivedBy?: string;
}

/** What `psflow purchases request` takes. */
export interface PurchaseRequestOptions {
  readonly requestId?: string;
  readonly vendor?: string;
  readonly amount?: string;
  readonly currency?: string;
  readonly region?: string;
  readonly description?: string;
  readonly receiver?: string;
  readonly project?: string;
  readonly quotes?: unknown;
}

/** `12,000.50` in a currency's minor units, refusing more decimals than it has. */
export function toMinorUnits(amount: string, currency: string): number {
  if (!/^\d+(\.\d+)?$/.test(amount))
    throw new CliError(`--amount must be a plain decimal such as 12000.50, not ${amount}`);
  const digits = minorUnitDigits(currency);
  const [whole, fraction = ''] = amount.split('.');
  if (fraction.length > digits)
    throw new CliError(`${currency} has ${digits} decimal places; --amount has ${fraction.length}`);
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

/** `psflow purchases request`: asks for a purchase; the caller is the requester. */
export async function requestPurchase(context: CliContext, options: PurchaseRequestOptions): Promise<void> {
  for (const [flag, value] of [
    ['--vendor', options.vendor],
    ['--amount', options.amount],
    ['--currency', options.currency],
    ['--region', options.region],
    ['--description', options.description],
  ] as const)
    if (!value) throw new CliError(`${flag} is required; see npx psflow --help`);
  const currency = String(options.currency).toUpperCase();
  const started = await callApi<{ requestId: string; executionArn: string; alreadyStarted: boolean }>(
    context,
    'POST',
    '/purchases',
    {
      requestId: options.requestId ?? `PR-${randomUUID()}`,
      region: options.region,
      vendorId: options.vendor,
      amount: { amountMinor: toMinorUnits(String(options.amount), currency), currency },
      description: options.description,
      receiver: options.receiver,
      projectId: options.project ? { system: 'psflow', id: options.project } : undefined,
      competingQuotes: options.quotes,
    },
  );
  if (context.options.json) return context.printJson(started);
  context.print(
    `${started.alreadyStarted ? 'already requested' : 'requested'}: ${started.requestId}\nexecution: ${started.executionArn}\nfollow it: npx psflow purchases show ${started.requestId}`,
  );
}

/** `psflow purchases list --project ID`. */
export async function listPurchases(context: CliContext, project: string | undefined, limit: number): Promise<void> {
  if (!project) throw new CliError('give --project ID');
  const purchases = await callApi<PurchaseView[]>(
    context,
    'GET',
    `/purchases?project=${encodeURIComponent(project)}&limit=${limit}`,
  );
  if (context.options.json) return context.printJson(purchases);
  if (purchases.length === 0) return context.print(`no purchases for project ${project}`);
  context.print(
    renderTable(
      ['REQUEST', 'STATUS', 'VENDOR', 'AMOUNT', 'REQUESTED BY', 'PO'],
      purchases.map((purchase) => [
        purchase.requestId,
        purchase.status,
        purchase.vendorId ?? '',
        purchase.amount ? formatMoney(purchase.amount.amountMinor, purchase.amount.currency) : '',
        purchase.requestedBy,
        purchase.erpPurchaseOrderId ?? '',
      ]),
      120,
    ),
  );
}

/** `psflow purchases show ID`: the purchase, why it is held, who approved and received it. */
export async function showPurchase(context: CliContext, requestId: string | undefined): Promise<void> {
  if (!requestId) throw new CliError('give the request id: npx psflow purchases show ID');
  const purchase = await callApi<PurchaseView & { quotes: unknown[] }>(
    context,
    'GET',
    `/purchases/${encodeURIComponent(requestId)}`,
  );
  if (context.options.json) return context.printJson(purchase);
  const lines = [
    `${purchase.requestId}: ${purchase.status}`,
    `  ${purchase.description}`,
    `  vendor ${purchase.vendorId ?? '(not chosen)'}${purchase.amount ? `, ${formatMoney(purchase.amount.amountMinor, purchase.amount.currency)}` : ''}, ${purchase.region}`,
    `  requested by ${purchase.requestedBy} at ${purchase.requestedAt}${purchase.receiver ? `, to be received by ${purchase.receiver}` : ''}`,
    ...(purchase.heldReasons ?? []).map((reason) => `  held: ${reason}`),
    ...(purchase.approvers?.length ? [`  approved by ${purchase.approvers.join(', ')}`] : []),
    ...(purchase.erpPurchaseOrderId ? [`  ERP purchase order ${purchase.erpPurchaseOrderId}`] : []),
    ...(purchase.receivedBy ? [`  received by ${purchase.receivedBy}`] : []),
    `  quotes: ${purchase.quotes.length}`,
  ];
  context.print(lines.join('\n'));
}

/** `psflow purchases receive ID`: records receipt; the server refuses the requester and the approvers. */
export async function receivePurchase(context: CliContext, requestId: string | undefined): Promise<void> {
  if (!requestId) throw new CliError('give the request id: npx psflow purchases receive ID');
  const purchase = await callApi<PurchaseView>(context, 'POST', `/purchases/${encodeURIComponent(requestId)}/receipt`);
  if (context.options.json) return context.printJson(purchase);
  context.print(`${purchase.requestId}: received by ${purchase.receivedBy ?? context.options.as}`);
}
