/** A project as the PSA knows it, with its work breakdown and roles. */
export interface PsaProject {
  readonly psaProjectId: string;
  readonly status: 'active' | 'closed';
}

/** One element of a project's work breakdown: a phase the PSA plans, staffs and books time against. */
export interface WorkPackage {
  /** WBS code within the project: `1`, `2`, ... */
  readonly code: string;
  readonly name: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly plannedHours: number;
  /** The statement-of-work lines whose roles work in this package. */
  readonly roleLineIds: readonly string[];
}

/** What the PSA needs: the project, its work breakdown and the roles to staff. */
export interface PsaProjectRequest {
  readonly psflowProjectId: string;
  readonly name: string;
  readonly clientId: string;
  readonly startDate: string;
  readonly endDate?: string;
  readonly workBreakdown: readonly WorkPackage[];
  /** One role per statement-of-work line, placed in the work package that holds the line. */
  readonly roles: readonly {
    readonly lineId: string;
    readonly role: string;
    readonly skills: readonly string[];
    readonly hours: number;
    readonly workPackage: string;
  }[];
}

/** The PSA port: projects, work breakdown and roles; assignments and time entries later. */
export interface PsaConnector {
  createProject(idempotencyKey: string, request: PsaProjectRequest): Promise<PsaProject>;
  /** Compensation: the project is closed, not deleted. */
  closeProject(idempotencyKey: string, psaProjectId: string, reason: string): Promise<PsaProject>;
  /** Compensation for what the PSA holds for a psflow project: its project closed. */
  compensateProject(psflowProjectId: string, reason: string): Promise<string[]>;
}
