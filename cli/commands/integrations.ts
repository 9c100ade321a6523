import * as fs from 'node:fs';
import * as path from 'node:path';
import { apiCatalogue, ConnectorPort } from '../../shared/integrations/api-catalogue';
import {
  CONNECTOR_APIS,
  parseConnectorSelection,
  type ConnectorSelection,
} from '../../shared/integrations/connector-selection';
import { DynamoDbIntegrationState } from '../../shared/integrations/dynamodb-integration-state';
import { STATS_WINDOW_MS } from '../../shared/integrations/integration-state';
import {
  dependencyMapOf,
  renderDependencyMermaid,
  renderDependencyText,
} from '../../shared/integrations/dependency-map';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { renderTable } from '../table-output';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The stage's synthesized template, which the map and the stage's connector choice are read from. */
function stageTemplate(context: CliContext): Record<string, unknown> {
  const file = path.join(PROJECT_ROOT, 'cdk.out', `psflow-${context.options.stage}.template.json`);
  if (!fs.existsSync(file))
    throw new CliError(
      `no synthesized template at ${file}: run npm run synth (or npx cdk synth -c stage=${context.options.stage})`,
    );
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new CliError(`${file} is not a template`);
  return Object.fromEntries(Object.entries(parsed));
}

function stageSelection(template: Record<string, unknown>): ConnectorSelection {
  const text = /"PSFLOW_CONNECTORS":"([^"]*)"/.exec(JSON.stringify(template))?.[1] ?? '';
  return parseConnectorSelection(text);
}

/** One API as `psflow integrations` shows it. */
export interface IntegrationStatus {
  readonly apiId: string;
  readonly owner: string;
  readonly version: string;
  readonly auth: string;
  readonly dataClassification: string;
  /** `crm=salesforce` when this stage uses the API, else empty. */
  readonly usedBy: readonly string[];
  readonly breaker: string;
  readonly consecutiveFailures: number;
  /** Over the last 15 minutes. */
  readonly calls: number;
  readonly errorRate: number | null;
  readonly throttles: number;
  readonly meanLatencyMs: number | null;
}

/** `psflow integrations [--json]`: every catalogued API with its owner, version, breaker and recent health. */
export async function listIntegrations(context: CliContext): Promise<void> {
  const selection = stageSelection(stageTemplate(context));
  const state = new DynamoDbIntegrationState(context.documents, context.tableName('integration-state'));
  const since = Date.now() - 3 * STATS_WINDOW_MS;
  const statuses: IntegrationStatus[] = [];
  for (const api of apiCatalogue().apis) {
    const usedBy = ConnectorPort.options.flatMap((port) => {
      const apis: Readonly<Record<string, { apiId: string }>> = CONNECTOR_APIS[port];
      return apis[selection[port]]?.apiId === api.apiId ? [`${port}=${selection[port]}`] : [];
    });
    const current = await state.get(api.apiId);
    const windows = await state.recentStats(api.apiId, since - (since % STATS_WINDOW_MS));
    const calls = windows.reduce((sum, window) => sum + window.calls, 0);
    const errors = windows.reduce((sum, window) => sum + window.errors, 0);
    const latency = windows.reduce((sum, window) => sum + window.latencyTotalMs, 0);
    statuses.push({
      apiId: api.apiId,
      owner: api.owner,
      version: api.version,
      auth: api.auth,
      dataClassification: api.dataClassification,
      usedBy,
      breaker: current?.breaker ?? 'closed',
      consecutiveFailures: current?.consecutiveFailures ?? 0,
      calls,
      errorRate: calls === 0 ? null : errors / calls,
      throttles: windows.reduce((sum, window) => sum + window.throttles, 0),
      meanLatencyMs: calls === 0 ? null : Math.round(latency / calls),
    });
  }
  if (context.options.json)
    return context.printJson({
      stage: context.options.stage,
      catalogueVersion: apiCatalogue().version,
      apis: statuses,
    });
  context.print(
    renderTable(
      ['API', 'OWNER', 'VERSION', 'STAGE USES', 'BREAKER', 'CALLS 15M', 'ERROR RATE', 'MEAN LATENCY'],
      statuses.map((status) => [
        status.apiId,
        status.owner,
        status.version,
        status.usedBy.join(' ') || '-',
        status.consecutiveFailures > 0 ? `${status.breaker} (${status.consecutiveFailures} failures)` : status.breaker,
        String(status.calls),
        status.errorRate === null ? '-' : `${(status.errorRate * 100).toFixed(1)}%`,
        status.meanLatencyMs === null ? '-' : `${status.meanLatencyMs} ms`,
      ]),
    ),
  );
}

/** `psflow integrations map [--json]`: the dependency map of the stage, as text and Mermaid. */
export function printDependencyMap(context: CliContext): void {
  const map = dependencyMapOf(stageTemplate(context));
  if (context.options.json) return context.printJson(map);
  context.print(renderDependencyText(map));
  context.print('');
  context.print('```mermaid');
  context.print(renderDependencyMermaid(map));
  context.print('```');
}
