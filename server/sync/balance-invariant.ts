/**
 * The balance invariant (pure; issue #13, docs/decisions/012-xero-settlements.md): for every invoice the analytics
 * count, the settlement Arcus derives from the ledger's own allocations — payments not deleted,
 * credit notes not voided, overpayments and prepayments not voided — must reproduce the balance
 * the ledger itself reports (Xero AmountDue, QuickBooks Balance) as synced, and its settlement
 * date must agree with that balance. An invoice that fails is one whose balance Arcus cannot
 * explain: a settlement source Arcus does not read, or a derived column out of step.
 *
 * Amounts are cents as the settlement triggers count them (each allocation rounded half away
 * from zero to 2 places, migration 0002); dates are calendar dates.
 */
import { type CalendarDate, maxDate } from '../../kernel/dates';
import { fromMinor, type Minor } from '../../kernel/money';

export interface InvariantSettlement {
  date: CalendarDate;
  amount: Minor;
}

export interface InvariantInvoice {
  id: string;
  externalId: string;
  number: string;
  /** Arcus's normalised status (authorised, paid, …). */
  status: string;
  issueDate: CalendarDate;
  total: Minor;
  /** The ledger's own balance as synced (invoices.amount_due). */
  amountDue: Minor;
  /** The ledger's fully-paid date, where it gives one (Xero FullyPaidOnDate on a PAID invoice). */
  fullyPaidOn: CalendarDate | null;
  /** What the analytics read: invoices.settled_on, kept by the settlement triggers. */
  settledOn: CalendarDate | null;
  /** Every counted settlement of the invoice, any order. */
  settlements: InvariantSettlement[];
}

export type ViolationKind =
  /** total − settled ≠ the ledger's balance: a settlement Arcus does not count (or one it counts wrongly). */
  | 'balance'
  /** The ledger says nothing is due, but Arcus has no settlement date: it stays open in aging, DSO, CEI. */
  | 'unsettled'
  /** The ledger says money is due, but Arcus has the invoice settled. */
  | 'settled_while_due'
  /** invoices.settled_on is not the date the counted settlements give (the triggers are out of step). */
  | 'settled_on'
  /** Settled on a different day from the ledger's own fully-paid date. */
  | 'paid_date';

export interface Violation {
  id: string;
  externalId: string;
  number: string;
  kind: ViolationKind;
  message: string;
}

/** Invoices the analytics leave out (as loadLedgerInvoices and the portfolio SQL do). */
const NOT_COUNTED = new Set(['draft', 'submitted', 'voided', 'deleted']);

/**
 * The settlement date the triggers derive: the first day of the final run of days on which the
 * balance is zero or below (never before the issue date); the issue date for a zero or negative
 * total; null while anything is due.
 */
export function settlementDate(total: Minor, issueDate: CalendarDate, settlements: InvariantSettlement[]): CalendarDate | null {
  if (total <= 0) return issueDate;
  const perDay = new Map<CalendarDate, Minor>();
  for (const s of settlements) perDay.set(s.date, (perDay.get(s.date) ?? 0) + s.amount);
  const days = [...perDay.keys()].sort();
  const cum: Minor[] = [];
  let running = 0;
  for (const d of days) {
    running += perDay.get(d)!;
    cum.push(running);
  }
  let settled: CalendarDate | null = null;
  for (let i = days.length - 1; i >= 0; i--) {
    if (total - cum[i]! > 0) break;
    settled = maxDate(days[i]!, issueDate);
  }
  return settled;
}

/** The invoices whose balance Arcus cannot explain, each with the first reason found. */
export function checkBalances(invoices: Iterable<InvariantInvoice>): Violation[] {
  const out: Violation[] = [];
  for (const inv of invoices) {
    if (NOT_COUNTED.has(inv.status)) continue;
    const v = (kind: ViolationKind, message: string) => out.push({ id: inv.id, externalId: inv.externalId, number: inv.number, kind, message: `${inv.number || inv.externalId}: ${message}` });
    let settled = 0;
    for (const s of inv.settlements) settled += s.amount;
    const due = inv.total - settled;
    if (due !== inv.amountDue) {
      v('balance', `the ledger's balance is ${fromMinor(inv.amountDue)}, Arcus explains ${fromMinor(due)} (total ${fromMinor(inv.total)} − settled ${fromMinor(settled)})`);
      continue;
    }
    // The balance agrees, so the settlements' own date is the right one: settled_on must be it.
    const derived = settlementDate(inv.total, inv.issueDate, inv.settlements);
    if (inv.settledOn !== derived) {
      if (inv.settledOn === null) v('unsettled', `the ledger has nothing due, Arcus has no settlement date (expected ${derived})`);
      else if (derived === null) v('settled_while_due', `the ledger has ${fromMinor(inv.amountDue)} due, Arcus has it settled on ${inv.settledOn}`);
      else v('settled_on', `settled_on is ${inv.settledOn}, its settlements give ${derived}`);
      continue;
    }
    if (inv.status === 'paid' && inv.fullyPaidOn !== null && inv.total > 0 && inv.settledOn !== maxDate(inv.fullyPaidOn, inv.issueDate)) {
      v('paid_date', `the ledger has it paid in full on ${inv.fullyPaidOn}, Arcus on ${inv.settledOn ?? 'no date'}`);
    }
  }
  return out;
}
