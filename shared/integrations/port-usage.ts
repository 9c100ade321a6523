import { ConnectorPort } from './api-catalogue';

/**
 * The ports a handler builds from the connector registry, read from its source
 * (`connectors.crm()` and so on, or a port's second interface such as
 * `connectors.psaBillingRecords`, which counts as its port). The CDK app binds credentials and governance to exactly
 * these functions, and the dependency map draws the same edges, so neither is kept by hand.
 */
export function portsUsedBy(source: string): ConnectorPort[] {
  const used = new Set<ConnectorPort>();
  for (const match of source.matchAll(/\bconnectors\.([a-z]+)(?:\(\)|[A-Z][A-Za-z]*\b)/g)) {
    const port = ConnectorPort.safeParse(match[1]);
    if (port.success) used.add(port.data);
  }
  return ConnectorPort.options.filter((port) => used.has(port));
}
