import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PurchaseRecord, VendorRecord } from '../../shared/connectors/procurement/procurement-connector';
import { SandboxProcurementConnector } from '../../shared/connectors/procurement/sandbox-procurement-connector';
import { SandboxRecordStore } from '../../shared/connectors/sandbox/sandbox-record-store';
import { PsflowSource, WorkflowDetailType } from '../../shared/events/catalogue';
import type { WorkflowException } from '../../shared/exceptions/workflow-exception';
import type { HumanTask } from '../../shared/human-tasks/human-task';
import { purchaseExecutionName } from '../../shared/procurement/purchases-api';
import {
  clientConfig,
  eventually,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

/**
 * Procurement end to end on the local cloud: purchase requests through the HTTP API and
 * `Subcontractor Requested` events on the bus, approvals and exceptions acted on through the API,
 * and every outcome read back with SDK clients from Step Functions and DynamoDB.
 */
const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:psflow-dev-procurement';
const TASKS_TABLE = 'psflow-dev-human-tasks';
const EXCEPTIONS_TABLE = 'psflow-dev-exceptions';
const PROCUREMENT_TABLE = 'psflow-dev-sandbox-procurement';
const RECORDS_TABLE = 'psflow-dev-sandbox-records';
const BUS = 'psflow-dev';
const SLOW_MS = 60_000;

const VALID_DOCUMENTS: VendorRecord['documents'] = [
  { kind: 'insurance', reference: 'INS-T', expiresOn: '2030-12-31' },
  { kind: 'tax-form', reference: 'TAX-T', expiresOn: '2030-12-31' },
  { kind: 'nda', reference: 'NDA-T', expiresOn: '2030-12-31' },
];

interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

describe('procurement on the local cloud', () => {
  let cloud: LocalCloudProcess;
  let documents: DynamoDBDocumentClient;
  let sfn: SFNClient;
  let bus: EventBridgeClient;
  let procurement: SandboxProcurementConnector;
  let records: SandboxRecordStore;

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('procurement'));
    documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    sfn = new SFNClient(clientConfig(cloud.url));
    bus = new EventBridgeClient(clientConfig(cloud.url));
    procurement = new SandboxProcurementConnector(documents, PROCUREMENT_TABLE);
    records = new SandboxRecordStore(documents, RECORDS_TABLE);
  }, 180_000);

  afterAll(async () => {
    documents?.destroy();
    sfn?.destroy();
    bus?.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  async function api<T>(method: 'GET' | 'POST', route: string, as: string, body?: unknown): Promise<ApiAnswer<T>> {
    const response = await fetch(`${cloud.url}/api${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-psflow-user': as },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** A vendor of this test alone, so tests never share vendor state. */
  async function newVendor(overrides: Partial<VendorRecord> = {}): Promise<VendorRecord> {
    const vendor: VendorRecord = {
      vendorId: `VEN-T-${randomUUID().slice(0, 8)}`,
      name: 'Test Vendor',
      region: 'EMEA',
      status: 'active',
      riskRating: 'low',
      preferred: false,
      documents: VALID_DOCUMENTS,
      rates: [],
      ...overrides,
    };
    await procurement.putVendors([vendor]);
    return vendor;
  }

  function executionArnOf(requestId: string): string {
    return `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${purchaseExecutionName(requestId)}`;
  }

  async function taskOf(executionArn: string, level = 1): Promise<HumanTask> {
    return eventually(
      async () => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: TASKS_TABLE,
            IndexName: 'byRequest',
            KeyConditionExpression: 'requestId = :id',
            ExpressionAttributeValues: { ':id': `${executionArn}#CollectPurchaseApprovals` },
          }),
        );
        return (Items as HumanTask[]).find((task) => task.level === level && task.status === 'open');
      },
      SLOW_MS,
      `approval level ${level} of ${executionArn}`,
    );
  }

  async function exceptionOf(executionArn: string, step: string): Promise<WorkflowException> {
    return eventually(
      async () => {
        const { Items = [] } = await documents.send(
          new QueryCommand({
            TableName: EXCEPTIONS_TABLE,
            IndexName: 'byExecutionStep',
            KeyConditionExpression: 'executionStep = :key',
            ExpressionAttributeValues: { ':key': `${executionArn}#${step}` },
          }),
        );
        return (Items as WorkflowException[])[0];
      },
      SLOW_MS,
      `the ${step} exception of ${executionArn}`,
    );
  }

  async function finished(executionArn: string): Promise<string> {
    return eventually(
      async () => {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        return status === 'RUNNING' ? undefined : status;
      },
      SLOW_MS,
      `${executionArn} to finish`,
    );
  }

  async function approve(executionArn: string, as: string, level = 1): Promise<void> {
    const task = await taskOf(executionArn, level);
    const answer = await api('POST', `/tasks/${task.taskId}/decision`, as, { decision: 'approve', comment: 'ok' });
    expect(answer.status).toBe(200);
  }

  async function purchaseOrdersOf(requestId: string): Promise<unknown[]> {
    const all = await records.listByReference('erp', `purchase:${requestId}`);
    return all.filter((record) => record.systemType === 'erp#purchase-order');
  }

  it('raises one purchase order after approval and lets only a third person receive it', async () => {
    // Prepare
    const vendor = await newVendor();
    const requestId = `PR-${randomUUID()}`;
    const body = {
      requestId,
      region: 'EMEA',
      vendorId: vendor.vendorId,
      amount: { amountMinor: 1_200_000, currency: 'EUR' },
      description: 'Data quality tooling, one year',
      receiver: 'dave.delivery',
    };

    // Act
    const first = await api<{ alreadyStarted: boolean }>('POST', '/purchases', 'sally.sales', body);
    const repeat = await api<{ alreadyStarted: boolean }>('POST', '/purchases', 'sally.sales', body);
    await approve(executionArnOf(requestId), 'dana.delivery');
    const status = await finished(executionArnOf(requestId));
    const byRequester = await api<{ error: string }>('POST', `/purchases/${requestId}/receipt`, 'sally.sales');
    const byApprover = await api<{ error: string }>('POST', `/purchases/${requestId}/receipt`, 'dana.delivery');
    const byReceiver = await api<PurchaseRecord>('POST', `/purchases/${requestId}/receipt`, 'dave.delivery');

    // Assess
    expect([first.status, first.body.alreadyStarted, repeat.body.alreadyStarted]).toEqual([200, false, true]);
    expect(status).toBe('SUCCEEDED');
    expect(await purchaseOrdersOf(requestId)).toHaveLength(1);
    expect([byRequester.status, byRequester.body.error]).toEqual([403, 'SegregationOfDuties']);
    expect([byApprover.status, byApprover.body.error]).toEqual([403, 'SegregationOfDuties']);
    expect(byReceiver.body).toMatchObject({
      status: 'received',
      receivedBy: 'dave.delivery',
      approvers: ['dana.delivery'],
    });
  }, 180_000);

  it('starts one purchase for a Subcontractor Requested delivered twice and adds the subcontractor to the PSA pool', async () => {
    // Prepare
    const role = `Role ${randomUUID().slice(0, 8)}`;
    const vendor = await newVendor({ rates: [{ role, rate: { amountMinor: 9_500, currency: 'EUR' } }] });
    const staffingRequestId = `staff-${randomUUID()}`;
    const projectId = { system: 'psflow', id: `prj-${randomUUID().slice(0, 8)}` };
    const entry = {
      EventBusName: BUS,
      Source: PsflowSource.Workflow,
      DetailType: WorkflowDetailType.SubcontractorRequested,
      Detail: JSON.stringify({
        requestId: staffingRequestId,
        projectId,
        roleLine: {
          lineId: 'L-1',
          role,
          skills: ['python'],
          hours: 40,
          rate: { amountMinor: 12_000, currency: 'EUR' },
          startDate: '2027-01-04',
          endDate: '2027-02-26',
        },
        region: 'EMEA',
        requestedBy: 'sam.staffing',
        reason: 'nobody in the firm is free',
        requestedAt: new Date().toISOString(),
      }),
    };
    const requestId = `sub-${staffingRequestId}`;

    // Act
    await bus.send(new PutEventsCommand({ Entries: [entry] }));
    await bus.send(new PutEventsCommand({ Entries: [entry] }));
    await approve(executionArnOf(requestId), 'dana.delivery');
    const status = await finished(executionArnOf(requestId));

    // Assess
    expect(status).toBe('SUCCEEDED');
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN }));
    expect(executions.filter((execution) => execution.name === purchaseExecutionName(requestId))).toHaveLength(1);
    const resources = (await records.listByReference('psa', projectId.id)).filter(
      (record) => record.systemType === 'psa#resource',
    );
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatchObject({
      vendorId: vendor.vendorId,
      costRate: { amountMinor: 9_500, currency: 'EUR' },
      status: 'bookable',
    });
    const ledger = await api<PurchaseRecord[]>('GET', `/purchases?project=${projectId.id}`, 'sam.staffing');
    expect(ledger.body.map((purchase) => purchase.status)).toEqual(['issued']);
  }, 180_000);

  it('holds a purchase from a vendor whose insurance expired, with the reason, and an abort cancels it', async () => {
    // Prepare
    const vendor = await newVendor({
      documents: [{ kind: 'insurance', reference: 'INS-OLD', expiresOn: '2026-01-31' }, ...VALID_DOCUMENTS.slice(1)],
    });
    const requestId = `PR-${randomUUID()}`;

    // Act
    await api('POST', '/purchases', 'sally.sales', {
      requestId,
      region: 'EMEA',
      vendorId: vendor.vendorId,
      amount: { amountMinor: 500_000, currency: 'EUR' },
      description: 'Workshop facilitation',
    });
    const exception = await exceptionOf(executionArnOf(requestId), 'AssessPurchase');
    const held = await api<PurchaseRecord>('GET', `/purchases/${requestId}`, 'sally.sales');
    const abort = await api('POST', `/exceptions/${exception.exceptionId}/abort`, 'fiona.finance', {
      note: 'vendor will not renew its insurance',
    });
    const status = await finished(executionArnOf(requestId));
    const cancelled = await api<PurchaseRecord>('GET', `/purchases/${requestId}`, 'sally.sales');

    // Assess
    expect(exception.ownerRole).toBe('finance-ops');
    expect(exception.message).toContain('expired on 2026-01-31');
    expect(held.body).toMatchObject({ status: 'held', heldReasons: [expect.stringContaining('INS-OLD')] });
    expect(abort.status).toBe(200);
    expect(status).toBe('FAILED');
    expect(cancelled.body.status).toBe('cancelled');
    expect(await purchaseOrdersOf(requestId)).toHaveLength(0);
  }, 180_000);

  it('holds a purchase in a currency the ERP entity does not keep its books in', async () => {
    // Prepare
    const vendor = await newVendor();
    const requestId = `PR-${randomUUID()}`;

    // Act
    await api('POST', '/purchases', 'sally.sales', {
      requestId,
      region: 'EMEA',
      vendorId: vendor.vendorId,
      amount: { amountMinor: 500_000, currency: 'USD' },
      description: 'US software subscription',
    });
    const exception = await exceptionOf(executionArnOf(requestId), 'AssessPurchase');

    // Assess
    expect(exception.message).toContain('does not accept USD; it accepts EUR, GBP, CHF');
  }, 180_000);

  it('refuses through the API a receiver who is the requester, and a request with no amount, saying where', async () => {
    // Act
    const sameReceiver = await api<{ message: string }>('POST', '/purchases', 'sally.sales', {
      requestId: `PR-${randomUUID()}`,
      region: 'EMEA',
      vendorId: 'VEN-EMEA-ATLAS',
      amount: { amountMinor: 100, currency: 'EUR' },
      description: 'x',
      receiver: 'sally.sales',
    });
    const noAmount = await api<{ message: string }>('POST', '/purchases', 'sally.sales', {
      requestId: `PR-${randomUUID()}`,
      region: 'EMEA',
      vendorId: 'VEN-EMEA-ATLAS',
      description: 'x',
    });

    // Assess
    expect(sameReceiver.status).toBe(400);
    expect(sameReceiver.body.message).toContain('receiver: separation of duties');
    expect(noAmount.status).toBe(400);
    expect(noAmount.body.message).toContain('vendorId: a purchase names a vendor and an amount');
  }, 60_000);

  it('raises exactly one order when the ERP loses its answers after writing, once the fault clears', async () => {
    // Prepare
    const vendor = await newVendor();
    const requestId = `PR-${randomUUID()}`;
    await records.setFaults('erp', {
      raisePurchaseOrder: { latencyMs: 0, throttleRate: 0, unavailableRate: 0, timeoutRate: 1, rejectRate: 0 },
    });

    // Act
    try {
      await api('POST', '/purchases', 'sally.sales', {
        requestId,
        region: 'EMEA',
        vendorId: vendor.vendorId,
        amount: { amountMinor: 300_000, currency: 'EUR' },
        description: 'Penetration test',
        receiver: 'dave.delivery',
      });
      await approve(executionArnOf(requestId), 'dana.delivery');
      await eventually(async () => ((await purchaseOrdersOf(requestId)).length > 0 ? true : undefined), SLOW_MS);
    } finally {
      await records.setFaults('erp', undefined);
    }
    const status = await finished(executionArnOf(requestId));

    // Assess
    expect(status).toBe('SUCCEEDED');
    expect(await purchaseOrdersOf(requestId)).toHaveLength(1);
  }, 180_000);
});
