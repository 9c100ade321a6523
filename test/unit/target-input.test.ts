import type { TargetInputSpec } from '../../local/cdk/resource-model';
import { readJsonPath } from '../../local/eventbridge/json-path';
import { buildTargetInput, type RuleContext } from '../../local/eventbridge/target-input';

const RULE: RuleContext = {
  ruleName: 'psflow-test-probe-requested',
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/psflow-test/psflow-test-probe-requested',
  ingestionTime: '2025-03-01T10:00:01Z',
};

function probeEvent(detail: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Probe Requested',
    source: 'psflow.diagnostics',
    account: '123456789012',
    time: '2025-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      probeId: 'probe-1',
      attempt: 3,
      tags: { team: 'platform' },
      lines: [{ sku: 'A-1' }, { sku: 'B-2' }],
      ...detail,
    },
  };
}

function transform(inputPathsMap: Record<string, string>, inputTemplate: string, event = probeEvent()): string {
  const spec: TargetInputSpec = { inputTransformer: { inputPathsMap, inputTemplate } };
  return buildTargetInput(spec, event, RULE);
}

describe('buildTargetInput without transformation', () => {
  it('delivers the whole event by default', () => {
    // Prepare
    const event = probeEvent();

    // Act
    const input = buildTargetInput({}, event, RULE);

    // Assess
    expect(JSON.parse(input)).toEqual(event);
  });

  it('delivers a constant Input verbatim, ignoring the event', () => {
    // Prepare
    const spec: TargetInputSpec = { input: '{"probeId":"fixed","note":"constant"}' };

    // Act
    const input = buildTargetInput(spec, probeEvent(), RULE);

    // Assess
    expect(input).toBe('{"probeId":"fixed","note":"constant"}');
  });

  it('delivers the part of the event an InputPath selects', () => {
    // Prepare
    const spec: TargetInputSpec = { inputPath: '$.detail' };
    const event = probeEvent();

    // Act
    const input = buildTargetInput(spec, event, RULE);

    // Assess
    expect(JSON.parse(input)).toEqual(event.detail);
  });

  it('delivers a scalar an InputPath selects as JSON', () => {
    // Prepare
    const spec: TargetInputSpec = { inputPath: '$.detail.probeId' };

    // Act
    const input = buildTargetInput(spec, probeEvent(), RULE);

    // Assess
    expect(input).toBe('"probe-1"');
  });
});

describe('buildTargetInput with an InputTransformer', () => {
  it('inserts a string inside quotes as a JSON string', () => {
    // Prepare
    const template = '{"id": "<id>"}';

    // Act
    const input = transform({ id: '$.detail.probeId' }, template);

    // Assess
    expect(JSON.parse(input)).toEqual({ id: 'probe-1' });
  });

  it('inserts a string without quotes as bare text, as in a plain-text template', () => {
    // Prepare
    const template = 'Probe <id> arrived from <source>: <note>';
    const event = probeEvent({ note: 'say "hi" \\ bye' });

    // Act
    const input = transform({ id: '$.detail.probeId', source: '$.source', note: '$.detail.note' }, template, event);

    // Assess
    expect(input).toBe('Probe probe-1 arrived from psflow.diagnostics: say "hi" \\ bye');
  });

  it('inserts a number as a JSON number', () => {
    // Prepare
    const template = '{"attempt": <attempt>}';

    // Act
    const input = transform({ attempt: '$.detail.attempt' }, template);

    // Assess
    expect(JSON.parse(input)).toEqual({ attempt: 3 });
  });

  it('inserts objects and arrays as JSON', () => {
    // Prepare
    const template = '{"tags": <tags>, "lines": <lines>}';

    // Act
    const input = transform({ tags: '$.detail.tags', lines: '$.detail.lines' }, template);

    // Assess
    expect(JSON.parse(input)).toEqual({ tags: { team: 'platform' }, lines: [{ sku: 'A-1' }, { sku: 'B-2' }] });
  });

  it('inserts null for a path the event does not have', () => {
    // Prepare
    const template = '{"owner": <owner>, "id": "<id>"}';

    // Act
    const input = transform({ owner: '$.detail.owner.name', id: '$.detail.probeId' }, template);

    // Assess
    expect(JSON.parse(input)).toEqual({ owner: null, id: 'probe-1' });
  });

  it('leaves a placeholder that names no variable as written', () => {
    // Prepare
    const template = '{"text": "<not-a-variable>"}';

    // Act
    const input = transform({}, template);

    // Assess
    expect(JSON.parse(input)).toEqual({ text: '<not-a-variable>' });
  });

  it('inserts the rule name and ARN from the predefined variables', () => {
    // Prepare
    const template =
      '{"rule": "<aws.events.rule-name>", "arn": "<aws.events.rule-arn>", "at": "<aws.events.event.ingestion-time>"}';

    // Act
    const input = transform({}, template);

    // Assess
    expect(JSON.parse(input)).toEqual({ rule: RULE.ruleName, arn: RULE.ruleArn, at: RULE.ingestionTime });
  });

  it('inserts the whole event, detail included, for <aws.events.event.json>', () => {
    // Prepare
    const event = probeEvent();

    // Act
    const input = transform({}, '{"original": <aws.events.event.json>}', event);

    // Assess
    expect(JSON.parse(input)).toEqual({ original: event });
  });

  it('keeps the JSON valid when a quoted string holds quotes, backslashes, newlines and unicode', () => {
    // Prepare
    const hostile = 'He said "ship it" \\ then\nleft \u2028 — café ✓ 🚀 \u0007';
    const event = probeEvent({ note: hostile });

    // Act
    const input = transform({ note: '$.detail.note' }, '{"note": "<note>", "rule": "<aws.events.rule-name>"}', event);

    // Assess
    expect(JSON.parse(input)).toEqual({ note: hostile, rule: RULE.ruleName });
  });

  it('substitutes every occurrence and never re-reads inserted text as a placeholder', () => {
    // Prepare
    const event = probeEvent({ probeId: '<attempt>' });

    // Act
    const input = transform(
      { id: '$.detail.probeId', attempt: '$.detail.attempt' },
      '{"a": "<id>", "b": "<id>", "n": <attempt>}',
      event,
    );

    // Assess
    expect(JSON.parse(input)).toEqual({ a: '<attempt>', b: '<attempt>', n: 3 });
  });
});

describe('readJsonPath', () => {
  const document = {
    detail: {
      'line-items': [{ sku: 'A-1' }, { sku: 'B-2', 'unit.price': 12.5 }],
      matrix: [
        [1, 2],
        [3, 4],
      ],
    },
  };

  it.each([
    ['$', document],
    ['$.detail.matrix', document.detail.matrix],
    ["$.detail['line-items'][1].sku", 'B-2'],
    ['$.detail["line-items"][0]', { sku: 'A-1' }],
    ["$.detail['line-items'][1]['unit.price']", 12.5],
    ['$.detail.matrix[1][0]', 3],
    ['$["detail"].matrix[0][1]', 2],
  ])('reads %s', (jsonPath, expected) => {
    // Prepare
    const path = jsonPath;

    // Act
    const value = readJsonPath(document, path);

    // Assess
    expect(value).toEqual(expected);
  });

  it.each([
    ['a missing key', '$.detail.owner'],
    ['a key below a missing key', '$.detail.owner.name'],
    ['an index past the end', "$.detail['line-items'][7]"],
    ['a key below a scalar', "$.detail['line-items'][0].sku.code"],
  ])('returns undefined for %s', (_label, jsonPath) => {
    // Prepare
    const path = jsonPath;

    // Act
    const value = readJsonPath(document, path);

    // Assess
    expect(value).toBeUndefined();
  });

  it.each([
    ['a path without the root', 'detail.sku'],
    ['an unclosed bracket', "$.detail['line-items'"],
    ['a recursive descent', '$..sku'],
    ['a negative index', '$.detail.matrix[-1]'],
    ['a filter', '$.detail.matrix[?(@ > 1)]'],
    ['an empty key', '$.detail.'],
  ])('throws for %s', (_label, jsonPath) => {
    // Prepare
    const path = jsonPath;

    // Act
    const act = (): unknown => readJsonPath(document, path);

    // Assess
    expect(act).toThrow(path);
  });
});

describe('buildTargetInput predefined variables and escaping', () => {
  it('gives aws.events.event without detail and aws.events.event.json with it', () => {
    // Act
    const input = JSON.parse(transform({}, '{"envelope": <aws.events.event>, "whole": <aws.events.event.json>}')) as {
      envelope: Record<string, unknown>;
      whole: Record<string, unknown>;
    };

    // Assess
    expect(input.envelope).not.toHaveProperty('detail');
    expect(input.envelope.id).toBe(probeEvent().id);
    expect(input.whole).toEqual(probeEvent());
  });

  it('escapes a string placed in the middle of a JSON string literal', () => {
    // Prepare
    const event = probeEvent({ note: 'say "hi" \\ ✓' });

    // Act
    const input = transform({ note: '$.detail.note' }, '{"message": "got <note> here"}', event);

    // Assess
    expect(JSON.parse(input)).toEqual({ message: 'got say "hi" \\ ✓ here' });
  });
});

describe('readJsonPath escapes', () => {
  it('decodes escaped quotes inside bracketed keys', () => {
    // Act
    const value = readJsonPath({ "it's": { 'a"b': 7 } }, '$[\'it\\\'s\']["a\\"b"]');

    // Assess
    expect(value).toBe(7);
  });
});
