import * as z from 'zod';
import { RoleLine } from '../model/entities';
import { ExternalId, IsoDate, IsoDateTime, Money, Region } from '../model/primitives';

/**
 * `Change Requested` v1, the canonical change to a running project, whichever system it came
 * from: the PSA (scope, end date, role lines, hours or rates) or the CRM (a new amount on an
 * opportunity that is already won). It states the proposal as the values after the change;
 * impact analysis compares them with the current baseline.
 */
export const ChangeRequestedDetail = z.object({
  /** The source's identity of the change: the change-control execution is named after it, so duplicates start nothing. */
  changeId: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'letters, digits and _ . : - only, at most 120'),
  projectId: ExternalId,
  source: z.enum(['psa', 'crm']),
  /** The won opportunity, for a change from the CRM. */
  opportunityId: ExternalId.optional(),
  region: Region,
  practice: z.string().min(1).max(50),
  requestedBy: z.string().min(1).max(200),
  reason: z.string().min(1).max(2000),
  requestedAt: IsoDateTime,
  proposed: z
    .object({
      budget: Money.optional(),
      endDate: IsoDate.optional(),
      /** The role lines after the change, whole: a line left out is removed, a new id is added. */
      roleLines: z.array(RoleLine).min(1).optional(),
      scope: z.string().min(1).max(4000).optional(),
    })
    .refine((proposed) => Object.values(proposed).some((value) => value !== undefined), {
      message: 'a change proposes at least one of budget, endDate, roleLines or scope',
    }),
  /** The client's written sign-off (a document reference), required above the policy's threshold. */
  clientSignOff: z.object({ documentReference: z.string().min(1).max(500), signedAt: IsoDateTime }).optional(),
});
/** Typed {@link ChangeRequestedDetail}. */
export type ChangeRequestedDetail = z.infer<typeof ChangeRequestedDetail>;
