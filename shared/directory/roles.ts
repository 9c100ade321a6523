import * as z from 'zod';

/**
 * Roles that approve, own exceptions or operate psflow. Tasks and exceptions are assigned to
 * roles, never to named people, so absences and staff changes do not strand work.
 */
export const Role = z.enum([
  'delivery-lead',
  'practice-lead',
  'cfo',
  'finance-ops',
  'staffing-manager',
  'integration-ops',
  'managing-partner',
  'admin',
]);
/** Typed {@link Role}. */
export type Role = z.infer<typeof Role>;

/** The role that manages the directory's grants (it decides no approval and owns no exception). */
export const DIRECTORY_ADMIN_ROLE: Role = 'admin';

/** Who owns an exception, by the class of the error that caused it (design decision 6). */
export const ExceptionOwnerRole = {
  finance: 'finance-ops',
  delivery: 'delivery-lead',
  staffing: 'staffing-manager',
  integration: 'integration-ops',
} as const satisfies Record<string, Role>;
/** The error classes that decide an exception's owner. */
export type ErrorClass = keyof typeof ExceptionOwnerRole;
