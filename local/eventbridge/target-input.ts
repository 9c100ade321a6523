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

  const { detail: _detail, ...eventWithoutDetail } = event;
  const values = new Map<string, unknown>([
    // As documented: aws.events.event is the envelope without detail, aws.events.event.json the whole event.
    ['aws.events.event', eventWithoutDetail],
    ['aws.events.event.json', event],
    ['aws.events.rule-name', rule.ruleName],
    ['aws.events.rule-arn', rule.ruleArn],
    ['aws.events.event.ingestion-time', rule.ingestionTime],
  ]);
  for (const [name, jsonPath] of Object.entries(spec.inputTransformer.inputPathsMap))
    values.set(name, readJsonPath(event, jsonPath));

  const template = spec.inputTransformer.inputTemplate;
  const insideString = jsonStringPositions(template);
  return template.replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string, offset: number) => {
    if (!values.has(name)) return placeholder;
    const value = values.get(name);
    if (value === undefined) return 'null';
    if (typeof value !== 'string') return JSON.stringify(value);
    // A string placed inside a JSON string literal is escaped so the result stays valid JSON.
    return insideString(offset) ? JSON.stringify(value).slice(1, -1) : value;
  });
}

/** Tells, for an offset in a template, whether it lies inside a JSON string literal. */
function jsonStringPositions(template: string): (offset: number) => boolean {
  const inside: boolean[] = new Array<boolean>(template.length).fill(false);
  let inString = false;
  for (let index = 0; index < template.length; index++) {
    const character = template[index];
    if (inString && character === '\\') {
      inside[index] = true;
      inside[index + 1] = true;
      index++;
      continue;
    }
    if (character === '"') {
      inString = !inString;
      continue;
    }
    inside[index] = inString;
  }
  return (offset) => inside[offset] ?? false;
}
