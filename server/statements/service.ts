/**
 * A customer's statement as the page, the PDF, the CSV and the email show it: one model with
 * every amount and date already in words (formatted once here), built from the pure core over
 * what load.ts reads. Runs in the caller's firm scope.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { addDays, type CalendarDate, isCalendarDate, longDate, startOfMonth, todayIn } from '../../kernel/dates';
import { invalidField, notFound } from '../../kernel/errors';
import { formatAmount, type Minor } from '../../kernel/money';
import { toCsv } from '../analytics/csv';
import type { Db } from '../db/client';
import { contacts, firms, organisations } from '../db/schema';
import { activityStatement, AGING_BUCKETS, AGING_WORDS, billingLedger, LINE_KIND_WORDS, type LedgerLine, openItemsStatement } from './core';
import { customerCurrencies, loadStatementInput } from './load';

export const STATEMENT_KINDS = ['open_items', 'activity'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];
export const STATEMENT_KIND_WORDS: Record<StatementKind, string> = { open_items: 'Open items', activity: 'Activity' };

const Day = z.string().refine(isCalendarDate, { message: 'Choose a date.' });
export const StatementQuerySchema = z
  .object({
    kind: z.enum(STATEMENT_KINDS, { message: 'Choose open items or activity.' }).optional(),
    from: Day.optional(),
    to: Day.optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, { message: 'Choose a currency.' }).optional(),
  })
  .strict();
export type StatementQuery = z.infer<typeof StatementQuerySchema>;
export const STATEMENT_LABELS = { kind: 'kind of statement', from: 'start date', to: 'end date', currency: 'currency' };

export interface StatementCustomer {
  firmId: string;
  firmName: string;
  organisationId: string;
  organisationName: string;
  timezone: string;
  contactId: string;
  contactExternalId: string;
  customerName: string;
  emails: unknown;
}

export interface StatementLineView {
  date: string;
  type: string;
  document: string;
  reference: string;
  due: string;
  debit: string;
  credit: string;
  balance: string;
  /** For the CSV: ISO day and exact decimals. */
  raw: { date: CalendarDate; dueDate: CalendarDate | null; debit: string; credit: string; balance: string };
}

export interface StatementView {
  firmName: string;
  organisationName: string;
  customerName: string;
  kind: StatementKind;
  kindText: string;
  currency: string;
  currencies: string[];
  from: CalendarDate;
  to: CalendarDate;
  periodText: string;
  opening: string | null;
  closing: string;
  closingMinor: Minor;
  lines: StatementLineView[];
  aging: { name: string; amount: string }[];
  unapplied: string | null;
}

/** The customer (by our contact id), its organisation and firm; another firm's is "no such customer". */
export async function statementCustomer(db: Db, firmId: string, contactId: string): Promise<StatementCustomer> {
  const [row] = await db
    .select({
      firmName: firms.name,
      organisationId: organisations.id,
      organisationName: organisations.name,
      timezone: organisations.timezone,
      contactExternalId: contacts.externalId,
      customerName: contacts.name,
      emails: contacts.emails,
    })
    .from(contacts)
    .innerJoin(organisations, and(eq(organisations.id, contacts.organisationId), eq(organisations.firmId, contacts.firmId)))
    .innerJoin(firms, eq(firms.id, contacts.firmId))
    .where(and(eq(contacts.firmId, firmId), eq(contacts.id, contactId)));
  if (!row) throw notFound('No such customer.');
  return { firmId, contactId, ...row };
}

const money = (units: Minor, currency: string) => {
  const [whole, frac] = formatAmount(Math.abs(units), currency).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${units < 0 ? '−' : ''}${currency} ${grouped}${frac ? `.${frac}` : ''}`;
};

function lineView(l: LedgerLine, currency: string): StatementLineView {
  return {
    date: longDate(l.date),
    type: LINE_KIND_WORDS[l.kind],
    document: l.document,
    reference: l.reference,
    due: l.dueDate ? longDate(l.dueDate) : '',
    debit: l.debit ? money(l.debit, currency) : '',
    credit: l.credit ? money(l.credit, currency) : '',
    balance: money(l.balance, currency),
    raw: { date: l.date, dueDate: l.dueDate, debit: formatAmount(l.debit, currency), credit: formatAmount(l.credit, currency), balance: formatAmount(l.balance, currency) },
  };
}

/** The statement asked for (default: open items as of today in the organisation's time zone; activity: this month so far). */
export async function buildStatement(db: Db, customer: StatementCustomer, query: StatementQuery, now: Date): Promise<StatementView> {
  const today = todayIn(customer.timezone, now);
  const kind = query.kind ?? 'open_items';
  const to = query.to ?? today;
  const from = query.from ?? startOfMonth(to);
  if (from > to) throw invalidField('from', 'Choose a start date on or before the end date.');
  const ref = { firmId: customer.firmId, organisationId: customer.organisationId, contactExternalId: customer.contactExternalId };
  const currencies = await customerCurrencies(db, ref);
  const currency = query.currency ?? currencies[0] ?? 'GBP';
  if (query.currency && !currencies.includes(query.currency)) throw invalidField('currency', `${customer.customerName} has nothing in ${query.currency}.`);
  const input = await loadStatementInput(db, ref, currency);
  const base = { firmName: customer.firmName, organisationName: customer.organisationName, customerName: customer.customerName, kind, kindText: STATEMENT_KIND_WORDS[kind], currency, currencies };
  const open = openItemsStatement(input, to);
  const aging = [...AGING_BUCKETS.map((b) => ({ name: AGING_WORDS[b], amount: money(open.aging[b], currency) }))];
  if (kind === 'activity') {
    const a = activityStatement(input, from, to);
    return {
      ...base,
      from,
      to,
      periodText: `${longDate(from)} to ${longDate(to)}`,
      opening: money(a.opening, currency),
      closing: money(a.closing, currency),
      closingMinor: a.closing,
      lines: a.lines.map((l) => lineView(l, currency)),
      aging,
      unapplied: open.unapplied ? money(open.unapplied, currency) : null,
    };
  }
  return {
    ...base,
    from: to,
    to,
    periodText: `as of ${longDate(to)}`,
    opening: null,
    closing: money(open.closing, currency),
    closingMinor: open.closing,
    lines: open.items.map((i) => ({
      date: longDate(i.date),
      type: LINE_KIND_WORDS[i.kind],
      document: i.document,
      reference: i.reference,
      due: i.dueDate ? `${longDate(i.dueDate)}${i.daysOverdue ? ` (${i.daysOverdue} day${i.daysOverdue === 1 ? '' : 's'} overdue)` : ''}` : '',
      debit: i.open > 0 ? money(i.original, currency) : '',
      credit: i.open < 0 ? money(i.original, currency) : '',
      balance: money(i.open, currency),
      raw: { date: i.date, dueDate: i.dueDate, debit: formatAmount(i.open > 0 ? i.original : 0, currency), credit: formatAmount(i.open < 0 ? i.original : 0, currency), balance: formatAmount(i.open, currency) },
    })),
    aging,
    unapplied: open.unapplied ? money(open.unapplied, currency) : null,
  };
}

/** The billing ledger as CSV: every movement with its running balance (text guarded against formulas). */
export async function billingLedgerCsv(db: Db, customer: StatementCustomer, currency: string | undefined): Promise<{ name: string; csv: string }> {
  const ref = { firmId: customer.firmId, organisationId: customer.organisationId, contactExternalId: customer.contactExternalId };
  const currencies = await customerCurrencies(db, ref);
  const cur = currency ?? currencies[0] ?? 'GBP';
  const lines = billingLedger(await loadStatementInput(db, ref, cur)).map((l) => lineView(l, cur));
  const csv = toCsv(
    [
      { header: 'Date', type: 'date', value: (l: StatementLineView) => l.raw.date },
      { header: 'Type', value: (l) => l.type },
      { header: 'Document', value: (l) => l.document },
      { header: 'Reference', value: (l) => l.reference },
      { header: 'Due date', type: 'date', value: (l) => l.raw.dueDate },
      { header: 'Currency', value: () => cur },
      { header: 'Debit', type: 'number', value: (l) => l.raw.debit },
      { header: 'Credit', type: 'number', value: (l) => l.raw.credit },
      { header: 'Balance', type: 'number', value: (l) => l.raw.balance },
    ],
    lines,
  );
  return { name: `${customer.customerName}-billing-ledger-${cur}`, csv };
}

/** The last day of the month before `today` and that month's first (the monthly statement's period). */
export function lastMonth(today: CalendarDate): { from: CalendarDate; to: CalendarDate } {
  const to = addDays(startOfMonth(today), -1);
  return { from: startOfMonth(to), to };
}
