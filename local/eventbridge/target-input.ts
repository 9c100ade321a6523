import type { TargetInputSpec } from '../cdk/resource-model';
import { readJsonPath } from './json-path';

/** Facts about the matching rule that input templates may reference. */
export interface RuleContext {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly ingestionTime: string;
}

/**
 * Builds the JSON text a target receives, following the target's Input, InputPath or
 * InputTransformer exactly as EventBridge does; with none of them, the whole event.
 */
export function buildTargetInput(spec: TargetInputSpec, event: Record<string, unknown>, rule: RuleContext): string {
  if (spec.input !== undefined) return spec.input;
  if (spec.inputPath !== undefined) return JSON.stringify(readJsonPath(event, spec.inputPath) ?? null);
  if (spec.inputTransformer === undefined) return JSON.stringify(event);

  const values = new Map<string, unknown>([
    ['aws.events.event', event],
    ['aws.events.event.json', event],
    ['aws.events.rule-name', rule.ruleName],
    ['aws.events.rule-arn', rule.ruleArn],
    ['aws.events.event.ingestion-time', rule.ingestionTime],
  ]);
  for (const [name, jsonPath] of Object.entries(spec.inputTransformer.inputPathsMap)) values.set(name, readJsonPath(event, jsonPath));

  const template = spec.inputTransformer.inputTemplate;
  return template.replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string, offset: number) => {
    if (!values.has(name)) return placeholder;
    const value = values.get(name);
    if (value === undefined) return 'null';
    if (typeof value !== 'string') return JSON.stringify(value);
    // A string placed inside quotes in a JSON template is escaped so the result stays valid JSON.
    const insideQuotes = template[offset - 1] === '"' && template[offset + placeholder.length] === '"';
    return insideQuotes ? JSON.stringify(value).slice(1, -1) : value;
  });
}
