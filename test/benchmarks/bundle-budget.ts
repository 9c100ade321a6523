/**
 * What a Lambda bundle may weigh, shared by the size test and the benchmark report.
 *
 * The budget is 300 KB minified. Functions that talk to AWS cannot meet it while the SDK is
 * bundled (design decision 10: pinned, so the local cloud runs the bytes that deploy): a bundle
 * holding nothing but a DynamoDB document client and one GetCommand is 216 KB minified and
 * tree-shaken, measured with esbuild's metafile, of which `@smithy/core` (the protocol, serde,
 * retry and endpoint machinery every client shares) is 119 KB. The SDK's default credential chain
 * (STS, SSO, IMDS and their nested clients, about 140 KB) is not bundled: Lambda passes
 * credentials in the environment (shared/runtime/lambda-credentials.ts). Every handler also
 * carries the Powertools tracer (the X-Ray SDK, about 120 KB) and zod (about 100 KB). Those
 * functions get a ceiling of their own, named with the reason.
 */

/** The budget every bundle is held to unless it is listed in {@link OVER_BUDGET}. */
export const BUNDLE_BUDGET_BYTES = 300 * 1024;

/** Module load, from `require` to the handler export, median of fresh processes. */
export const MODULE_LOAD_BUDGET_MS = 40;

/** Why a function may exceed the budget, and the ceiling it is held to instead. */
export interface OverBudget {
  readonly ceilingBytes: number;
  readonly reason: string;
}

const SDK_REASON =
  'bundles the pinned AWS SDK v3 (a DynamoDB client alone is 216 KB minified) and the Powertools tracer, whose X-Ray SDK with semver and cls-hooked is about 120 KB';

/** Ceiling for a function that carries the AWS SDK and the tracer: about 360 KB of both, plus zod, Powertools and our code. */
const SDK_CEILING_BYTES = 600 * 1024;

const SDK_FUNCTIONS = [
  'aggregate-kpi-event',
  'compensate-activation',
  'file-exception',
  'ingest-event',
  'measure-exception-queue',
  'onboard-client',
  'open-approval-task',
  'post-drill-entry',
  'prepare-engagement',
  'provision-erp-project',
  'provision-psa-project',
  'record-activation',
  'request-resources',
  'set-up-billing',
  'sweep-overdue-tasks',
];

/**
 * The staffing, billing-readiness and procurement functions, and the webhook receiver: the same
 * SDK and tracer, with their workflow's policy tables and schemas. The staffing functions also
 * hold the recommendation engine and its seed-free HRIS adapter, about 20 KB over the others.
 */
const WORKFLOW_SDK_CEILING_BYTES = 640 * 1024;
const WORKFLOW_SDK_FUNCTIONS = [
  'plan-billing-cycle',
  'start-project-checks',
  'draft-invoice',
  'record-invoice-drafted',
  'void-invoice-draft',
  'recheck-billing-project',
  'start-scheduled-cycle',
  'prepare-staffing-request',
  'recommend-candidates',
  'place-soft-holds',
  'book-assignment',
  'close-staffing-request',
  'release-expired-holds',
  'assess-purchase',
  'onboard-vendor',
  'raise-purchase-order',
  'add-bookable-resource',
  'compensate-purchase',
  'start-procurement',
  'purchases-api',
  'receive-webhook',
  'assess-change',
  'record-change-approval',
  'revise-budget',
  'update-project-plan',
  'update-billing-schedule',
  'adjust-bookings',
  'request-change-resources',
  'announce-change-applied',
  'record-change-rejected',
  'compensate-change',
  'changes-api',
];

/** Functions that build connectors from the registry (`connectors.<port>()` in their handler). */
const CONNECTOR_FUNCTIONS = [
  'check-project-readiness',
  'close-billing-cycle',
  'compensate-activation',
  'ingest-event',
  'onboard-client',
  'prepare-engagement',
  'provision-erp-project',
  'provision-psa-project',
  'set-up-billing',
  // Staffing books through the registry's PSA bookings interface.
  'prepare-staffing-request',
  'recommend-candidates',
  'place-soft-holds',
  'book-assignment',
  'close-staffing-request',
  'release-expired-holds',
];

/**
 * Functions allowed over {@link BUNDLE_BUDGET_BYTES}, by the function name without the
 * `psflow-<stage>-` prefix. A function not listed here is held to the budget.
 */
export const OVER_BUDGET: Readonly<Record<string, OverBudget>> = {
  ...Object.fromEntries(SDK_FUNCTIONS.map((name) => [name, { ceilingBytes: SDK_CEILING_BYTES, reason: SDK_REASON }])),
  ...Object.fromEntries(
    WORKFLOW_SDK_FUNCTIONS.map((name) => [
      name,
      { ceilingBytes: WORKFLOW_SDK_CEILING_BYTES, reason: `${SDK_REASON}; plus its workflow's policies and schemas` },
    ]),
  ),
  // Functions that build a connector carry every connector the stage may choose (the choice is
  // configuration read at run time), the Secrets Manager and EventBridge clients: about 60 KB more.
  ...Object.fromEntries(
    CONNECTOR_FUNCTIONS.map((name) => [
      name,
      {
        ceilingBytes: 680 * 1024,
        reason: `${SDK_REASON}; it builds a connector, so it also carries the real connectors a stage may choose and the Secrets Manager and EventBridge clients they use`,
      },
    ]),
  ),
  // The one function with four clients: DynamoDB, Step Functions (task tokens, histories), Lambda
  // (a rejected event is replayed by invoking ingestion) and EventBridge (KPI events), about 100 KB more with the billing routes.
  'operations-api': {
    ceilingBytes: 780 * 1024,
    reason: `${SDK_REASON}; it also holds the Step Functions and Lambda clients (task tokens, execution histories, replaying rejected events into ingestion) and the EventBridge client (announcing decisions and resolved exceptions for the KPIs); it serves the console's execution views, the staffing routes and the billing routes, which start a region's cycle and list billing tasks`,
  },
};

/** The short name of a deployed function: `psflow-dev-ingest-event` → `ingest-event`. */
export function shortFunctionName(functionName: string): string {
  return functionName.replace(/^psflow-[^-]+-/, '');
}

/** The ceiling a function's bundle is held to, and why when it is over the budget. */
export function bundleCeiling(functionName: string): { ceilingBytes: number; reason?: string } {
  const over = OVER_BUDGET[shortFunctionName(functionName)];
  return over ?? { ceilingBytes: BUNDLE_BUDGET_BYTES };
}
