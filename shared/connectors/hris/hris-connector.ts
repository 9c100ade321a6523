import * as z from 'zod';
import { CurrencyCode, IsoDate, Region } from '../../model/primitives';

/** A skill slug (`sap-s4hana`, `dbt`): lower case, as statements of work name them. */
export const SkillName = z.string().regex(/^[a-z0-9][a-z0-9+.-]{0,59}$/, 'must be a lower-case skill slug');

/** One skill a person has, at a proficiency from 1 (aware) to 5 (expert). */
export const PersonSkill = z.object({
  skill: SkillName,
  proficiency: z.number().int().min(1).max(5),
});
/** Typed {@link PersonSkill}. */
export type PersonSkill = z.infer<typeof PersonSkill>;

/** A period of leave, inclusive of both dates. */
export const LeaveEntry = z
  .object({
    leaveId: z.string().min(1).max(100),
    personId: z.string().min(1).max(100),
    startDate: IsoDate,
    endDate: IsoDate,
    kind: z.enum(['annual', 'sick', 'parental', 'training', 'other']).default('annual'),
  })
  .refine((leave) => leave.startDate <= leave.endDate, { message: 'endDate is before startDate', path: ['endDate'] });
/** Typed {@link LeaveEntry}. */
export type LeaveEntry = z.infer<typeof LeaveEntry>;

/** A person as the HRIS knows them: what staffing needs to decide who fits a role. */
export const Person = z.object({
  personId: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  /** Career grade, which sets the utilisation target (`consultant`, `senior-consultant`, ...). */
  grade: z.string().regex(/^[a-z][a-z-]{1,39}$/, 'must be a lower-case grade slug'),
  /** Level within the grade, 1 upwards. */
  level: z.number().int().min(1).max(10),
  practice: z.string().regex(/^[a-z][a-z0-9-]{1,49}$/, 'must be a lower-case practice slug'),
  region: Region,
  /** City or office, for people to read. */
  location: z.string().min(1).max(100),
  /** ISO-3166 alpha-2 country whose public holidays apply. */
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO-3166 alpha-2 code such as DE'),
  /** IANA time zone (`Europe/Berlin`). */
  timeZone: z.string().min(3).max(64),
  /** Hours from UTC in the person's working day, for time-zone overlap (Berlin in winter: 1). */
  utcOffsetHours: z.number().min(-12).max(14),
  /** Cost per hour in minor units (cents). */
  costRateMinor: z.number().int().positive(),
  currency: CurrencyCode,
  /** Contracted hours per week, spread over Monday to Friday. */
  hoursPerWeek: z.number().positive().max(60),
  employmentType: z.enum(['employee', 'contractor']),
  skills: z.array(PersonSkill).min(1).max(40),
  /** Certifications and clearances (`sap-certified`, `sc-clearance`). */
  certifications: z.array(z.string().min(1).max(60)).max(40).default([]),
  /** Whether the person works on client sites outside their home region remotely. */
  remoteOk: z.boolean().default(true),
  /** The person's delivery lead, who confirms an assignment. */
  deliveryLead: z.string().min(1).max(200),
});
/** Typed {@link Person}. */
export type Person = z.infer<typeof Person>;

/** A person with their recorded leave, as the engine reads them. */
export interface PersonRecord extends Person {
  readonly leave: readonly LeaveEntry[];
}

/** Public holidays of one country. */
export const HolidayCalendar = z.object({
  country: z.string().regex(/^[A-Z]{2}$/),
  dates: z.array(IsoDate).max(400),
});
/** Typed {@link HolidayCalendar}. */
export type HolidayCalendar = z.infer<typeof HolidayCalendar>;

/** What selects candidates from the skill index. */
export interface CandidateQuery {
  readonly skill: string;
  readonly region: Region;
  readonly minProficiency: number;
  /** At most this many, highest proficiency first. */
  readonly limit: number;
}

/** A hiring requisition opened when nobody in the firm fits. */
export interface HiringRequisitionRequest {
  readonly requestId: string;
  readonly role: string;
  readonly skills: readonly string[];
  readonly region: string;
  readonly hoursPerWeek: number;
  readonly startDate: string;
  readonly requestedBy: string;
}

/** The HRIS port: people, their skills, calendars and leave; requisitions for hiring. */
export interface HrisConnector {
  /**
   * People, with their leave, who have the skill at or above a proficiency in a region, highest
   * proficiency first: from an index (never a scan) that returns them whole, so ranking needs no
   * second read of their profiles.
   */
  findCandidates(query: CandidateQuery): Promise<PersonRecord[]>;
  /** People with their leave, in the order asked; unknown ids are left out. */
  getPeople(personIds: readonly string[]): Promise<PersonRecord[]>;
  /** Public holidays by country; a country with none recorded is absent. */
  getHolidays(countries: readonly string[]): Promise<Map<string, readonly string[]>>;
  /** The skills anybody in the firm has, so a request naming an unknown one is held. */
  knownSkills(): Promise<ReadonlySet<string>>;
  /** Opens a hiring requisition once per idempotency key. */
  openRequisition(idempotencyKey: string, request: HiringRequisitionRequest): Promise<{ requisitionId: string }>;
}
