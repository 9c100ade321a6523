/** A filed document. */
export interface FiledDocument {
  readonly documentId: string;
}

/** The documents port: file contracts and statements of work, create onboarding tasks. */
export interface DocumentsConnector {
  fileDocument(
    idempotencyKey: string,
    document: { readonly psflowProjectId: string; readonly kind: 'contract' | 'sow'; readonly title: string },
  ): Promise<FiledDocument>;
  createTasks(
    idempotencyKey: string,
    request: {
      readonly psflowProjectId: string;
      readonly tasks: readonly { readonly title: string; readonly dueDate: string; readonly ownerRole: string }[];
    },
  ): Promise<{ taskListId: string; count: number }>;
  /** Compensation: the tasks are cancelled, their record kept. */
  cancelTasks(
    idempotencyKey: string,
    taskListId: string,
    reason: string,
  ): Promise<{ taskListId: string; status: 'cancelled' }>;
  /** Compensation: onboarding tasks of a psflow project cancelled; filed documents stay. */
  compensateProject(psflowProjectId: string, reason: string): Promise<string[]>;
}
