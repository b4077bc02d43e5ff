/**
 * The write-back engine's pure rules: whether a request waits for approval, validating a kind's
 * request, and how much a staff credit note credits. No I/O: request.ts, credit.ts and
 * execute.ts load what these decide on.
 */
import { invalidField, unprocessable, validationFailed } from '../../kernel/errors';
import { fromMinor, MoneyError, mulRate, toMinor } from '../../kernel/money';
import { ProrationError, prorateCredit, type ServicePeriod } from '../domain/proration';
import { REQUEST_SCHEMAS, type WritebackInput, type WritebackKind } from './types';

/** The firm's approval threshold, in its reporting currency (firms.settings.collections.approvalThreshold); null = none. */
export interface Threshold {
  amount: string;
  currency: string;
}

export type ApprovalRule = { needed: false } | { needed: true; why: 'above_threshold' | 'no_rate' };

/**
 * Whether a write-back waits for a person: money moved above the firm's threshold does — in the
 * firm's reporting currency, other currencies converted at `rate` (the firm's latest rate to it;
 * with no rate the write waits, to be safe) — except a debtor's own payment (the money has
 * arrived; holding it back would leave the ledger wrong), links and notes.
 */
export function needsApproval(input: Pick<WritebackInput, 'kind' | 'amount' | 'currency' | 'requestedBy'>, threshold: Threshold | null, rate: string | null): ApprovalRule {
  if (threshold === null || !input.amount) return { needed: false };
  if (input.kind === 'payment' && input.requestedBy === 'debtor') return { needed: false };
  if (input.kind === 'pay_link' || input.kind === 'note') return { needed: false };
  const amount = toMinor(input.amount, 4, true);
  const same = !input.currency || input.currency === threshold.currency;
  if (!same && rate === null) return { needed: true, why: 'no_rate' };
  const converted = same ? amount : mulRate(amount, rate!);
  return converted > toMinor(threshold.amount, 4, true) ? { needed: true, why: 'above_threshold' } : { needed: false };
}

export function parseRequest<K extends WritebackKind>(kind: K, request: unknown) {
  const parsed = REQUEST_SCHEMAS[kind].safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw validationFailed(`${kind.replace('_', ' ')}: ${issue?.path.join('.') || 'request'} ${issue?.message ?? 'is not valid'}`, 'invalid_writeback');
  }
  return parsed.data;
}

/** The credit amount in minor units (cents) for an input, never above what is due. */
export function creditAmount(input: { full?: true | undefined; amount?: string | undefined; proration?: ServicePeriod | undefined }, invoice: { total: string; amountDue: string }): number {
  let due: number;
  let cents: number;
  try {
    due = toMinor(invoice.amountDue);
    if (input.full) cents = due;
    else if (input.amount) cents = toMinor(input.amount);
    else if (input.proration) cents = prorateCredit(toMinor(invoice.total), input.proration);
    else throw invalidField('amount', 'Choose how much to credit: the full amount due, an amount, or a service period.', 'invalid_input');
  } catch (err) {
    if (err instanceof ProrationError) throw invalidField(err.field, err.sentence, 'invalid_input');
    if (err instanceof MoneyError) throw unprocessable('The invoice has sub-cent amounts; issue the credit in the ledger.', 'unsupported_precision');
    throw err;
  }
  if (cents <= 0) throw unprocessable('The credit comes to nothing.', 'nothing_to_credit');
  if (cents > due) throw unprocessable(`The credit (${fromMinor(cents)}) is more than the invoice still owes (${fromMinor(due)}).`, 'credit_exceeds_due');
  return cents;
}
