import type { DocumentsConnector, FiledDocument } from '../documents/documents-connector';
import type { SandboxRecordStore } from './sandbox-record-store';

/** The sandbox document system: filed documents and onboarding task lists as sandbox records. */
export class SandboxDocumentsConnector implements DocumentsConnector {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async fileDocument(
    idempotencyKey: string,
    document: Parameters<DocumentsConnector['fileDocument']>[1],
  ): Promise<FiledDocument> {
    const record = await this.store.create({
      system: 'documents',
      operation: 'fileDocument',
      type: 'document',
      idPrefix: 'DOC',
      idempotencyKey,
      payload: { ...document },
      now: this.now(),
      reference: document.psflowProjectId,
    });
    return { documentId: record.id };
  }

  async createTasks(
    idempotencyKey: string,
    request: Parameters<DocumentsConnector['createTasks']>[1],
  ): Promise<{ taskListId: string; count: number }> {
    const record = await this.store.create({
      system: 'documents',
      operation: 'createTasks',
      type: 'task-list',
      idPrefix: 'TL',
      idempotencyKey,
      payload: { ...request, status: 'open' },
      now: this.now(),
      reference: request.psflowProjectId,
    });
    return { taskListId: record.id, count: request.tasks.length };
  }

  async compensateProject(psflowProjectId: string, reason: string): Promise<string[]> {
    const actions: string[] = [];
    for (const list of (await this.store.listByReference('documents', psflowProjectId))
      .filter((record) => record.systemType === 'documents#task-list' && record.status !== 'cancelled')
      .reverse()) {
      await this.cancelTasks(`compensate:${list.id}`, list.id, reason);
      actions.push(`onboarding tasks ${list.id} cancelled`);
    }
    return actions;
  }

  async cancelTasks(
    _idempotencyKey: string,
    taskListId: string,
    reason: string,
  ): Promise<{ taskListId: string; status: 'cancelled' }> {
    await this.store.update(
      'documents',
      'cancelTasks',
      `documents#task-list#${taskListId}`,
      { status: 'cancelled', cancelledReason: reason, cancelledAt: this.now().toISOString() },
      ['cancelledReason', 'cancelledAt'],
    );
    return { taskListId, status: 'cancelled' };
  }
}
