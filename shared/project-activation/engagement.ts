import { PermanentConnectorError } from '../connectors/connector-errors';
import type { CrmConnector } from '../connectors/crm/crm-connector';
import { formatMoney } from '../model/primitives';
import { currentApprovalPolicy, toEur } from '../policies/approval-policy';
import type { ActivationInput, Engagement, SizeBand } from './activation-state';

/** Thresholds of the classifier: explicit, so the reasons shown to approvers can quote them. */
export const CLASSIFIER = {
  sizeBandsEur: { medium: 50_000, large: 250_000, strategic: 1_000_000 },
  fixedFeeRiskEur: 200_000,
  unusualDiscountPercent: 15,
  sowMismatchPercent: 5,
} as const;

/**
 * Loads and validates the engagement from the won opportunity and the statement of work the
 * CRM holds, and classifies it with a deterministic, explainable classifier: size band, and
 * risk flags (new client, large fixed fee, unusual discount, statement of work not matching
 * the amount), each with a reason an approver can read.
 */
export async function prepareEngagement(activation: ActivationInput, crm: CrmConnector): Promise<Engagement> {
  const { opportunity } = activation;
  const sow = await crm.getStatementOfWork(opportunity.opportunityId.id);
  if (!sow)
    throw new PermanentConnectorError(
      'crm',
      'getStatementOfWork',
      `opportunity ${opportunity.opportunityId.id} has no statement of work with role lines`,
    );
  const otherCurrency = sow.roleLines.find((line) => line.rate.currency !== opportunity.amount.currency);
  if (otherCurrency)
    throw new PermanentConnectorError(
      'crm',
      'getStatementOfWork',
      `role line ${otherCurrency.lineId} is priced in ${otherCurrency.rate.currency}, the deal in ${opportunity.amount.currency}`,
    );
  const amountEur = toEur(currentApprovalPolicy(), opportunity.amount);
  const bands = CLASSIFIER.sizeBandsEur;
  const sizeBand: SizeBand =
    amountEur >= bands.strategic
      ? 'strategic'
      : amountEur >= bands.large
        ? 'large'
        : amountEur >= bands.medium
          ? 'medium'
          : 'small';
  const riskFlags: string[] = [];
  const reasons: string[] = [`size band ${sizeBand}: ${amountEur.toLocaleString('en')} EUR`];
  if (opportunity.client.isNew) {
    riskFlags.push('new-client');
    reasons.push(`new client: ${opportunity.client.name} has no delivered project yet`);
  }
  if (opportunity.billingModel === 'fixed-fee' && amountEur >= CLASSIFIER.fixedFeeRiskEur) {
    riskFlags.push('large-fixed-fee');
    reasons.push(
      `fixed fee of ${amountEur.toLocaleString('en')} EUR, at or above ${CLASSIFIER.fixedFeeRiskEur.toLocaleString('en')} EUR`,
    );
  }
  if (opportunity.discountPercent > CLASSIFIER.unusualDiscountPercent) {
    riskFlags.push('unusual-discount');
    reasons.push(`discount of ${opportunity.discountPercent}% is above ${CLASSIFIER.unusualDiscountPercent}%`);
  }
  const sowMinor = sow.roleLines.reduce((total, line) => total + Math.round(line.hours * line.rate.amountMinor), 0);
  const gapPercent =
    opportunity.amount.amountMinor === 0
      ? 100
      : (Math.abs(sowMinor - opportunity.amount.amountMinor) / opportunity.amount.amountMinor) * 100;
  if (opportunity.billingModel === 'time-and-materials' && gapPercent > CLASSIFIER.sowMismatchPercent) {
    riskFlags.push('sow-amount-mismatch');
    reasons.push(
      `role lines add up to ${formatMoney(sowMinor, opportunity.amount.currency)}, ${gapPercent.toFixed(1)}% off the deal amount (more than ${CLASSIFIER.sowMismatchPercent}%)`,
    );
  }
  const startDate = opportunity.startDate ?? sow.roleLines.map((line) => line.startDate).sort()[0];
  const endDate =
    opportunity.endDate ??
    sow.roleLines
      .map((line) => line.endDate)
      .sort()
      .at(-1) ??
    startDate;
  return {
    projectId: activation.projectId,
    opportunityId: opportunity.opportunityId,
    clientId: opportunity.client.clientId,
    clientName: opportunity.client.name,
    name: opportunity.name,
    region: opportunity.region,
    practice: opportunity.practice,
    billingModel: opportunity.billingModel,
    amount: opportunity.amount,
    amountEur,
    startDate,
    endDate,
    roleLines: sow.roleLines,
    wonAt: activation.wonAt,
    requestedBy: opportunity.ownerEmail?.split('@')[0] ?? 'crm-integration',
    classification: { sizeBand, riskFlags, reasons },
    preparedAt: new Date().toISOString(),
    subject: {
      title: `Activate ${opportunity.name}`,
      clientId: opportunity.client.clientId,
      clientName: opportunity.client.name,
      projectId: activation.projectId,
      opportunityId: opportunity.opportunityId,
      amount: opportunity.amount,
      region: opportunity.region,
      practice: opportunity.practice,
      reasons,
    },
  };
}
