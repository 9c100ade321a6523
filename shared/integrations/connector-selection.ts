import * as z from 'zod';
import connectorsV1 from '../policies/connectors.v1.json';
import { apiCatalogue, catalogueEntry, ConnectorPort, type ApiCatalogue, type ApiEntry } from './api-catalogue';

/**
 * Which connector a stage uses behind each port. Configuration, not code: the per-stage file
 * `shared/policies/connectors.v1.json`, overridden for one deploy by
 * `cdk deploy -c connectors=crm=salesforce,erp=business-central`. Anything not chosen is the
 * sandbox. The choice reaches the functions as one environment variable, which the connector
 * registry reads; the same text is what `psflow integrations` and the dependency map show.
 */

/** The API each connector speaks, declared by the connector and checked against the catalogue at synth. */
export interface ConnectorApi {
  readonly apiId: string;
  readonly version: string;
}

/**
 * Every connector that can be chosen, per port, with the API (and version) it speaks. A new
 * version of a vendor API is a new entry here and in the catalogue, reviewed like any change.
 */
export const CONNECTOR_APIS = {
  crm: {
    sandbox: { apiId: 'sandbox-dynamodb', version: '2012-08-10' },
    salesforce: { apiId: 'salesforce-rest', version: 'v62.0' },
  },
  erp: {
    sandbox: { apiId: 'sandbox-dynamodb', version: '2012-08-10' },
    'business-central': { apiId: 'business-central-api', version: 'v2.0' },
  },
  psa: {
    sandbox: { apiId: 'sandbox-dynamodb', version: '2012-08-10' },
    kantata: { apiId: 'kantata-api', version: 'v1' },
  },
  documents: { sandbox: { apiId: 'sandbox-dynamodb', version: '2012-08-10' } },
} as const satisfies Record<ConnectorPort, Record<string, ConnectorApi>>;

/** The connector names a port accepts. */
export type ConnectorKind<P extends ConnectorPort> = keyof (typeof CONNECTOR_APIS)[P] & string;

/** The connector chosen for every port. */
export type ConnectorSelection = { readonly [P in ConnectorPort]: ConnectorKind<P> };

/** Every port on the sandbox: the default. */
export const SANDBOX_SELECTION: ConnectorSelection = {
  crm: 'sandbox',
  erp: 'sandbox',
  psa: 'sandbox',
  documents: 'sandbox',
};

const StageChoice = z.strictObject({
  crm: z.string().optional(),
  erp: z.string().optional(),
  psa: z.string().optional(),
  documents: z.string().optional(),
});

/** The per-stage configuration file. */
export const ConnectorsConfig = z.strictObject({
  policy: z.literal('connectors'),
  version: z.number().int().positive(),
  description: z.string(),
  stages: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,19}$/), StageChoice),
});
/** Typed {@link ConnectorsConfig}. */
export type ConnectorsConfig = z.infer<typeof ConnectorsConfig>;

function isPort(name: string): name is ConnectorPort {
  return ConnectorPort.safeParse(name).success;
}

function kindsOf(port: ConnectorPort): string[] {
  return Object.keys(CONNECTOR_APIS[port]);
}

function withChoice(selection: ConnectorSelection, port: string, kind: string, where: string): ConnectorSelection {
  if (!isPort(port)) throw new Error(`${where}: unknown port "${port}" (ports: ${ConnectorPort.options.join(', ')})`);
  if (!kindsOf(port).includes(kind))
    throw new Error(`${where}: no connector "${kind}" for ${port} (choose one of ${kindsOf(port).join(', ')})`);
  return { ...selection, [port]: kind };
}

/** Parses `crm=salesforce,erp=business-central` onto a base selection; errors name the bad pair. */
export function parseConnectorSelection(
  text: string,
  base: ConnectorSelection = SANDBOX_SELECTION,
): ConnectorSelection {
  let selection = base;
  for (const pair of text.split(',').map((part) => part.trim())) {
    if (pair === '') continue;
    const match = /^([a-z]+)=([a-z][a-z0-9-]*)$/.exec(pair);
    if (!match) throw new Error(`connectors: "${pair}" is not PORT=CONNECTOR (e.g. crm=salesforce)`);
    selection = withChoice(selection, match[1], match[2], `connectors "${pair}"`);
  }
  return selection;
}

/** `crm=salesforce,erp=sandbox,...`: every port, in a fixed order, as functions receive it. */
export function formatConnectorSelection(selection: ConnectorSelection): string {
  return ConnectorPort.options.map((port) => `${port}=${selection[port]}`).join(',');
}

/** A stage's selection: the config file's entry for it, then the `-c connectors=` override. */
export function selectConnectors(stage: string, override?: string, config: unknown = connectorsV1): ConnectorSelection {
  const parsed = ConnectorsConfig.safeParse(config);
  if (!parsed.success)
    throw new Error(
      `Invalid connectors config: ${parsed.error.issues.map((issue) => `/${issue.path.join('/')}: ${issue.message}`).join('; ')}`,
    );
  let selection = SANDBOX_SELECTION;
  for (const [port, kind] of Object.entries(parsed.data.stages[stage] ?? {}))
    if (kind !== undefined) selection = withChoice(selection, port, kind, `connectors config, stage ${stage}`);
  return override === undefined ? selection : parseConnectorSelection(override, selection);
}

/** The API a chosen connector speaks. */
export function connectorApi(port: ConnectorPort, kind: string): ConnectorApi {
  const apis: Readonly<Record<string, ConnectorApi>> = CONNECTOR_APIS[port];
  const api = apis[kind];
  if (!api) throw new Error(`no connector "${kind}" for ${port} (choose one of ${kindsOf(port).join(', ')})`);
  return api;
}

/**
 * The synth-time check: every chosen connector's API is in the catalogue, at the version the
 * connector speaks, for the port it serves. Returns the catalogue entries per port.
 */
export function checkSelectionAgainstCatalogue(
  selection: ConnectorSelection,
  catalogue: ApiCatalogue = apiCatalogue(),
): Record<ConnectorPort, ApiEntry> {
  const entryFor = (port: ConnectorPort): ApiEntry => {
    const api = connectorApi(port, selection[port]);
    const entry = catalogueEntry(api.apiId, catalogue);
    if (entry.version !== api.version)
      throw new Error(
        `Connector ${port}=${selection[port]} speaks ${api.apiId} ${api.version}, but the API catalogue v${catalogue.version} records ${entry.version}; a version move updates both in one reviewed change`,
      );
    if (entry.port !== '*' && entry.port !== port)
      throw new Error(
        `Connector ${port}=${selection[port]} calls ${api.apiId}, which the catalogue records for ${entry.port}`,
      );
    return entry;
  };
  return { crm: entryFor('crm'), erp: entryFor('erp'), psa: entryFor('psa'), documents: entryFor('documents') };
}
