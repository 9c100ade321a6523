import { Construct } from 'constructs';
import { BOOKINGS_BY_HOLD_EXPIRY_INDEX } from '../../shared/connectors/sandbox/sandbox-psa-bookings';
import { HRIS_BY_SKILL_REGION_INDEX } from '../../shared/connectors/sandbox/sandbox-hris-connector';
import { ServiceTable } from '../platform/service-table';

/** Props of {@link StaffingSystems}. */
export interface StaffingSystemsProps {
  readonly stage: string;
}

/**
 * The sandbox systems of record staffing reads and books through its ports (design decision 8):
 * the HRIS (people, skills, calendars, leave) and the PSA's bookings (holds and assignments by
 * person-week, which never exceed capacity).
 */
export class StaffingSystems extends Construct {
  /** The sandbox HRIS: `PERSON#<id>` profiles and skill items, holiday calendars, requisitions. */
  public readonly hrisTable: ServiceTable;
  /** The sandbox PSA bookings: `PERSON#<id>` / `Q#<quarter>` capacity items and `BOOKING#<id>` records. */
  public readonly bookingsTable: ServiceTable;

  constructor(scope: Construct, id: string, props: StaffingSystemsProps) {
    super(scope, id);
    this.hrisTable = new ServiceTable(this, 'HrisTable', {
      stage: props.stage,
      name: 'sandbox-hris',
      partitionKey: 'pk',
      sortKey: 'sk',
      globalSecondaryIndexes: [
        { indexName: HRIS_BY_SKILL_REGION_INDEX, partitionKey: 'skillRegion', sortKey: 'proficiencyKey' },
      ],
    });
    this.bookingsTable = new ServiceTable(this, 'BookingsTable', {
      stage: props.stage,
      name: 'sandbox-bookings',
      partitionKey: 'pk',
      sortKey: 'sk',
      globalSecondaryIndexes: [
        { indexName: BOOKINGS_BY_HOLD_EXPIRY_INDEX, partitionKey: 'holdState', sortKey: 'expiresAt' },
      ],
    });
  }
}
