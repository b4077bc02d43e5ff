/**
 * The invoice history scoring learns from, as loaded by history-load.ts, and what of it was known
 * on a given day. Pure: no I/O.
 *
 * An invoice counts when it is not draft, awaiting approval, voided or deleted and its total is above zero (the
 * analytics rules, server/analytics/ledger-invoices.ts, minus zero totals, which say nothing
 * about paying habits). Its settled date is `invoices.settled_on` — the day the balance reached
 * zero through payment and credit-note allocations, kept by the triggers of migration 0002 —
 * or, when the ledger marks it paid without allocations we hold, `fully_paid_on`. A paid
 * invoice with neither is left out (its pay date is unknown). Disputed = an 'invoice.disputed'
 * activity exists for it (recorded by collector actions and the pay page); its date is when it
 * became known.
 */
import { createHash } from 'node:crypto';
import type { CalendarDate } from '../../kernel/dates';
import { type Minor, mulRate } from '../../kernel/money';
import type { ScoringInvoice } from '../domain/scoring';

export interface HistoryInvoice {
  id: string;
  organisationId: string;
  externalId: string;
  number: string;
  contactExternalId: string;
  contactId: string | null;
  issueDate: CalendarDate;
  /** The issue date when the ledger has no due date. */
  dueDate: CalendarDate;
  currency: string;
  /** One unit of `currency` in the organisation's base currency (the ledger's rate). */
  rate: string;
  baseCurrency: string;
  /** Document currency, minor units. */
  total: Minor;
  settledDate: CalendarDate | null;
  /** Distinct allocation days (ascending) and the cumulative settled amount at the end of each. */
  settlementDays: CalendarDate[];
  settlementCum: Minor[];
  disputedOn: CalendarDate | null;
}

/** Settled (document currency) by the end of `day`. */
export function settledBy(inv: HistoryInvoice, day: CalendarDate): Minor {
  let cum = 0;
  for (let k = 0; k < inv.settlementDays.length && inv.settlementDays[k]! <= day; k++) cum = inv.settlementCum[k]!;
  return cum;
}

/** Balance (document currency) at the end of `day`, never below zero. */
export function balanceOn(inv: HistoryInvoice, day: CalendarDate): Minor {
  return Math.max(0, inv.total - settledBy(inv, day));
}

/** Document-currency minor units in the organisation's base currency (the invoice's own rate, half-even). */
export function toBase(inv: HistoryInvoice, units: Minor): Minor {
  if (inv.currency === inv.baseCurrency || !/[1-9]/.test(inv.rate)) return units;
  return mulRate(units, inv.rate);
}

/**
 * The history as it was known at the end of `day`: invoices issued by then, settled dates and
 * allocations after it forgotten, disputes recorded after it unknown.
 */
export function asKnownAt(history: readonly HistoryInvoice[], day: CalendarDate): HistoryInvoice[] {
  const out: HistoryInvoice[] = [];
  for (const inv of history) {
    if (inv.issueDate > day) continue;
    const keep = inv.settlementDays.findIndex((d) => d > day);
    const cut = keep < 0 ? inv.settlementDays.length : keep;
    out.push({
      ...inv,
      settledDate: inv.settledDate !== null && inv.settledDate <= day ? inv.settledDate : null,
      settlementDays: inv.settlementDays.slice(0, cut),
      settlementCum: inv.settlementCum.slice(0, cut),
      disputedOn: inv.disputedOn !== null && inv.disputedOn <= day ? inv.disputedOn : null,
    });
  }
  return out;
}

/** Customer key across a firm: ledger contact ids are only unique within an organisation. */
export function customerKey(organisationId: string, contactExternalId: string): string {
  return `${organisationId}|${contactExternalId}`;
}

/**
 * The pure model's view. Amounts in the organisation's base currency (features compare sizes);
 * the organisation is the group prior (`countryCode`), so pooled firm-wide fits learn each
 * organisation's level and a customer new to an organisation starts from it.
 */
export function toScoringInvoice(inv: HistoryInvoice): ScoringInvoice {
  return {
    id: inv.id,
    customerId: customerKey(inv.organisationId, inv.contactExternalId),
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    amount: toBase(inv, inv.total),
    settledDate: inv.settledDate,
    disputed: inv.disputedOn !== null,
    countryCode: inv.organisationId,
  };
}

/**
 * What a model fitted at the end of `day` depends on (the settled invoices, their dates,
 * amounts and dispute flags); a stored model is refitted when it changes.
 */
export function fingerprintOf(history: readonly HistoryInvoice[], day: CalendarDate): string {
  const hash = createHash('sha256');
  let settled = 0;
  for (const inv of history) {
    if (inv.settledDate === null || inv.settledDate > day) continue;
    settled++;
    hash.update(`${inv.id}|${inv.issueDate}|${inv.dueDate}|${inv.settledDate}|${inv.total}|${inv.disputedOn ?? ''}\n`);
  }
  return `${settled}:${hash.digest('hex').slice(0, 32)}`;
}
