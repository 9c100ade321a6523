import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { RetryableConnectorError } from '../../shared/connectors/connector-errors';
import type { BookingOutcome } from '../../shared/connectors/psa/psa-bookings';
import { SandboxPsaBookings } from '../../shared/connectors/sandbox/sandbox-psa-bookings';
import { weeksOf } from '../../shared/staffing/iso-week';
import {
  clientConfig,
  type LocalCloudProcess,
  startLocalCloud,
  temporaryDataDirectory,
} from '../support/local-cloud-process';

const BOOKINGS_TABLE = 'psflow-dev-sandbox-bookings';
const CAPACITY = 40;
/** Weeks 2027-W11..W16: the window crosses the Q1/Q2 bucket boundary, so some bookings write two items. */
const WEEKS = weeksOf('2027-03-15', '2027-04-23').map((week) => week.week);

describe('PSA bookings under concurrency (local cloud)', () => {
  let cloud: LocalCloudProcess;
  const clients: DynamoDBClient[] = [];

  /** A fresh SDK client per delivery, as separate Lambda invocations would have. */
  function delivery(): SandboxPsaBookings {
    const client = new DynamoDBClient(clientConfig(cloud.url));
    clients.push(client);
    const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    return new SandboxPsaBookings(documents, BOOKINGS_TABLE, undefined);
  }

  beforeAll(async () => {
    cloud = await startLocalCloud(temporaryDataDirectory('staffing-bookings'), ['--no-seed']);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await cloud?.stop();
    if (cloud) fs.rmSync(cloud.dataDirectory, { recursive: true, force: true });
  });

  it('books 50 competing requests, some delivered twice, without anyone over capacity in any week', async () => {
    // Prepare
    const run = randomUUID().slice(0, 8);
    const people = [0, 1, 2, 3, 4].map((index) => `${run}-P${index}`);
    const capacity = Object.fromEntries(WEEKS.map((week) => [week, CAPACITY]));
    const requests = Array.from({ length: 50 }, (_, index) => {
      const first = index % 3;
      const weeks = WEEKS.slice(first, first + 3 + (index % 2));
      return {
        bookingId: `${run}-R${String(index).padStart(2, '0')}`,
        personId: people[index % people.length],
        projectId: `PRJ-${index}`,
        kind: 'hold' as const,
        expiresAt: '2027-03-01T00:00:00.000Z',
        weeks: Object.fromEntries(weeks.map((week) => [week, 8 + (index % 4) * 4])),
      };
    });
    const duplicated = requests.filter((_, index) => index % 5 === 0);
    const deliveries = [...requests, ...duplicated];

    // Act
    const outcomes = await Promise.all(
      deliveries.map(async (request): Promise<[string, BookingOutcome]> => {
        const psa = delivery();
        for (let attempt = 0; ; attempt += 1) {
          try {
            return [request.bookingId, await psa.book(request, capacity)];
          } catch (error) {
            // The twin of a delivery is still writing: a Step Functions retry waits and asks again.
            if (!(error instanceof RetryableConnectorError) || attempt > 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 50 + attempt * 20));
          }
        }
      }),
    );

    // Assess
    const reader = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(cloud.url)));
    const booked = new Map<string, Record<string, number>>();
    for (const request of requests) {
      const { Item } = await reader.send(
        new GetCommand({
          TableName: BOOKINGS_TABLE,
          Key: { pk: `BOOKING#${request.bookingId}`, sk: 'BOOKING' },
          ConsistentRead: true,
        }),
      );
      expect(['active', 'refused']).toContain(Item?.status);
      if (Item?.status === 'active') booked.set(request.bookingId, request.weeks);
    }
    for (const personId of people) {
      const { Items = [] } = await reader.send(
        new QueryCommand({
          TableName: BOOKINGS_TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `PERSON#${personId}` },
          ConsistentRead: true,
        }),
      );
      for (const week of WEEKS) {
        const item = Items.find((candidate) => candidate[`w#${week}`] !== undefined) ?? {};
        const total = Number(item[`w#${week}`] ?? 0);
        const expected = requests
          .filter((request) => request.personId === personId && booked.has(request.bookingId))
          .reduce((sum, request) => sum + (request.weeks[week] ?? 0), 0);
        expect({ personId, week, total }).toEqual({ personId, week, total: expected });
        expect(total).toBeLessThanOrEqual(CAPACITY);
      }
    }
    for (const request of duplicated) {
      const answers = outcomes.filter(([id]) => id === request.bookingId).map(([, outcome]) => outcome.outcome);
      expect(answers).toHaveLength(2);
      expect(new Set(answers).size).toBe(1);
    }
    const refused = outcomes.filter(([, outcome]) => outcome.outcome === 'over-capacity').length;
    expect(booked.size).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
    reader.destroy();
  }, 240_000);
});
