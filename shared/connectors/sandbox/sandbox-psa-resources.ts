import type { BookableResourceRequest, PsaResources } from '../psa/psa-resources';
import type { SandboxRecordStore } from './sandbox-record-store';

/** The sandbox PSA's resource pool: subcontractors as bookable resources, as sandbox records. */
export class SandboxPsaResources implements PsaResources {
  constructor(
    private readonly store: SandboxRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async addBookableResource(
    idempotencyKey: string,
    request: BookableResourceRequest,
  ): Promise<{ psaResourceId: string; status: 'bookable' | 'retired' }> {
    const record = await this.store.create({
      system: 'psa',
      operation: 'addBookableResource',
      type: 'resource',
      idPrefix: 'RES',
      idempotencyKey,
      payload: { ...request, status: 'bookable' },
      now: this.now(),
      reference: request.psflowProjectId,
    });
    return { psaResourceId: record.id, status: record.status === 'retired' ? 'retired' : 'bookable' };
  }

  async retireResource(
    _idempotencyKey: string,
    psaResourceId: string,
    reason: string,
  ): Promise<{ psaResourceId: string }> {
    await this.store.update(
      'psa',
      'retireResource',
      `psa#resource#${psaResourceId}`,
      { status: 'retired', retiredReason: reason, retiredAt: this.now().toISOString() },
      ['retiredReason', 'retiredAt'],
    );
    return { psaResourceId };
  }
}
