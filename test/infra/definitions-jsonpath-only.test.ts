import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PsflowStack } from '../../infra/psflow-stack';
import { prepareDefinition, UnsupportedDefinitionError } from '../../local/stepfunctions/definition';
import { NO_BUNDLING } from '../support/no-bundling';

// The local interpreter (aws-local-stepfunctions) has no JSONata and no variables: it ignores
// both silently and gives wrong results, so every definition must stay JSONPath-only.

const STAGE = 'test';
// NodejsFunction runs esbuild during synth, which takes seconds rather than milliseconds.
const SYNTH_TIMEOUT_MS = 120_000;
const TOKEN = 'TOKEN';

type JsonObject = Record<string, unknown>;

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Stands in for a deploy-time token inside a definition. Partition and Lambda ARNs get
 * realistic values because the local dispatcher recognises integrations by ARN shape.
 */
function placeholderFor(part: unknown, resources: JsonObject): string {
  if (!isRecord(part)) return TOKEN;
  if (part.Ref === 'AWS::Partition') return 'aws';
  const getAtt = part['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') {
    const target = resources[String(getAtt[0])];
    if (isRecord(target) && target.Type === 'AWS::Lambda::Function')
      return `arn:aws:lambda:us-east-1:123456789012:function:${TOKEN}`;
  }
  return TOKEN;
}

/** The ASL text of a DefinitionString: a plain string, or an Fn::Join of strings and tokens. */
function definitionText(definitionString: unknown, resources: JsonObject): string {
  if (typeof definitionString === 'string') return definitionString;
  const join = isRecord(definitionString) ? definitionString['Fn::Join'] : undefined;
  if (!Array.isArray(join) || typeof join[0] !== 'string' || !Array.isArray(join[1])) {
    throw new Error(`DefinitionString is neither a string nor an Fn::Join: ${JSON.stringify(definitionString)}`);
  }
  const [separator, parts] = join as [string, unknown[]];
  return parts.map((part) => (typeof part === 'string' ? part : placeholderFor(part, resources))).join(separator);
}

/** Something in a definition that the local interpreter would not run as AWS does. */
interface InterpreterGap {
  readonly where: string;
  readonly problem: string;
}

/** Walks every state, through Parallel branches and Map processors, for JSONata and Assign. */
function findInterpreterGaps(scope: unknown, where = '(top level)'): InterpreterGap[] {
  if (!isRecord(scope)) return [{ where, problem: 'is not an object' }];
  const gaps: InterpreterGap[] = [];
  if (scope.QueryLanguage === 'JSONata') gaps.push({ where, problem: 'QueryLanguage JSONata' });
  if (!isRecord(scope.States)) return [...gaps, { where, problem: 'has no States' }];
  for (const [name, state] of Object.entries(scope.States)) {
    const at = where === '(top level)' ? name : `${where} > ${name}`;
    if (!isRecord(state)) {
      gaps.push({ where: at, problem: 'is not an object' });
      continue;
    }
    if (state.QueryLanguage === 'JSONata') gaps.push({ where: at, problem: 'QueryLanguage JSONata' });
    if ('Assign' in state) gaps.push({ where: at, problem: 'Assign' });
    // Variables can also be assigned by a catcher or by a Choice rule, not only by the state.
    list(state.Catch).forEach((catcher, index) => {
      if (isRecord(catcher) && 'Assign' in catcher) gaps.push({ where: `${at} Catch[${index}]`, problem: 'Assign' });
    });
    list(state.Choices).forEach((rule, index) => {
      if (isRecord(rule) && 'Assign' in rule) gaps.push({ where: `${at} Choices[${index}]`, problem: 'Assign' });
    });
    list(state.Branches).forEach((branch, index) => gaps.push(...findInterpreterGaps(branch, `${at} branch ${index}`)));
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor !== undefined) gaps.push(...findInterpreterGaps(processor, `${at} item processor`));
  }
  return gaps;
}

/** Every Task state, wherever it is nested. */
function taskStateNames(scope: unknown): string[] {
  if (!isRecord(scope) || !isRecord(scope.States)) return [];
  return Object.entries(scope.States).flatMap(([name, state]) => {
    if (!isRecord(state)) return [];
    const nested = [...list(state.Branches), state.ItemProcessor ?? state.Iterator].flatMap((child) =>
      taskStateNames(child),
    );
    return state.Type === 'Task' ? [name, ...nested] : nested;
  });
}

interface SynthesizedDefinition {
  readonly name: string;
  readonly text: string;
}

let outdir: string;
let definitions: SynthesizedDefinition[];

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'psflow-definitions-test-'));
  const app = new App({ outdir, context: NO_BUNDLING });
  const stack = new PsflowStack(app, `psflow-${STAGE}`, { stage: STAGE });
  const resources = Template.fromStack(stack).toJSON().Resources;
  if (!isRecord(resources)) throw new Error('the template has no Resources');
  definitions = Object.entries(resources)
    .filter(
      (entry): entry is [string, JsonObject] =>
        isRecord(entry[1]) && entry[1].Type === 'AWS::StepFunctions::StateMachine',
    )
    .map(([logicalId, resource]) => {
      const properties = isRecord(resource.Properties) ? resource.Properties : {};
      const name = typeof properties.StateMachineName === 'string' ? properties.StateMachineName : logicalId;
      return { name, text: definitionText(properties.DefinitionString, resources) };
    });
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

describe('synthesized state machine definitions', () => {
  it('use JSONPath only: no JSONata and no Assign anywhere', () => {
    // Prepare
    const parsed = definitions.map(({ name, text }) => ({ name, definition: JSON.parse(text) as unknown }));

    // Act
    const gaps = parsed.flatMap(({ name, definition }) =>
      findInterpreterGaps(definition).map((gap) => ({ stateMachine: name, ...gap })),
    );

    // Assess
    expect(definitions.length).toBeGreaterThan(0);
    expect(gaps).toEqual([]);
  });

  it('prepare for the local interpreter with every Task state dispatchable', () => {
    // Prepare
    const expectedTasks = definitions.map(({ name, text }) => ({
      name,
      tasks: taskStateNames(JSON.parse(text)).sort(),
    }));

    // Act
    const prepared = definitions.map(({ name, text }) => ({
      name,
      tasks: [...prepareDefinition(name, text).tasks.keys()].sort(),
    }));

    // Assess
    expect(definitions.length).toBeGreaterThan(0);
    expect(prepared).toEqual(expectedTasks);
  });
});

describe('the guards against what the local interpreter cannot run', () => {
  const succeed = { Type: 'Succeed' };
  const lambdaTask = (extra: JsonObject = { End: true }): JsonObject => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:psflow-test-fn', 'Payload.$': '$' },
    ...extra,
  });

  function refusal(definition: JsonObject): Error | undefined {
    try {
      prepareDefinition('psflow-test-guarded', JSON.stringify(definition));
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  it('catch a definition whose query language is JSONata', () => {
    // Prepare
    const definition = { QueryLanguage: 'JSONata', StartAt: 'Done', States: { Done: succeed } };

    // Act
    const gaps = findInterpreterGaps(definition);
    const error = refusal(definition);

    // Assess
    expect(gaps).toEqual([{ where: '(top level)', problem: 'QueryLanguage JSONata' }]);
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error?.message).toMatch(/\(top level\).*JSONata/);
  });

  it('catch a single state that switches to JSONata', () => {
    // Prepare
    const definition = {
      StartAt: 'ShapeOutput',
      States: { ShapeOutput: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input %}', End: true } },
    };

    // Act
    const gaps = findInterpreterGaps(definition);
    const error = refusal(definition);

    // Assess
    expect(gaps).toEqual([{ where: 'ShapeOutput', problem: 'QueryLanguage JSONata' }]);
    expect(error?.message).toMatch(/state ShapeOutput: .*JSONata/);
  });

  it('catch a state that assigns variables', () => {
    // Prepare
    const definition = {
      StartAt: 'RememberClient',
      States: { RememberClient: { Type: 'Pass', Assign: { 'clientId.$': '$.clientId' }, End: true } },
    };

    // Act
    const gaps = findInterpreterGaps(definition);
    const error = refusal(definition);

    // Assess
    expect(gaps).toEqual([{ where: 'RememberClient', problem: 'Assign' }]);
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error?.message).toMatch(/state RememberClient: Assign/);
  });

  it('catch variables assigned by a catcher or a Choice rule', () => {
    // Prepare
    const definition = {
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.retry', BooleanEquals: true, Assign: { attempt: 2 }, Next: 'CallErp' }],
          Default: 'CallErp',
        },
        CallErp: lambdaTask({
          Next: 'Done',
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { failed: true }, Next: 'Done' }],
        }),
        Done: succeed,
      },
    };

    // Act
    const gaps = findInterpreterGaps(definition);

    // Assess
    expect(gaps).toEqual([
      { where: 'Route Choices[0]', problem: 'Assign' },
      { where: 'CallErp Catch[0]', problem: 'Assign' },
    ]);
  });

  it('catch JSONata inside a Map item processor', () => {
    // Prepare
    const processorWide = {
      StartAt: 'EachLine',
      States: {
        EachLine: {
          Type: 'Map',
          ItemProcessor: {
            QueryLanguage: 'JSONata',
            StartAt: 'PriceLine',
            States: { PriceLine: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    };
    const oneInnerState = {
      StartAt: 'EachLine',
      States: {
        EachLine: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'PriceLine',
            States: { PriceLine: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } },
          },
          End: true,
        },
      },
    };

    // Act
    const gaps = [...findInterpreterGaps(processorWide), ...findInterpreterGaps(oneInnerState)];
    const errors = [refusal(processorWide), refusal(oneInnerState)];

    // Assess
    expect(gaps).toEqual([
      { where: 'EachLine item processor', problem: 'QueryLanguage JSONata' },
      { where: 'EachLine item processor > PriceLine', problem: 'QueryLanguage JSONata' },
    ]);
    expect(errors[0]?.message).toMatch(/state EachLine: .*JSONata/);
    expect(errors[1]?.message).toMatch(/state PriceLine: .*JSONata/);
  });

  it('catch Assign inside a Parallel branch', () => {
    // Prepare
    const definition = {
      StartAt: 'FanOut',
      States: {
        FanOut: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'BookErp', States: { BookErp: lambdaTask() } },
            { StartAt: 'BookPsa', States: { BookPsa: lambdaTask({ End: true, Assign: { booked: true } }) } },
          ],
          End: true,
        },
      },
    };

    // Act
    const gaps = findInterpreterGaps(definition);
    const error = refusal(definition);

    // Assess
    expect(gaps).toEqual([{ where: 'FanOut branch 1 > BookPsa', problem: 'Assign' }]);
    expect(error?.message).toMatch(/state BookPsa: Assign/);
  });

  it('refuse an integration the local cloud does not dispatch, naming the state', () => {
    // Prepare
    const definition = {
      StartAt: 'NotifyFinance',
      States: {
        NotifyFinance: {
          Type: 'Task',
          Resource: 'arn:aws:states:::ses:sendEmail',
          Parameters: { 'Content.$': '$' },
          End: true,
        },
      },
    };

    // Act
    const gaps = findInterpreterGaps(definition);
    const error = refusal(definition);

    // Assess
    expect(gaps).toEqual([]);
    expect(error).toBeInstanceOf(UnsupportedDefinitionError);
    expect(error?.message).toContain('state NotifyFinance');
    expect(error?.message).toContain('arn:aws:states:::ses:sendEmail');
  });
});

describe('resolving a synthesized DefinitionString', () => {
  it('replaces partition and Lambda ARN tokens with realistic values and other tokens with a placeholder', () => {
    // Prepare
    const resources = { Fn: { Type: 'AWS::Lambda::Function' }, Table: { Type: 'AWS::DynamoDB::Table' } };
    const definitionString = {
      'Fn::Join': [
        '',
        [
          '{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"',
          { 'Fn::GetAtt': ['Fn', 'Arn'] },
          '","Next":"Put"},"Put":{"Type":"Task","Resource":"arn:',
          { Ref: 'AWS::Partition' },
          ':states:::dynamodb:putItem","Parameters":{"TableName":"',
          { Ref: 'Table' },
          '"},"End":true}}}',
        ],
      ],
    };

    // Act
    const text = definitionText(definitionString, resources);
    const prepared = prepareDefinition('joined', text);

    // Assess
    expect([...prepared.tasks.values()].map(({ resource }) => resource)).toEqual([
      'arn:aws:lambda:us-east-1:123456789012:function:TOKEN',
      'arn:aws:states:::dynamodb:putItem',
    ]);
    expect(JSON.parse(text)).toMatchObject({ States: { Put: { Parameters: { TableName: TOKEN } } } });
  });
});
