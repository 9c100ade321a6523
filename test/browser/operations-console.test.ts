import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { SalesforceDetailType } from '../../shared/events/catalogue';
import { KpiAggregatesTable } from '../../shared/kpis/kpi-aggregates-table';
import { Metric } from '../../shared/kpis/kpi-facts';
import {
  clientConfig,
  eventually,
  startLocalCloud,
  temporaryDataDirectory,
  type LocalCloudProcess,
} from '../support/local-cloud-process';
import { deliverEvents, LOCAL_EVENT_RELAY_SOURCE } from '../support/partner-events';
import { salesforceId } from '../support/psflow-cli';
import { accessibilityViolations, launchBrowser, screenshot } from './browser-session';

const CRM_TABLE = 'psflow-dev-sandbox-crm';
const KPI_TABLE = 'psflow-dev-kpis';
/** The demo deal whose statement of work is missing: its activation waits on an exception. */
const TAILSPIN_OPPORTUNITY = '0068d00000E3tUvAAJ';

/** Calls the operations API as a directory user, to check what the console did for real. */
async function api<T>(cloud: LocalCloudProcess, user: string, path: string): Promise<T> {
  const response = await fetch(`${cloud.url}/api${path}`, { headers: { 'x-psflow-user': user } });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

describe('the operations console in a real browser', () => {
  let cloud: LocalCloudProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // The demo moves four deals to Closed Won: approvals wait, and Tailspin lands in the exception queue.
    cloud = await startLocalCloud(temporaryDataDirectory('console'), ['--demo']);
    await eventually(async () => (cloud.output().includes('act on them') ? true : undefined), 90_000, 'the demo');
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterEach(async () => {
    await page?.close();
  });

  /** Opens a page of the console as a directory user, picked in the identity picker. */
  async function openAs(user: string, route: string): Promise<void> {
    await page.goto(`${cloud.url}/console/#/${route}`);
    await page.getByLabel('Acting as').selectOption(user);
  }

  async function expectAccessible(): Promise<void> {
    const violations = await accessibilityViolations(page);
    expect(violations).toEqual([]);
  }

  it('finds an execution by its opportunity and shows its failed state on the graph', async () => {
    // Prepare
    await openAs('ian.integration', 'executions');

    // Act
    await page.getByLabel('Id').fill(TAILSPIN_OPPORTUNITY);
    await page.getByRole('button', { name: 'Find' }).click();
    const failedStates = page.getByTestId('failed-states');
    await failedStates.waitFor({ timeout: 20_000 });

    // Assess
    const failed = (await failedStates.textContent()) ?? '';
    expect(failed).not.toBe('none');
    const failedNode = page.locator('g.node[data-status="failed"]').first();
    expect(await failedNode.getAttribute('data-state')).toBe(failed.split(', ')[0]);
    expect(await page.getByTestId('current-state').textContent()).toMatch(/^File.+Exception$/);
    expect(await page.locator('tr.row-failed').count()).toBeGreaterThan(0);
    await screenshot(page, 'executions');
    await expectAccessible();
  });

  it('approves a task with a comment, and the task is decided', async () => {
    // Prepare
    await openAs('pat.practice', 'approvals');
    // Whichever demo deal routes to the practice lead first (Contoso or Northwind).
    const card = page.locator('li.card').first();
    await card.waitFor({ timeout: 20_000 });
    const taskId = (await card.getAttribute('data-task-id')) ?? '';
    await screenshot(page, 'approvals');
    await expectAccessible();

    // Act
    await card.getByLabel('Comment').fill('Margin checked against the rate card');
    await card.getByRole('button', { name: /^Approve/ }).click();
    await page.getByRole('status').filter({ hasText: 'Approved' }).waitFor({ timeout: 20_000 });

    // Assess
    const task = await api<{ status: string; decision?: { decidedBy: string; comment: string } }>(
      cloud,
      'pat.practice',
      `/tasks/${taskId}`,
    );
    expect(task).toMatchObject({
      status: 'approved',
      decision: { decidedBy: 'pat.practice', comment: 'Margin checked against the rate card' },
    });
    // The inbox reloads after the decision; the decided card leaves it then.
    const decidedCard = page.locator(`li.card[data-task-id="${taskId}"]`);
    await decidedCard.waitFor({ state: 'detached', timeout: 20_000 });
    expect(await decidedCard.count()).toBe(0);
  });

  it('retries an exception with a JSON Patch from the editor', async () => {
    // Prepare
    await openAs('ian.integration', 'exceptions');
    const row = page.locator('tr[data-exception-id]').first();
    await row.waitFor({ timeout: 20_000 });
    const exceptionId = (await row.getAttribute('data-exception-id')) ?? '';
    await row.getByRole('button', { name: /^Act/ }).click();
    await screenshot(page, 'exceptions');
    await expectAccessible();
    const patch = [
      { op: 'test', path: '/opportunity/opportunityId/id', value: TAILSPIN_OPPORTUNITY },
      { op: 'replace', path: '/opportunity/name', value: 'Tailspin Airways - Crew Scheduling' },
    ];

    // Act
    await page.getByLabel('JSON Patch of the step input (optional)').fill('not json');
    const refusedWhileInvalid = await page.getByRole('button', { name: 'Retry', exact: true }).isDisabled();
    await page.getByLabel('JSON Patch of the step input (optional)').fill(JSON.stringify(patch));
    await page.getByLabel('Note').fill('statement of work uploaded');
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'with a patch' }).waitFor({ timeout: 20_000 });

    // Assess
    expect(refusedWhileInvalid).toBe(true);
    const acted = await api<{ status: string; resolution?: { action: string; patch?: unknown; note: string } }>(
      cloud,
      'ian.integration',
      `/exceptions/${exceptionId}`,
    );
    expect(acted).toMatchObject({
      status: 'retrying',
      resolution: { action: 'retry', patch, note: 'statement of work uploaded' },
    });
  });

  it('shows a rejected event and replays it once its cause is fixed', async () => {
    // Prepare: a won opportunity whose account the CRM does not know, so ingestion rejects it.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    const opportunityId = salesforceId('006');
    const accountId = salesforceId('001');
    await documents.send(
      new PutCommand({
        TableName: CRM_TABLE,
        Item: {
          recordKey: `Opportunity#${opportunityId}`,
          opportunityId,
          accountId,
          name: 'Console replay',
          stage: 'Closed Won',
          isWon: true,
          isClosed: true,
        },
      }),
    );
    await deliverEvents(cloud.url, [
      {
        Source: LOCAL_EVENT_RELAY_SOURCE,
        DetailType: SalesforceDetailType.OpportunityChangeEvent,
        Detail: JSON.stringify({
          payload: {
            ChangeEventHeader: {
              entityName: 'Opportunity',
              recordIds: [opportunityId],
              changeType: 'UPDATE',
              transactionKey: randomUUID(),
              sequenceNumber: 1,
              commitTimestamp: Date.now(),
              changedFields: ['StageName', 'IsWon'],
            },
            StageName: 'Closed Won',
            IsWon: true,
            IsClosed: true,
            Name: 'Console replay',
            AccountId: accountId,
            Amount: 120000,
            CurrencyIsoCode: 'EUR',
            CloseDate: '2026-11-20',
            Region__c: 'EMEA',
            Practice__c: 'Cloud Strategy',
            Billing_Model__c: 'Fixed Fee',
          },
        }),
      },
    ]);
    const rejection = await eventually(
      async () =>
        (await api<{ rejectionId: string; recordId?: string }[]>(cloud, 'ian.integration', '/rejected-events')).find(
          (item) => item.recordId === opportunityId,
        ),
      30_000,
      'the rejected event',
    );
    await documents.send(
      new PutCommand({
        TableName: CRM_TABLE,
        Item: { recordKey: `Account#${accountId}`, accountId, name: 'Console Client', region: 'EMEA' },
      }),
    );
    await openAs('ian.integration', 'rejected-events');
    const row = page.locator(`tr[data-rejection-id="${rejection.rejectionId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await row.getByRole('button', { name: /^Show/ }).click();
    await page.getByText('is unknown to the CRM').first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'rejected-events');
    await expectAccessible();

    // Act
    await page.getByLabel('Note').fill('account created in CRM');
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: 'replayed' }).waitFor({ timeout: 20_000 });

    // Assess
    const replayed = await api<{ status: string; actedBy?: string; note?: string }>(
      cloud,
      'ian.integration',
      `/rejected-events/${rejection.rejectionId}`,
    );
    expect(replayed).toMatchObject({ status: 'replayed', actedBy: 'ian.integration', note: 'account created in CRM' });
    const started = await eventually(
      async () => {
        const found = await api<{ executionName: string }[]>(
          cloud,
          'ian.integration',
          `/executions?opportunity=${opportunityId}`,
        );
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'the replayed activation',
    );
    expect(started.map((execution) => execution.executionName)).toEqual([`opportunity-salesforce-${opportunityId}`]);
  });

  it('shows the seeded KPI values in its charts and in the numbers behind them', async () => {
    // Prepare: day items as the aggregator writes them, for roles, steps and a practice the demo does not touch.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString();
    const workflow = 'project-activation';
    const scope = { workflow, region: 'EMEA', practice: 'kpi-console-check' };
    await new KpiAggregatesTable(documents, KPI_TABLE).apply(`console-kpi-seed-${randomUUID()}`, [
      {
        ...scope,
        at: daysAgo(2),
        counters: { [Metric.started(workflow)]: 1, [Metric.completed(workflow)]: 1 },
        durations: { [Metric.cycleTime(workflow)]: 7_200 },
      },
      {
        ...scope,
        at: daysAgo(1),
        counters: {
          [Metric.started(workflow)]: 1,
          [Metric.completed(workflow)]: 1,
          [Metric.approvalsDecided(workflow, 'cfo')]: 4,
          [Metric.approvalsWithinSla(workflow, 'cfo')]: 3,
          [Metric.exceptionsFiled(workflow, 'ProvisionErpProject', 'erp')]: 3,
          [Metric.billableHours('EMEA', 'kpi-console-check')]: 120,
          [Metric.availableHours('EMEA', 'kpi-console-check')]: 160,
        },
        durations: { [Metric.cycleTime(workflow)]: 14_400 },
      },
    ]);

    // Act
    await openAs('olga.ops', 'kpis');
    const slaBar = page.locator('g[data-label="cfo"]');
    await slaBar.waitFor({ timeout: 20_000 });

    // Assess
    expect(await slaBar.getAttribute('data-value')).toBe('75');
    expect(
      await page
        .locator('rect.heat[data-row="project-activation / ProvisionErpProject"][data-column="erp"]')
        .getAttribute('data-value'),
    ).toBe('3');
    expect(await page.locator('g[data-label="EMEA kpi-console-check"]').getAttribute('data-value')).toBe('75');
    expect(await page.locator('figure.chart circle.dot').count()).toBeGreaterThanOrEqual(2);
    const slaNumbers = page.getByRole('table', { name: /Approval SLA performance by role/ });
    expect(await slaNumbers.getByRole('row', { name: /cfo/ }).textContent()).toContain('75');
    await screenshot(page, 'kpis');
    await expectAccessible();
  });

  it('is usable by keyboard alone: skip link, page links and the identity picker', async () => {
    // Prepare
    await page.goto(`${cloud.url}/console/#/executions`);
    await page.getByLabel('Acting as').waitFor();

    // Act
    await page.keyboard.press('Tab');
    const firstFocus = await page.evaluate<string>('document.activeElement?.textContent ?? ""');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/approvals$/);

    // Assess
    expect(firstFocus).toBe('Skip to content');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Who are you?');
    await expectAccessible();
  });
});
