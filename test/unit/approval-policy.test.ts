import type { Role } from '../../shared/directory/roles';
import type { Money, Region } from '../../shared/model/primitives';
import {
  currentApprovalPolicy,
  InvalidPolicyError,
  UnknownCurrencyError,
  escalationOf,
  loadApprovalPolicy,
  policyProblems,
  routeApproval,
  toEur,
  type ApprovalPolicy,
  type ApprovalRoute,
  type ApprovalRule,
} from '../../shared/policies/approval-policy';
import approvalRoutingV1 from '../../shared/policies/approval-routing.v1.json';
import { WorkflowName } from '../../shared/workflows/workflow-names';

/** A mutable copy of the JSON table, as a plain JSON object. */
type PolicyJson = {
  referenceRates: Record<string, number>;
  escalation: Record<string, string | null>;
  rules: Array<
    Record<string, unknown> & {
      id: string;
      amountEur: { min: number; max: number | null };
      levels: Array<{ role: string; slaHours: number }>;
    }
  >;
} & Record<string, unknown>;

function policyJson(): PolicyJson {
  return structuredClone(approvalRoutingV1) as PolicyJson;
}

function eur(whole: number, cents = 0): Money {
  return { amountMinor: whole * 100 + cents, currency: 'EUR' };
}

function activation(region: Region, amount: Money, practice = 'erp-advisory'): ApprovalRoute {
  return routeApproval(currentApprovalPolicy(), { workflow: WorkflowName.ProjectActivation, region, practice, amount });
}

/** The problems a table is refused with; fails the test when it loads. */
function problemsOf(data: unknown): readonly string[] {
  try {
    loadApprovalPolicy(data);
  } catch (error) {
    if (error instanceof InvalidPolicyError) return error.problems;
    throw error;
  }
  throw new Error('the table loaded, but it should have been refused');
}

function ruleIndex(json: PolicyJson, id: string): number {
  const index = json.rules.findIndex((rule) => rule.id === id);
  if (index < 0) throw new Error(`no rule ${id}`);
  return index;
}

describe('currentApprovalPolicy()', () => {
  it('is version 1 of the FIRST-hit routing table and has no problems', () => {
    // Prepare
    const policy = currentApprovalPolicy();

    // Act
    const problems = policyProblems(policy);

    // Assess
    expect(policy).toMatchObject({ policy: 'approval-routing', version: 1, hitPolicy: 'FIRST' });
    expect(problems).toEqual([]);
  });

  it('loads the JSON table unchanged', () => {
    // Prepare
    const json = policyJson();

    // Act
    const loaded = loadApprovalPolicy(json);

    // Assess
    expect(loaded).toEqual(currentApprovalPolicy());
    expect(loaded.rules.map((rule) => rule.id)).toEqual(approvalRoutingV1.rules.map((rule) => rule.id));
  });
});

describe('routeApproval', () => {
  describe('the handbook example: over 250k EUR in EMEA needs the practice lead and then the CFO', () => {
    it('routes 300k EUR in EMEA to the practice lead, then the CFO, with the reason', () => {
      // Prepare
      const amount = eur(300_000);

      // Act
      const route = activation('EMEA', amount);

      // Assess
      expect(route).toEqual({
        policyVersion: 1,
        ruleId: 'activation-emea-over-250k',
        reason: 'Over 250k EUR in EMEA: the practice lead, then the CFO',
        amountEur: 300_000,
        levels: [
          { role: 'practice-lead', slaHours: 24 },
          { role: 'cfo', slaHours: 48 },
        ],
      });
    });

    it('routes exactly 250,000 EUR in EMEA to the practice lead and the CFO (min is inclusive)', () => {
      // Prepare
      const amount = eur(250_000);

      // Act
      const route = activation('EMEA', amount);

      // Assess
      expect(route.ruleId).toBe('activation-emea-over-250k');
      expect(route.levels.map((level) => level.role)).toEqual(['practice-lead', 'cfo']);
    });

    it.each([
      ['249,999.00', eur(249_999)],
      ['249,999.99', eur(249_999, 99)],
    ])('routes %s EUR in EMEA to the practice lead alone', (_label, amount) => {
      // Prepare
      const subject = amount;

      // Act
      const route = activation('EMEA', subject);

      // Assess
      expect(route.ruleId).toBe('activation-50k-to-500k');
      expect(route.amountEur).toBe(249_999);
      expect(route.levels).toEqual([{ role: 'practice-lead', slaHours: 24 }]);
    });

    it.each(['AMER', 'APAC'] as const)(
      'routes 300k EUR in %s to the practice lead alone: the EMEA rule does not apply',
      (region) => {
        // Prepare
        const amount = eur(300_000);

        // Act
        const route = activation(region, amount);

        // Assess
        expect(route.ruleId).toBe('activation-50k-to-500k');
        expect(route.levels.map((level) => level.role)).toEqual(['practice-lead']);
      },
    );
  });

  describe('band edges (min inclusive, max exclusive)', () => {
    it.each([
      ['AMER', eur(0), 'activation-under-50k', []],
      ['AMER', eur(49_999, 99), 'activation-under-50k', []],
      ['AMER', eur(50_000), 'activation-50k-to-500k', ['practice-lead']],
      ['APAC', eur(499_999, 99), 'activation-50k-to-500k', ['practice-lead']],
      ['APAC', eur(500_000), 'activation-over-500k', ['practice-lead', 'cfo']],
      ['EMEA', eur(49_999), 'activation-under-50k', []],
      ['EMEA', eur(50_000), 'activation-50k-to-500k', ['practice-lead']],
      ['EMEA', eur(500_000), 'activation-emea-over-250k', ['practice-lead', 'cfo']],
      ['EMEA', eur(10_000_000), 'activation-emea-over-250k', ['practice-lead', 'cfo']],
    ] as const)('routes project activation in %s of %j to %s', (region, amount, ruleId, roles) => {
      // Prepare
      const subject = { workflow: WorkflowName.ProjectActivation, region, practice: 'cloud-strategy', amount };

      // Act
      const route = routeApproval(currentApprovalPolicy(), subject);

      // Assess
      expect(route.ruleId).toBe(ruleId);
      expect(route.levels.map((level) => level.role)).toEqual(roles);
    });

    it.each([
      [eur(999, 99), 'drill-under-1k', []],
      [eur(1_000), 'drill-1k-to-100k', ['delivery-lead']],
      [eur(99_999, 99), 'drill-1k-to-100k', ['delivery-lead']],
      [eur(100_000), 'drill-over-100k', ['delivery-lead', 'cfo']],
    ] as const)('routes an operations drill of %j to %s', (amount, ruleId, roles) => {
      // Prepare
      const subject = {
        workflow: WorkflowName.OperationsDrill,
        region: 'EMEA' as const,
        practice: 'erp-advisory',
        amount,
      };

      // Act
      const route = routeApproval(currentApprovalPolicy(), subject);

      // Assess
      expect(route.ruleId).toBe(ruleId);
      expect(route.levels.map((level) => level.role)).toEqual(roles);
    });

    it('gives the drill levels their SLAs: 4 hours for the delivery lead, 8 for the CFO', () => {
      // Prepare
      const subject = {
        workflow: WorkflowName.OperationsDrill,
        region: 'APAC' as const,
        practice: 'data-engineering',
        amount: eur(150_000),
      };

      // Act
      const route = routeApproval(currentApprovalPolicy(), subject);

      // Assess
      expect(route.levels).toEqual([
        { role: 'delivery-lead', slaHours: 4 },
        { role: 'cfo', slaHours: 8 },
      ]);
    });
  });

  describe('hit policy FIRST', () => {
    it('lets the earlier of two matching rules decide', () => {
      // Prepare: move the general over-500k rule above the EMEA rule.
      const json = policyJson();
      const general = json.rules.splice(ruleIndex(json, 'activation-over-500k'), 1);
      json.rules.unshift(...general);
      const policy = loadApprovalPolicy(json);

      // Act
      const emea600k = routeApproval(policy, {
        workflow: WorkflowName.ProjectActivation,
        region: 'EMEA',
        practice: 'erp-advisory',
        amount: eur(600_000),
      });
      const emea300k = routeApproval(policy, {
        workflow: WorkflowName.ProjectActivation,
        region: 'EMEA',
        practice: 'erp-advisory',
        amount: eur(300_000),
      });

      // Assess
      expect(emea600k.ruleId).toBe('activation-over-500k');
      expect(emea300k.ruleId).toBe('activation-emea-over-250k');
    });

    it('routes a practice named by an earlier rule there, and every other practice past it', () => {
      // Prepare
      const json = policyJson();
      json.rules.unshift({
        id: 'activation-data-engineering-any',
        workflow: 'project-activation',
        regions: '*',
        practices: ['data-engineering'],
        amountEur: { min: 0, max: null },
        levels: [{ role: 'delivery-lead', slaHours: 12 }],
        reason: 'Data engineering: the delivery lead',
      });
      const policy = loadApprovalPolicy(json);

      // Act
      const named = routeApproval(policy, {
        workflow: WorkflowName.ProjectActivation,
        region: 'AMER',
        practice: 'data-engineering',
        amount: eur(10),
      });
      const other = routeApproval(policy, {
        workflow: WorkflowName.ProjectActivation,
        region: 'AMER',
        practice: 'erp-advisory',
        amount: eur(10),
      });

      // Assess
      expect(named.ruleId).toBe('activation-data-engineering-any');
      expect(other.ruleId).toBe('activation-under-50k');
    });
  });

  describe('currency conversion at the reference rates', () => {
    it('converts USD at 0.92 before comparing with the EUR bands', () => {
      // Prepare: 271,740 USD is 250,000.80 EUR; 271,739 USD is 249,999.88 EUR.
      const over = { amountMinor: 27_174_000, currency: 'USD' };
      const under = { amountMinor: 27_173_900, currency: 'USD' };

      // Act
      const overRoute = activation('EMEA', over);
      const underRoute = activation('EMEA', under);

      // Assess
      expect(overRoute).toMatchObject({ ruleId: 'activation-emea-over-250k', amountEur: 250_000 });
      expect(underRoute).toMatchObject({ ruleId: 'activation-50k-to-500k', amountEur: 249_999 });
    });

    it('reads JPY amounts as whole yen (no minor digits)', () => {
      // Prepare: 40,322,581 JPY at 0.0062 is 250,000.0022 EUR; one yen less is 249,999.996 EUR.
      const over = { amountMinor: 40_322_581, currency: 'JPY' };
      const under = { amountMinor: 40_322_580, currency: 'JPY' };

      // Act
      const overRoute = activation('EMEA', over);
      const underRoute = activation('EMEA', under);

      // Assess
      expect(overRoute).toMatchObject({ ruleId: 'activation-emea-over-250k', amountEur: 250_000 });
      expect(underRoute).toMatchObject({ ruleId: 'activation-50k-to-500k', amountEur: 249_999 });
    });

    it.each([
      [{ amountMinor: 123_456, currency: 'EUR' }, 1_234],
      [{ amountMinor: 10_000, currency: 'JPY' }, 62],
      [{ amountMinor: 10_000, currency: 'USD' }, 92],
      [{ amountMinor: 99, currency: 'EUR' }, 0],
    ])('converts %j to %d whole EUR, rounded down', (amount, expected) => {
      // Prepare
      const policy = currentApprovalPolicy();

      // Act
      const converted = toEur(policy, amount);

      // Assess
      expect(converted).toBe(expected);
    });

    // Fails: exposes a production bug. toEur multiplies binary floats, so an amount whose EUR
    // value is exactly a whole number can come out one euro short (1,700 GBP x 1.17 = 1,989 EUR
    // gives 1,988; 10,000 SEK x 0.087 = 870 EUR gives 869; 300 SGD x 0.69 = 207 EUR gives 206).
    it.each([
      [{ amountMinor: 170_000, currency: 'GBP' }, 1_989],
      [{ amountMinor: 1_000_000, currency: 'SEK' }, 870],
      [{ amountMinor: 30_000, currency: 'SGD' }, 207],
    ])('converts %j to exactly %d EUR when the product is whole', (amount, expected) => {
      // Prepare
      const policy = currentApprovalPolicy();

      // Act
      const converted = toEur(policy, amount);

      // Assess
      expect(converted).toBe(expected);
    });

    it('refuses a currency without a reference rate with UnknownCurrencyError', () => {
      // Prepare
      const amount = { amountMinor: 100_000_00, currency: 'BRL' };

      // Act
      const convert = (): number => toEur(currentApprovalPolicy(), amount);
      const route = (): ApprovalRoute => activation('AMER', amount);

      // Assess
      expect(convert).toThrow(UnknownCurrencyError);
      expect(convert).toThrow('approval policy v1 has no reference rate for BRL');
      expect(route).toThrow(UnknownCurrencyError);
    });
  });
});

describe('escalationOf', () => {
  it.each([
    ['delivery-lead', 'practice-lead'],
    ['practice-lead', 'cfo'],
    ['staffing-manager', 'delivery-lead'],
    ['finance-ops', 'cfo'],
    ['integration-ops', 'cfo'],
    ['cfo', undefined],
  ] as const)('escalates %s to %s', (role, next) => {
    // Prepare
    const policy = currentApprovalPolicy();

    // Act
    const escalated = escalationOf(policy, role);

    // Assess
    expect(escalated).toBe(next);
  });
});

describe('loadApprovalPolicy and policyProblems', () => {
  describe('completeness', () => {
    it('refuses a table without the under-50k rule and names every uncovered combination', () => {
      // Prepare
      const json = policyJson();
      json.rules.splice(ruleIndex(json, 'activation-under-50k'), 1);

      // Act
      const problems = problemsOf(json);

      // Assess: every band boundary below 50k (the drill's 1k included) is named, per region.
      expect(problems).toEqual(
        ['EMEA', 'AMER', 'APAC'].flatMap((region) =>
          [0, 999, 1000, 49999].map(
            (amount) => `no rule for project-activation, ${region}, practice (any other), ${amount} EUR`,
          ),
        ),
      );
    });

    it('refuses a table whose only small-drill rule leaves out a region, naming that region', () => {
      // Prepare
      const json = policyJson();
      json.rules[ruleIndex(json, 'drill-under-1k')].regions = ['EMEA', 'AMER'];

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toEqual([
        'no rule for operations-drill, APAC, practice (any other), 0 EUR',
        'no rule for operations-drill, APAC, practice (any other), 999 EUR',
      ]);
    });

    it('refuses a table whose small-deal rule covers only named practices, naming the others', () => {
      // Prepare
      const json = policyJson();
      json.rules[ruleIndex(json, 'activation-under-50k')].practices = ['erp-advisory'];

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toContain('no rule for project-activation, EMEA, practice (any other), 0 EUR');
      expect(problems.some((problem) => problem.includes('practice erp-advisory'))).toBe(false);
    });

    it('refuses a gap between two bands', () => {
      // Prepare
      const json = policyJson();
      json.rules[ruleIndex(json, 'drill-1k-to-100k')].amountEur = { min: 2_000, max: 100_000 };

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toContain('no rule for operations-drill, EMEA, practice (any other), 1000 EUR');
      expect(problems).toContain('no rule for operations-drill, APAC, practice (any other), 1999 EUR');
      expect(problems).not.toContain('no rule for operations-drill, EMEA, practice (any other), 2000 EUR');
    });
  });

  describe('reachability', () => {
    it('refuses a rule shadowed by the rules above it, naming it', () => {
      // Prepare
      const json = policyJson();
      json.rules.push({
        id: 'activation-emea-small',
        workflow: 'project-activation',
        regions: ['EMEA'],
        practices: '*',
        amountEur: { min: 0, max: 10_000 },
        levels: [],
        reason: 'Small EMEA deals',
      });

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toEqual([
        'rule activation-emea-small is never reached: rules above it match everything it would',
      ]);
    });

    it('refuses a specific rule placed below the general rule that covers it', () => {
      // Prepare: the EMEA rule moved below the 50k-500k and over-500k rules can never fire.
      const json = policyJson();
      const emea = json.rules.splice(ruleIndex(json, 'activation-emea-over-250k'), 1);
      json.rules.splice(ruleIndex(json, 'activation-50k-to-500k') + 1, 0, ...emea);

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toEqual([
        'rule activation-emea-over-250k is never reached: rules above it match everything it would',
      ]);
    });
  });

  describe('rule checks', () => {
    it('refuses a rule id that appears twice', () => {
      // Prepare
      const json = policyJson();
      json.rules[ruleIndex(json, 'drill-under-1k')].id = 'drill-1k-to-100k';

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toContain('rule drill-1k-to-100k appears twice');
    });

    it('refuses a role at two levels of one rule, since one person could approve both', () => {
      // Prepare
      const json = policyJson();
      json.rules[ruleIndex(json, 'activation-over-500k')].levels = [
        { role: 'practice-lead', slaHours: 24 },
        { role: 'cfo', slaHours: 48 },
        { role: 'practice-lead', slaHours: 24 },
      ];

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toEqual([
        'rule activation-over-500k: a role appears at two levels; one person could approve both',
      ]);
    });

    it.each([
      [50_000, 50_000],
      [50_000, 40_000],
    ])('refuses a band with min %d and max %d', (min, max) => {
      // Prepare
      const json = policyJson();
      json.rules[ruleIndex(json, 'activation-50k-to-500k')].amountEur = { min, max };

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toContain('rule activation-50k-to-500k: amount band max must be above min');
    });

    it('refuses a reference rate for a code that is not an ISO-4217 currency', () => {
      // Prepare
      const json = policyJson();
      json.referenceRates.ABC = 2;

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toEqual(['reference rate for ABC, which is not an ISO-4217 currency']);
    });

    it('lists every problem in the error message', () => {
      // Prepare
      const json = policyJson();
      json.rules[ruleIndex(json, 'drill-under-1k')].id = 'drill-1k-to-100k';
      json.referenceRates.ABC = 2;

      // Act
      const load = (): ApprovalPolicy => loadApprovalPolicy(json);

      // Assess
      expect(load).toThrow(InvalidPolicyError);
      expect(load).toThrow(/approval policy is invalid:\n- .*\n- /);
      expect(load).toThrow('rule drill-1k-to-100k appears twice');
      expect(load).toThrow('reference rate for ABC, which is not an ISO-4217 currency');
    });
  });

  describe('escalation', () => {
    it('refuses at load an escalation map that leaves out a role, naming it', () => {
      // Prepare
      const json = policyJson();
      delete json.escalation['integration-ops'];

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^escalation\.integration-ops: /);
    });

    it('reports an escalation map that leaves out a role when checking a table directly', () => {
      // Prepare
      const { 'integration-ops': _dropped, ...escalation } = currentApprovalPolicy().escalation;
      const policy = { ...currentApprovalPolicy(), escalation: escalation as Record<Role, Role | null> };

      // Act
      const problems = policyProblems(policy);

      // Assess
      expect(problems).toEqual(['escalation does not say where integration-ops escalates (null ends the chain)']);
    });
  });

  describe('schema', () => {
    it('refuses an unknown role in a level, with the path of the field', () => {
      // Prepare
      const json = policyJson();
      json.rules[0].levels[0].role = 'auditor';

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^rules\.0\.levels\.0\.role: /);
    });

    it('refuses an unknown region, with the path of the field', () => {
      // Prepare
      const json = policyJson();
      json.rules[0].regions = ['EMEA', 'LATAM'];

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems.some((problem) => problem.startsWith('rules.0.regions'))).toBe(true);
    });

    it('refuses an unknown role as an escalation target', () => {
      // Prepare
      const json = policyJson();
      json.escalation.cfo = 'board';

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^escalation\.cfo: /);
    });

    it.each([
      ['a hit policy other than FIRST', (json: PolicyJson) => (json.hitPolicy = 'COLLECT'), /^hitPolicy: /],
      ['an unknown workflow', (json: PolicyJson) => (json.rules[0].workflow = 'invoice-run'), /^rules\.0\.workflow: /],
      ['a non-positive reference rate', (json: PolicyJson) => (json.referenceRates.USD = 0), /^referenceRates\.USD: /],
      ['a lower-case currency code', (json: PolicyJson) => (json.referenceRates.usd = 0.92), /^referenceRates/],
      [
        'a negative band minimum',
        (json: PolicyJson) => (json.rules[0].amountEur.min = -1),
        /^rules\.0\.amountEur\.min: /,
      ],
      [
        'a fractional band maximum',
        (json: PolicyJson) => (json.rules[0].amountEur.max = 0.5),
        /^rules\.0\.amountEur\.max: /,
      ],
      [
        'an SLA of zero hours',
        (json: PolicyJson) => (json.rules[0].levels[0].slaHours = 0),
        /^rules\.0\.levels\.0\.slaHours: /,
      ],
      [
        'more than five levels',
        (json: PolicyJson) =>
          (json.rules[0].levels = [
            'delivery-lead',
            'practice-lead',
            'cfo',
            'finance-ops',
            'staffing-manager',
            'integration-ops',
          ].map((role) => ({ role, slaHours: 1 }))),
        /^rules\.0\.levels: /,
      ],
      ['an empty rule list', (json: PolicyJson) => (json.rules = []), /^rules: /],
      ['an upper-case rule id', (json: PolicyJson) => (json.rules[0].id = 'Activation'), /^rules\.0\.id: /],
    ])('refuses %s', (_label, mutate, expected) => {
      // Prepare
      const json = policyJson();
      mutate(json);

      // Act
      const problems = problemsOf(json);

      // Assess
      expect(problems.some((problem) => expected.test(problem))).toBe(true);
    });

    it('refuses something that is not a table at all, at the root', () => {
      // Prepare
      const data: unknown = 'approval-routing';

      // Act
      const problems = problemsOf(data);

      // Assess
      expect(problems).toEqual([expect.stringMatching(/^\(root\): /)]);
    });
  });

  it('accepts a mutated table without problems when it stays complete and reachable', () => {
    // Prepare: a tighter EMEA rule, still above the general ones.
    const json = policyJson();
    json.rules[ruleIndex(json, 'activation-emea-over-250k')].amountEur = { min: 200_000, max: null };

    // Act
    const policy = loadApprovalPolicy(json);

    // Assess
    expect(
      routeApproval(policy, {
        workflow: WorkflowName.ProjectActivation,
        region: 'EMEA',
        practice: 'x-practice',
        amount: eur(200_000),
      }).ruleId,
    ).toBe('activation-emea-over-250k');
    expect((policy.rules as ApprovalRule[]).length).toBe(approvalRoutingV1.rules.length);
  });
});
