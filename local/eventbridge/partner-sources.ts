import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The partner event sources the local cloud plays: the demo Salesforce org's Event Relay
 * channel and its AppFlow flow, as the samples under `samples/` carry them. In AWS each is
 * associated with a partner event bus of the same name, and the stack names those buses
 * (`cdk -c partnerEventBuses=...`); a local synthesis names these, so that the samples
 * reach the stack's partner rules as they would in AWS.
 */
export const LOCAL_PARTNER_EVENT_SOURCES: readonly string[] = [
  'aws.partner/salesforce.com/00D8d000004XyZaEAK/0YL8d0000008OpQGAU',
  'aws.partner/appflow/salesforce.com/111122223333/psflow-opportunities',
];

/**
 * The partner event buses a local synthesis names: those the project's `cdk.json` context
 * names (`partnerEventBuses`, comma-separated), then the local ones.
 */
export function localPartnerEventBuses(projectRoot: string): string[] {
  let configured = '';
  try {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as {
      context?: Record<string, unknown>;
    };
    configured = String(cdkJson.context?.partnerEventBuses ?? '');
  } catch {
    // No readable cdk.json: cdk synth itself will say so.
  }
  const names = configured
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return [...new Set([...names, ...LOCAL_PARTNER_EVENT_SOURCES])];
}
