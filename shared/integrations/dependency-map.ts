import { CONNECTOR_APIS, parseConnectorSelection } from './connector-selection';
import { ConnectorPort } from './api-catalogue';

/**
 * The dependency map of a stage, generated from its synthesized template, never drawn by hand:
 * which workflow step (a state machine's Task, or a rule's function) calls which port, which
 * connector and which external API, and which events link the workflows (a Task putting an
 * event, a rule matching it; a function or Task starting another workflow's execution, such as
 * ingestion starting project activation). Functions carry their ports (`PSFLOW_CONNECTOR_PORTS`, set by the
 * integrations construct from each handler's source) and the stage's choice (`PSFLOW_CONNECTORS`).
 */

/** One edge from a step to an external API. */
export interface StepDependency {
  readonly workflow: string;
  readonly step: string;
  readonly functionName: string;
  readonly port: string;
  readonly connector: string;
  readonly api: string;
}

/** One event link: a producer puts it, consumers' rules match it. */
export interface EventLink {
  readonly producer: string;
  readonly source: string;
  readonly detailType: string;
  readonly consumers: readonly string[];
}

/**
 * One workflow starting another directly (StartExecution), read from the state machine ARN a
 * function is given: the starter is `<workflow>/<step>` for a Task, `rule/<function>` for a
 * rule's target, or the function's name (an API, say) when nothing in the app invokes it.
 */
export interface WorkflowStart {
  readonly starter: string;
  readonly functionName: string;
  readonly workflow: string;
}

/** The whole map. */
export interface DependencyMap {
  readonly steps: readonly StepDependency[];
  readonly events: readonly EventLink[];
  readonly starts: readonly WorkflowStart[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Joins an Fn::Join definition with references as `@@LogicalId@@`, so Task targets can be read. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!isObject(value)) return '';
  const join = value['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(flatten).join(String(join[0]));
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `@@${String(getAtt[0])}@@`;
  if (typeof value.Ref === 'string') return `@@${value.Ref}@@`;
  return '';
}

function referenced(text: string): string | undefined {
  return /@@([A-Za-z0-9]+)@@/.exec(text)?.[1];
}

interface TaskState {
  readonly name: string;
  readonly state: Json;
}

function tasksOf(definition: Json): TaskState[] {
  const states = isObject(definition.States) ? definition.States : {};
  return Object.entries(states).flatMap(([name, state]) => {
    if (!isObject(state)) return [];
    const nested = [
      ...(Array.isArray(state.Branches) ? state.Branches.filter(isObject) : []),
      ...(isObject(state.ItemProcessor) ? [state.ItemProcessor] : []),
      ...(isObject(state.Iterator) ? [state.Iterator] : []),
    ].flatMap(tasksOf);
    return state.Type === 'Task' ? [{ name, state }, ...nested] : nested;
  });
}

/** Builds the map from a CloudFormation template (`cdk.out/psflow-<stage>.template.json`). */
export function dependencyMapOf(template: Json): DependencyMap {
  const resources = isObject(template.Resources) ? template.Resources : {};
  const functions = new Map<string, { name: string; ports: string[]; selection: string; starts: string[] }>();
  const machines = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource) || !isObject(resource.Properties)) continue;
    const properties = resource.Properties;
    if (resource.Type === 'AWS::Lambda::Function') {
      const variables =
        isObject(properties.Environment) && isObject(properties.Environment.Variables)
          ? properties.Environment.Variables
          : {};
      const ports =
        typeof variables.PSFLOW_CONNECTOR_PORTS === 'string'
          ? variables.PSFLOW_CONNECTOR_PORTS.split(',').filter(Boolean)
          : [];
      functions.set(id, {
        name: String(properties.FunctionName ?? id).replace(/^psflow-[^-]+-/, ''),
        ports,
        selection: typeof variables.PSFLOW_CONNECTORS === 'string' ? variables.PSFLOW_CONNECTORS : '',
        // A state machine's Ref is its ARN: a function given one starts that workflow.
        starts: Object.values(variables).flatMap((value) => {
          const target = referenced(flatten(value));
          return target === undefined ? [] : [target];
        }),
      });
    }
    if (resource.Type === 'AWS::StepFunctions::StateMachine')
      machines.set(id, String(properties.StateMachineName ?? id).replace(/^psflow-[^-]+-/, ''));
  }
  const steps: StepDependency[] = [];
  const produced: { producer: string; source: string; detailType: string }[] = [];
  const callers = new Map<string, Set<string>>();
  const addSteps = (workflow: string, step: string, functionId: string): void => {
    const fn = functions.get(functionId);
    if (!fn) return;
    const caller = workflow === 'rule' ? `rule/${fn.name}` : `${workflow}/${step}`;
    callers.set(functionId, new Set([...(callers.get(functionId) ?? []), caller]));
    const selection = parseConnectorSelection(fn.selection);
    for (const name of fn.ports) {
      const port = ConnectorPort.parse(name);
      const connector = selection[port];
      const apis: Readonly<Record<string, { apiId: string; version: string }>> = CONNECTOR_APIS[port];
      const api = apis[connector];
      steps.push({ workflow, step, functionName: fn.name, port, connector, api: `${api.apiId} ${api.version}` });
    }
  };
  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource) || resource.Type !== 'AWS::StepFunctions::StateMachine' || !isObject(resource.Properties))
      continue;
    const workflow = machines.get(id) ?? id;
    let definition: Json;
    try {
      const parsed: unknown = JSON.parse(flatten(resource.Properties.DefinitionString));
      definition = isObject(parsed) ? parsed : {};
    } catch {
      continue;
    }
    for (const { name, state } of tasksOf(definition)) {
      const parameters = isObject(state.Parameters) ? state.Parameters : {};
      const resourceArn = String(state.Resource ?? '');
      // A Lambda task names the function either as its Resource or, through lambda:invoke, in FunctionName.
      const direct = referenced(resourceArn);
      if (direct && functions.has(direct)) addSteps(workflow, name, direct);
      if (resourceArn.includes(':lambda:invoke')) {
        const target = referenced(String(parameters.FunctionName ?? ''));
        if (target) addSteps(workflow, name, target);
      }
      if (resourceArn.includes(':events:putEvents') && Array.isArray(parameters.Entries))
        for (const entry of parameters.Entries.filter(isObject))
          if (typeof entry.Source === 'string' && typeof entry.DetailType === 'string')
            produced.push({ producer: `${workflow}/${name}`, source: entry.Source, detailType: entry.DetailType });
    }
  }
  const rules: { pattern: Json; consumers: string[] }[] = [];
  for (const resource of Object.values(resources)) {
    if (!isObject(resource) || resource.Type !== 'AWS::Events::Rule' || !isObject(resource.Properties)) continue;
    const pattern = isObject(resource.Properties.EventPattern) ? resource.Properties.EventPattern : {};
    const targets = Array.isArray(resource.Properties.Targets) ? resource.Properties.Targets.filter(isObject) : [];
    const consumers = targets.flatMap((target) => {
      const id = referenced(flatten(target.Arn));
      if (!id) return [];
      const fn = functions.get(id);
      if (fn) {
        addSteps('rule', fn.name, id);
        return [fn.name];
      }
      return machines.has(id) ? [machines.get(id) ?? id] : [];
    });
    rules.push({ pattern, consumers });
  }
  const events = produced.map((event) => ({
    ...event,
    consumers: [
      ...new Set(rules.filter((rule) => matches(rule.pattern, event)).flatMap((rule) => rule.consumers)),
    ].sort(),
  }));
  const starts = [...functions.entries()].flatMap(([functionId, fn]) =>
    fn.starts.flatMap((target) => {
      const workflow = machines.get(target);
      if (workflow === undefined) return [];
      return [...(callers.get(functionId) ?? [fn.name])].map((starter) => ({
        starter,
        functionName: fn.name,
        workflow,
      }));
    }),
  );
  const uniqueSteps = [...new Map(steps.map((step) => [`${step.workflow}|${step.step}|${step.port}`, step])).values()];
  return {
    steps: uniqueSteps.sort((a, b) =>
      `${a.workflow}|${a.step}|${a.port}`.localeCompare(`${b.workflow}|${b.step}|${b.port}`),
    ),
    events: events.sort((a, b) => `${a.producer}|${a.detailType}`.localeCompare(`${b.producer}|${b.detailType}`)),
    starts: starts.sort((a, b) => `${a.starter}|${a.workflow}`.localeCompare(`${b.starter}|${b.workflow}`)),
  };
}

/** Enough of EventBridge matching for source and detail-type: exact values, prefix and anything-but. */
function matches(pattern: Json, event: { source: string; detailType: string }): boolean {
  const field = (name: string, value: string): boolean => {
    const allowed = pattern[name];
    if (allowed === undefined) return true;
    if (!Array.isArray(allowed)) return false;
    return allowed.some((item) => {
      if (typeof item === 'string') return item === value;
      if (!isObject(item)) return false;
      if (typeof item.prefix === 'string') return value.startsWith(item.prefix);
      const but = item['anything-but'];
      if (Array.isArray(but)) return !but.includes(value);
      return false;
    });
  };
  return field('source', event.source) && field('detail-type', event.detailType);
}

/** The map as aligned text. */
export function renderDependencyText(map: DependencyMap): string {
  const lines = ['Steps calling external systems (workflow / step -> port -> connector -> API):'];
  for (const step of map.steps)
    lines.push(
      `  ${step.workflow} / ${step.step} [${step.functionName}] -> ${step.port} -> ${step.connector} -> ${step.api}`,
    );
  lines.push('', 'Events linking workflows (producer -> event -> consumers):');
  for (const event of map.events)
    lines.push(
      `  ${event.producer} -> ${event.source} "${event.detailType}" -> ${event.consumers.length > 0 ? event.consumers.join(', ') : '(no consumer yet)'}`,
    );
  lines.push('', 'Workflows started directly (starter [function] -> StartExecution -> workflow):');
  for (const start of map.starts)
    lines.push(`  ${start.starter} [${start.functionName}] -> StartExecution -> ${start.workflow}`);
  return lines.join('\n');
}

/** The map as a Mermaid flowchart. */
export function renderDependencyMermaid(map: DependencyMap): string {
  const id = (text: string): string => text.replace(/[^A-Za-z0-9]/g, '_');
  const lines = ['flowchart LR'];
  const nodes = new Map<string, string>();
  const node = (key: string, label: string, shape: 'box' | 'round' | 'db'): string => {
    const nodeId = id(key);
    const text = label.replace(/"/g, "'");
    nodes.set(
      nodeId,
      shape === 'box' ? `${nodeId}["${text}"]` : shape === 'round' ? `${nodeId}("${text}")` : `${nodeId}[("${text}")]`,
    );
    return nodeId;
  };
  const edges: string[] = [];
  for (const step of map.steps) {
    const from = node(`wf_${step.workflow}`, step.workflow, 'box');
    const port = node(`port_${step.port}_${step.connector}`, `${step.port}: ${step.connector}`, 'round');
    const api = node(`api_${step.api}`, step.api, 'db');
    edges.push(`  ${from} -- ${step.step} --> ${port}`, `  ${port} --> ${api}`);
  }
  for (const event of map.events) {
    const from = node(`wf_${event.producer.split('/')[0]}`, event.producer.split('/')[0], 'box');
    for (const consumer of event.consumers.length > 0 ? event.consumers : ['(no consumer yet)'])
      edges.push(`  ${from} -. "${event.detailType}" .-> ${node(`wf_${consumer}`, consumer, 'box')}`);
  }
  for (const start of map.starts) {
    // A Task's starter is its workflow; anything else is drawn as the function itself.
    const [head, tail] = start.starter.split('/');
    const from =
      head === 'rule' || tail === undefined
        ? node(`fn_${start.functionName}`, start.functionName, 'box')
        : node(`wf_${head}`, head, 'box');
    edges.push(`  ${from} == starts ==> ${node(`wf_${start.workflow}`, start.workflow, 'box')}`);
  }
  lines.push(...[...nodes.values()].map((text) => `  ${text}`), ...[...new Set(edges)]);
  return lines.join('\n');
}

/** Markers around the generated map in docs/architecture.md. */
export const DEPENDENCY_MAP_MARKERS = {
  start: '<!-- dependency-map:start (generated by npm run integrations:map; do not edit) -->',
  end: '<!-- dependency-map:end -->',
} as const;

/** The block a document embeds: the text inside a code fence, then the Mermaid chart. */
export function dependencyMapBlock(text: string, mermaid: string): string {
  return [
    DEPENDENCY_MAP_MARKERS.start,
    '',
    '```text',
    text,
    '```',
    '',
    '```mermaid',
    mermaid,
    '```',
    '',
    DEPENDENCY_MAP_MARKERS.end,
  ].join('\n');
}

/** Replaces the embedded block in a document, or appends it when the markers are missing. */
export function embedDependencyMap(document: string, text: string, mermaid: string): string {
  const block = dependencyMapBlock(text, mermaid);
  const start = document.indexOf(DEPENDENCY_MAP_MARKERS.start);
  const end = document.indexOf(DEPENDENCY_MAP_MARKERS.end);
  if (start < 0 || end < 0)
    return `${document.trimEnd()}\n\n## Dependency map\n\nGenerated from the synthesized dev stage: which workflow step calls which port, connector and external API, and which events link the workflows. \`npx psflow integrations map\` prints it for any stage.\n\n${block}\n`;
  return `${document.slice(0, start)}${block}${document.slice(end + DEPENDENCY_MAP_MARKERS.end.length)}`;
}

/** The embedded block of a document, if any. */
export function embeddedDependencyMap(document: string): string | undefined {
  const start = document.indexOf(DEPENDENCY_MAP_MARKERS.start);
  const end = document.indexOf(DEPENDENCY_MAP_MARKERS.end);
  return start < 0 || end < 0 ? undefined : document.slice(start, end + DEPENDENCY_MAP_MARKERS.end.length);
}
