import type { VendorRecord } from '../../shared/connectors/procurement/procurement-connector';
import { WorkflowDetailType } from '../../shared/events/catalogue';
import { findContract } from '../../shared/events/contracts';
import type { RoleLine } from '../../shared/model/entities';
import {
  currentProcurementPolicy,
  InvalidProcurementPolicyError,
  loadProcurementPolicy,
  requirementsFor,
} from '../../shared/procurement/procurement-policy';
import { PurchaseRequest, type ProcurementState } from '../../shared/procurement/procurement-state';
import {
  addBookableResourceStep,
  assessPurchaseStep,
  compensatePurchase,
  onboardVendorStep,
  PurchaseHeldError,
  raisePurchaseOrderStep,
} from '../../shared/procurement/procurement-steps';
import { documentProblems, receiptRefusal, subcontractOffers } from '../../shared/procurement/purchase-assessment';
import procurementPolicyV1 from '../../shared/policies/procurement-policy.v1.json';
import {
  InMemoryDocuments,
  InMemoryProcurement,
  InMemoryPurchaseOrders,
  InMemoryResources,
  RecordingPublisher,
} from './fakes/procurement-fakes';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const DOCUMENTS_VALID = [
  { kind: 'insurance' as const, reference: 'INS-1', expiresOn: '2027-06-30' },
  { kind: 'tax-form' as const, reference: 'TAX-1', expiresOn: '2028-01-01' },
  { kind: 'nda' as const, reference: 'NDA-1', expiresOn: '2029-01-01' },
];

function vendor(overrides: Partial<VendorRecord> = {}): VendorRecord {
  return {
    vendorId: 'VEN-EMEA-ATLAS',
    name: 'Atlas Data Partners',
    region: 'EMEA',
    status: 'active',
    riskRating: 'low',
    preferred: false,
    documents: DOCUMENTS_VALID,
    rates: [{ role: 'Data Engineer', rate: { amountMinor: 9_000, currency: 'EUR' } }],
    ...overrides,
  };
}

function roleLine(overrides: Partial<RoleLine> = {}): RoleLine {
  return {
    lineId: 'L-030',
    role: 'Data Engineer',
    skills: ['python'],
    hours: 100,
    rate: { amountMinor: 11_000, currency: 'EUR' },
    startDate: '2027-02-01',
    endDate: '2027-03-31',
    ...overrides,
  };
}

function request(overrides: Record<string, unknown> = {}): ProcurementState {
  return {
    request: PurchaseRequest.parse({
      requestId: 'REQ-1',
      source: 'api',
      region: 'EMEA',
      requestedBy: 'sally.sales',
      receiver: 'dave.delivery',
      description: 'Data migration tooling licence',
      vendorId: 'VEN-EMEA-ATLAS',
      amount: { amountMinor: 1_000_000, currency: 'EUR' },
      requestedAt: '2026-12-01T09:00:00.000Z',
      ...overrides,
    }),
  };
}

function ports(vendors: VendorRecord[] = [vendor()]) {
  return {
    procurement: new InMemoryProcurement(vendors),
    purchaseOrders: new InMemoryPurchaseOrders(),
    documents: new InMemoryDocuments(),
    resources: new InMemoryResources(),
    events: new RecordingPublisher(),
  };
}

describe('procurement policy', () => {
  it('loads the published policy and routes a 60k EUR EMEA purchase to the delivery lead, then finance', () => {
    // Act
    const requirements = requirementsFor(currentProcurementPolicy(), 'EMEA', {
      amountMinor: 6_000_000,
      currency: 'EUR',
    });

    // Assess
    expect(requirements.levels.map((level) => level.role)).toEqual(['delivery-lead', 'finance-ops']);
    expect(requirements.requiredQuotes).toBe(2);
    expect(requirements.approvalReason).toContain('from 50,000 EUR');
  });

  it('asks for three quotes from exactly 100,000 EUR and two just below it', () => {
    // Act
    const at = requirementsFor(currentProcurementPolicy(), 'EMEA', { amountMinor: 10_000_000, currency: 'EUR' });
    const below = requirementsFor(currentProcurementPolicy(), 'EMEA', { amountMinor: 9_999_999, currency: 'EUR' });

    // Assess
    expect(at.requiredQuotes).toBe(3);
    expect(below.requiredQuotes).toBe(2);
  });

  it('computes tax by the region: GST at 10 percent in APAC', () => {
    // Act
    const requirements = requirementsFor(currentProcurementPolicy(), 'APAC', { amountMinor: 123_45, currency: 'AUD' });

    // Assess
    expect(requirements.tax).toEqual({
      treatment: 'gst',
      ratePercent: 10,
      amount: { amountMinor: 1235, currency: 'AUD' },
    });
  });

  it('refuses a policy with a missing region, a band not starting at zero and a vendor both preferred and blocked', () => {
    // Prepare
    const broken = structuredClone(procurementPolicyV1) as Record<string, unknown> & {
      regions: Record<string, { competitiveQuotes: { fromEur: number }[]; preferredVendors: string[] }>;
    };
    delete broken.regions.APAC;
    broken.regions.EMEA.competitiveQuotes[0].fromEur = 10;
    broken.regions.AMER.preferredVendors = ['VEN-X'];
    Object.assign(broken.regions.AMER, { blockedVendors: ['VEN-X'] });

    // Act
    const load = (): unknown => loadProcurementPolicy(broken);

    // Assess
    expect(load).toThrow(InvalidProcurementPolicyError);
    expect(load).toThrow(/region APAC has no rules/);
    expect(load).toThrow(/EMEA.competitiveQuotes: the first band must start at 0 EUR/);
    expect(load).toThrow(/vendor VEN-X is both preferred and blocked/);
  });

  it('refuses a policy that routes a purchase to a role that does not approve purchases', () => {
    // Prepare
    const broken = structuredClone(procurementPolicyV1);
    broken.regions.EMEA.approvalLevels[0].levels[0].role = 'staffing-manager';

    // Act
    const load = (): unknown => loadProcurementPolicy(broken);

    // Assess
    expect(load).toThrow(/staffing-manager does not approve purchases/);
  });
});

describe('purchase request', () => {
  it('refuses a receiver who is the requester, naming the rule', () => {
    // Act
    const parsed = PurchaseRequest.safeParse({ ...request().request, receiver: 'sally.sales' });

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toContain('separation of duties');
  });

  it('refuses a negative amount and a request with neither a vendor nor a role line', () => {
    // Act
    const negative = PurchaseRequest.safeParse({ ...request().request, amount: { amountMinor: -5, currency: 'EUR' } });
    const empty = PurchaseRequest.safeParse({ ...request().request, vendorId: undefined });

    // Assess
    expect(negative.error?.issues.map((issue) => issue.path.join('.'))).toContain('amount.amountMinor');
    expect(empty.error?.issues[0].message).toContain('names a vendor and an amount, or a role line');
  });
});

describe('assessPurchaseStep', () => {
  it('passes a small purchase from an active vendor with valid documents, with the reason for its approver', async () => {
    // Prepare
    const systems = ports();

    // Act
    const assessment = await assessPurchaseStep(request(), systems, currentProcurementPolicy(), NOW);

    // Assess
    expect(assessment.vendor).toMatchObject({ vendorId: 'VEN-EMEA-ATLAS', isNew: false });
    expect(assessment.entityId).toBe('ENT-EMEA-01');
    expect(assessment.subject.reasons[0]).toContain('delivery-lead');
    expect(systems.procurement.purchases.get('REQ-1')?.status).toBe('requested');
  });

  it('holds a purchase from a vendor whose insurance expired, and records why', async () => {
    // Prepare
    const expired = vendor({
      documents: [{ kind: 'insurance', reference: 'INS-OLD', expiresOn: '2026-11-30' }, ...DOCUMENTS_VALID.slice(1)],
    });
    const systems = ports([expired]);

    // Act
    const act = assessPurchaseStep(request(), systems, currentProcurementPolicy(), NOW);

    // Assess
    await expect(act).rejects.toThrow(PurchaseHeldError);
    await expect(act).rejects.toThrow(
      /insurance certificate of vendor VEN-EMEA-ATLAS \(INS-OLD\) expired on 2026-11-30/,
    );
    expect(systems.procurement.purchases.get('REQ-1')).toMatchObject({
      status: 'held',
      heldReasons: [expect.stringContaining('expired on 2026-11-30')],
    });
  });

  it('holds a purchase in a currency the ERP entity does not accept, naming what it accepts', async () => {
    // Prepare
    const systems = ports();

    // Act
    const act = assessPurchaseStep(
      request({ amount: { amountMinor: 500_000, currency: 'USD' } }),
      systems,
      currentProcurementPolicy(),
      NOW,
    );

    // Assess
    await expect(act).rejects.toThrow(/ENT-EMEA-01 that buys for EMEA does not accept USD; it accepts EUR, GBP, CHF/);
  });

  it('holds a purchase above the competitive-quote threshold with too few quotes', async () => {
    // Prepare
    const systems = ports();

    // Act
    const act = assessPurchaseStep(
      request({ amount: { amountMinor: 3_000_000, currency: 'EUR' } }),
      systems,
      currentProcurementPolicy(),
      NOW,
    );

    // Assess
    await expect(act).rejects.toThrow(/need 2 competitive quotes from different vendors; there is 1/);
  });

  it('passes the same purchase with a competing quote from another vendor', async () => {
    // Prepare
    const systems = ports();

    // Act
    const assessment = await assessPurchaseStep(
      request({
        amount: { amountMinor: 3_000_000, currency: 'EUR' },
        competingQuotes: [{ vendorId: 'VEN-EMEA-OTHER', amount: { amountMinor: 3_200_000, currency: 'EUR' } }],
      }),
      systems,
      currentProcurementPolicy(),
      NOW,
    );

    // Assess
    expect(assessment).toMatchObject({ requiredQuotes: 2, quotes: 2 });
  });

  it('holds a purchase from a vendor on the region’s blocked list', async () => {
    // Prepare
    const systems = ports([vendor({ vendorId: 'VEN-EMEA-SHADOW' })]);

    // Act
    const act = assessPurchaseStep(request({ vendorId: 'VEN-EMEA-SHADOW' }), systems, currentProcurementPolicy(), NOW);

    // Assess
    await expect(act).rejects.toThrow(/vendor VEN-EMEA-SHADOW is blocked for EMEA/);
  });

  it('chooses the preferred vendor for a subcontractor, each rate card counting as a quote', async () => {
    // Prepare
    const cheaper = vendor({
      vendorId: 'VEN-EMEA-BUDGET',
      name: 'Budget Bytes',
      rates: [{ role: 'data engineer', rate: { amountMinor: 7_000, currency: 'EUR' } }],
    });
    const systems = ports([vendor(), cheaper]);
    const state = request({ source: 'staffing', vendorId: undefined, amount: undefined, roleLine: roleLine() });

    // Act
    const assessment = await assessPurchaseStep(state, systems, currentProcurementPolicy(), NOW);

    // Assess
    expect(assessment.vendor).toMatchObject({
      vendorId: 'VEN-EMEA-ATLAS',
      costRate: { amountMinor: 9_000, currency: 'EUR' },
    });
    expect(assessment.amount).toEqual({ amountMinor: 900_000, currency: 'EUR' });
    expect(assessment.quotes).toBe(2);
  });

  it('holds a subcontractor request no vendor can supply, saying which role', async () => {
    // Prepare
    const systems = ports([vendor()]);
    const state = request({
      source: 'staffing',
      vendorId: undefined,
      amount: undefined,
      roleLine: roleLine({ role: 'SAP Basis Architect' }),
    });

    // Act
    const act = assessPurchaseStep(state, systems, currentProcurementPolicy(), NOW);

    // Assess
    await expect(act).rejects.toThrow(/no vendor in EMEA offers the role "SAP Basis Architect" in EUR/);
  });
});

describe('subcontractOffers', () => {
  it('skips blocked vendors and rates in another currency', () => {
    // Prepare
    const blocked = vendor({ vendorId: 'VEN-EMEA-SHADOW' });
    const dollars = vendor({
      vendorId: 'VEN-EMEA-DOLLAR',
      rates: [{ role: 'Data Engineer', rate: { amountMinor: 100, currency: 'USD' } }],
    });

    // Act
    const offers = subcontractOffers([blocked, dollars], roleLine(), currentProcurementPolicy(), 'EMEA');

    // Assess
    expect(offers).toEqual([]);
  });
});

describe('documentProblems', () => {
  it('names every missing document and accepts one expiring today', () => {
    // Prepare
    const partial = vendor({ documents: [{ kind: 'insurance', reference: 'INS-1', expiresOn: '2026-12-01' }] });

    // Act
    const problems = documentProblems(partial, '2026-12-01');

    // Assess
    expect(problems).toEqual([
      'vendor VEN-EMEA-ATLAS has no tax form on file',
      'vendor VEN-EMEA-ATLAS has no NDA on file',
    ]);
  });
});

describe('the steps after approval', () => {
  async function assessed(systems: ReturnType<typeof ports>, state: ProcurementState = request()) {
    const assessment = await assessPurchaseStep(state, systems, currentProcurementPolicy(), NOW);
    return { ...state, assessment };
  }
  const approval = { decisions: [{ decidedBy: 'dana.delivery', decidedAt: '2026-12-01T09:30:00.000Z' }] };

  it('onboards a new vendor: tasks for its documents, then active, then Vendor Onboarded', async () => {
    // Prepare
    const systems = ports([vendor({ status: 'prospective' })]);
    const state = await assessed(systems);

    // Act
    const onboarding = await onboardVendorStep(state, systems, NOW);

    // Assess
    expect(onboarding.onboarded).toBe(true);
    expect([...systems.documents.taskLists.values()][0].titles).toHaveLength(3);
    expect(systems.procurement.vendors.get('VEN-EMEA-ATLAS')?.status).toBe('active');
    const event = systems.events.events[0];
    expect(event.detailType).toBe(WorkflowDetailType.VendorOnboarded);
    expect(findContract(event.source, event.detailType)?.detail.safeParse(event.detail).success).toBe(true);
  });

  it('blocks a new vendor with expired insurance after creating its onboarding tasks', async () => {
    // Prepare
    const systems = ports([
      vendor({
        status: 'prospective',
        documents: [{ kind: 'insurance', reference: 'INS-OLD', expiresOn: '2026-01-31' }, ...DOCUMENTS_VALID.slice(1)],
      }),
    ]);
    const state = await assessed(systems);

    // Act
    const act = onboardVendorStep(state, systems, NOW);

    // Assess
    await expect(act).rejects.toThrow(/insurance certificate .* expired on 2026-01-31/);
    expect(systems.documents.taskLists.size).toBe(1);
    expect(systems.procurement.vendors.get('VEN-EMEA-ATLAS')?.status).toBe('prospective');
    expect(systems.procurement.purchases.get('REQ-1')?.status).toBe('held');
  });

  it('raises one purchase order when the step runs twice, and announces it with its cycle time', async () => {
    // Prepare
    const systems = ports();
    const state = {
      ...(await assessed(systems)),
      approval,
      onboarding: { onboarded: false, completedAt: NOW.toISOString() },
    };

    // Act
    const first = await raisePurchaseOrderStep(state, systems, NOW);
    const second = await raisePurchaseOrderStep(state, systems, NOW);

    // Assess
    expect(second.purchaseOrderId).toBe(first.purchaseOrderId);
    expect(systems.purchaseOrders.orders.size).toBe(1);
    expect(first.cycleTimeSeconds).toBe(3600);
    expect(first.approvers).toEqual(['dana.delivery']);
    expect(systems.procurement.purchases.get('REQ-1')).toMatchObject({
      status: 'issued',
      approvers: ['dana.delivery'],
    });
    const event = systems.events.events[0];
    expect(event.detailType).toBe(WorkflowDetailType.PurchaseOrderIssued);
    expect(findContract(event.source, event.detailType)?.detail.safeParse(event.detail).success).toBe(true);
  });

  it('adds a subcontractor to the PSA pool with the vendor rate as its cost rate, then compensation retires it', async () => {
    // Prepare
    const systems = ports();
    const state = await assessed(
      systems,
      request({ source: 'staffing', vendorId: undefined, amount: undefined, roleLine: roleLine() }),
    );
    const onboarding = { onboarded: false, completedAt: NOW.toISOString() };
    const purchaseOrder = await raisePurchaseOrderStep({ ...state, approval, onboarding }, systems, NOW);

    // Act
    const resource = await addBookableResourceStep(
      { ...state, approval, onboarding, purchaseOrder },
      systems.resources,
      NOW,
    );
    const compensation = await compensatePurchase(
      { request: { requestId: 'REQ-1' }, purchaseOrder, resource },
      systems,
      NOW,
    );

    // Assess
    const added = [...systems.resources.resources.values()][0];
    expect(added).toMatchObject({ costRate: { amountMinor: 9_000, currency: 'EUR' }, status: 'retired' });
    expect(compensation.actions).toEqual([
      `psa resource ${resource.psaResourceId} retired`,
      `erp purchase order ${purchaseOrder.purchaseOrderId} cancelled`,
      'purchase REQ-1 cancelled',
    ]);
    expect([...systems.purchaseOrders.orders.values()][0].status).toBe('cancelled');
  });
});

describe('receiptRefusal', () => {
  const purchase = { requestedBy: 'sally.sales', approvers: ['dana.delivery', 'fiona.finance'] };

  it('refuses the requester and each approver, and accepts a third person', () => {
    // Act
    const outcomes = ['sally.sales', 'fiona.finance', 'dave.delivery'].map((actor) => receiptRefusal(purchase, actor));

    // Assess
    expect(outcomes[0]).toContain('requested this purchase');
    expect(outcomes[1]).toContain('approved this purchase');
    expect(outcomes[2]).toBeUndefined();
  });

  it('refuses anyone but the receiver the request named', () => {
    // Act
    const refusal = receiptRefusal({ ...purchase, receiver: 'dave.delivery' }, 'sam.staffing');

    // Assess
    expect(refusal).toBe('the request names dave.delivery as the receiver, not sam.staffing');
  });
});
