/** A project as the PSA knows it, with its work breakdown and roles. */
export interface PsaProject {
  readonly psaProjectId: string;
  readonly status: 'active' | 'closed';
}

/** What the PSA needs: the project, its work breakdown and the roles to staff. */
export interface PsaProjectRequest {
  readonly psflowProjectId: string;
  readonly name: string;
  readonly clientId: string;
  readonly startDate: string;
  readonly endDate?: string;
  readonly roles: readonly { readonly lineId: string; readonly role: string; readonly skills: readonly string[]; readonly hours: number }[];
}

/** The PSA port: projects, work breakdown and roles; assignments and time entries later. */
export interface PsaConnector {
  createProject(idempotencyKey: string, request: PsaProjectRequest): Promise<PsaProject>;
  /** Compensation: the project is closed, not deleted. */
  closeProject(idempotencyKey: string, psaProjectId: string, reason: string): Promise<PsaProject>;
  /** Compensation for what the PSA holds for a psflow project: its project closed. */
  compensateProject(psflowProjectId: string, reason: string): Promise<string[]>;
}
