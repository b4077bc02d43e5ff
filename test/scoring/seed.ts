/**
 * Deterministic collection histories written straight into the ledger tables (as the sync
 * engine stores them), in bulk: customers with clear paying habits (days after the due date
 * they settle, with a small seeded jitter), invoices every `every` days, paid in full by one
 * payment unless the payment would fall after `today` (then the invoice is open).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../server/db/client';
import { sql } from 'drizzle-orm';
import { contacts, organisations, paymentAllocations, payments } from '../../server/db/schema';
import { addDays, type CalendarDate, maxDate } from '../../kernel/dates';
import { mulberry32 } from '../../server/domain/random';

export interface Habit {
  externalId: string;
  name: string;
  /** Days after the due date the customer settles (negative = early). */
  late: number;
  jitter?: number;
  /** Days between invoices. */
  every?: number;
  first: CalendarDate;
  /** Last issue date (default `today`). */
  last?: CalendarDate;
  amount?: number;
  terms?: number;
  /** Issue no more than this many invoices. */
  count?: number;
}

export interface SeededInvoice {
  id: string;
  externalId: string;
  contact: string;
  issue: CalendarDate;
  due: CalendarDate;
  total: string;
  paidOn: CalendarDate | null;
}

export async function seedOrg(db: Db, firmId: string, name: string, options: { baseCurrency?: string; provider?: 'xero' | 'quickbooks'; timezone?: string } = {}) {
  const [org] = await db
    .insert(organisations)
    .values({ firmId, provider: options.provider ?? 'xero', externalId: `tenant-${randomUUID()}`, name, baseCurrency: options.baseCurrency ?? 'USD', timezone: options.timezone ?? 'UTC' })
    .returning();
  return org!;
}

export async function seedHabits(db: Db, firmId: string, organisationId: string, habits: readonly Habit[], today: CalendarDate, seed = 1): Promise<SeededInvoice[]> {
  const rand = mulberry32(seed);
  await db.insert(contacts).values(habits.map((h) => ({ firmId, organisationId, externalId: h.externalId, name: h.name })));
  const list: SeededInvoice[] = [];
  for (const h of habits) {
    let issue = h.first;
    let k = 0;
    while (issue <= (h.last ?? today) && (h.count === undefined || k < h.count)) {
      const terms = h.terms ?? 30;
      const due = addDays(issue, terms);
      const jitter = Math.round((rand() * 2 - 1) * (h.jitter ?? 3));
      const paid = addDays(due, h.late + jitter);
      const cents = (h.amount ?? 1000) * 100 + Math.floor(rand() * 50_000);
      list.push({
        id: randomUUID(),
        externalId: `${h.externalId}-${k}`,
        contact: h.externalId,
        issue,
        due,
        total: (cents / 100).toFixed(2),
        paidOn: paid <= today ? maxDate(paid, issue) : null,
      });
      k++;
      issue = addDays(issue, h.every ?? 14);
    }
  }
  await insertInvoices(db, firmId, organisationId, list);
  return list;
}

export interface InvoiceRow {
  id?: string;
  externalId: string;
  contact: string;
  issue: CalendarDate;
  due: CalendarDate | null;
  total: string;
  amountDue?: string;
  status?: string;
  fullyPaidOn?: CalendarDate | null;
  currency?: string;
}

/**
 * Invoices by plain SQL over the columns the sync writes (not through the Drizzle table, so
 * columns other features add to `invoices` never break these fixtures).
 */
export async function insertInvoiceRows(db: Db, firmId: string, organisationId: string, list: readonly InvoiceRow[]): Promise<void> {
  for (let i = 0; i < list.length; i += 500) {
    const values = list.slice(i, i + 500).map(
      (r) =>
        sql`(${r.id ?? randomUUID()}::uuid, ${firmId}::uuid, ${organisationId}::uuid, ${r.externalId}, ${r.contact}, ${r.externalId.toUpperCase()}, ${r.issue}::date, ${r.due}::date, ${r.currency ?? 'USD'}, ${r.total}::numeric, ${r.amountDue ?? r.total}::numeric, ${r.status ?? 'authorised'}, ${r.fullyPaidOn ?? null}::date)`,
    );
    await db.execute(
      sql`INSERT INTO invoices (id, firm_id, organisation_id, external_id, contact_external_id, number, issue_date, due_date, currency, total, amount_due, status, fully_paid_on) VALUES ${sql.join(values, sql`, `)}`,
    );
  }
}

export async function insertInvoices(db: Db, firmId: string, organisationId: string, list: readonly SeededInvoice[], status = 'authorised') {
  await insertInvoiceRows(
    db,
    firmId,
    organisationId,
    list.map((inv) => ({ id: inv.id, externalId: inv.externalId, contact: inv.contact, issue: inv.issue, due: inv.due, total: inv.total, amountDue: inv.paidOn ? '0' : inv.total, status: inv.paidOn ? 'paid' : status })),
  );
  const paid = list.filter((inv) => inv.paidOn !== null);
  await payInFull(
    db,
    firmId,
    organisationId,
    paid.map((inv) => ({ invoice: inv.externalId, amount: inv.total, date: inv.paidOn! })),
  );
}

/** One payment per allocation, bulk-inserted. */
export async function payInFull(db: Db, firmId: string, organisationId: string, list: readonly { invoice: string; amount: string; date: CalendarDate }[]) {
  for (let i = 0; i < list.length; i += 500) {
    const part = list.slice(i, i + 500).map((a) => ({ ...a, paymentId: randomUUID() }));
    await db.insert(payments).values(part.map((a) => ({ id: a.paymentId, firmId, organisationId, externalId: `pay-${a.paymentId}`, date: a.date, currency: 'USD', amount: a.amount, status: 'authorised' })));
    await db.insert(paymentAllocations).values(part.map((a) => ({ firmId, organisationId, paymentId: a.paymentId, invoiceExternalId: a.invoice, amount: a.amount, date: a.date })));
  }
}

