/** Small ledger data written straight into the tables, as the sync engine would store it. */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../server/db/client';
import { contacts, creditNoteAllocations, creditNotes, invoiceLines, invoices, organisations, paymentAllocations, payments } from '../../server/db/schema';

export async function seedOrganisation(db: Db, firmId: string, o: { name: string; provider?: 'xero' | 'quickbooks'; baseCurrency?: string; timezone?: string }) {
  const [org] = await db
    .insert(organisations)
    .values({ firmId, provider: o.provider ?? 'xero', externalId: `tenant-${randomUUID()}`, name: o.name, baseCurrency: o.baseCurrency ?? 'USD', timezone: o.timezone ?? 'UTC' })
    .returning();
  return org!;
}

export interface ContactSeed {
  externalId: string;
  name: string;
  emails?: { address: string; name?: string | null; primary?: boolean; includeInEmails?: boolean }[];
  phones?: { type: string; number: string }[];
  addresses?: { type: string; line1: string; city: string; region?: string; postalCode?: string; country?: string }[];
  isCustomer?: boolean;
}

export async function seedContacts(db: Db, firmId: string, organisationId: string, list: ContactSeed[]) {
  if (list.length === 0) return [];
  return db
    .insert(contacts)
    .values(list.map((c) => ({ firmId, organisationId, externalId: c.externalId, name: c.name, emails: c.emails ?? [], phones: c.phones ?? [], addresses: c.addresses ?? [], isCustomer: c.isCustomer ?? true })))
    .returning();
}

export interface InvoiceSeed {
  externalId: string;
  contact: string;
  issue: string;
  due: string | null;
  total: string;
  currency?: string;
  rate?: string;
  status?: string;
  number?: string;
  lines?: { amount: string; tracking?: { name: string; option: string }[] }[];
}

export async function seedInvoices(db: Db, firmId: string, organisationId: string, list: InvoiceSeed[], baseCurrency = 'USD') {
  if (list.length === 0) return [];
  const rows = await db
    .insert(invoices)
    .values(
      list.map((i) => ({
        firmId,
        organisationId,
        externalId: i.externalId,
        contactExternalId: i.contact,
        number: i.number ?? i.externalId.toUpperCase(),
        issueDate: i.issue,
        dueDate: i.due,
        currency: i.currency ?? baseCurrency,
        currencyRate: i.rate ?? '1',
        total: i.total,
        amountDue: i.total,
        status: i.status ?? 'authorised',
      })),
    )
    .returning({ id: invoices.id, externalId: invoices.externalId });
  const lines = list.flatMap((i) => (i.lines ?? []).map((l, n) => ({ firmId, invoiceId: rows.find((r) => r.externalId === i.externalId)!.id, lineNo: n + 1, lineAmount: l.amount, tracking: l.tracking ?? [] })));
  if (lines.length) await db.insert(invoiceLines).values(lines);
  return rows;
}

/** A payment with its allocations (each allocation dated as given, default the payment date). */
export async function seedPayment(db: Db, firmId: string, organisationId: string, p: { externalId: string; date: string; currency?: string; status?: string; allocations: { invoice: string; amount: string; date?: string }[] }) {
  const total = p.allocations.reduce((s, a) => s + Number(a.amount), 0);
  const [pay] = await db
    .insert(payments)
    .values({ firmId, organisationId, externalId: p.externalId, date: p.date, currency: p.currency ?? 'USD', amount: total.toFixed(4), status: p.status ?? 'authorised' })
    .returning();
  await db.insert(paymentAllocations).values(p.allocations.map((a) => ({ firmId, organisationId, paymentId: pay!.id, invoiceExternalId: a.invoice, amount: a.amount, date: a.date ?? p.date })));
  return pay!;
}

export async function seedCreditNote(
  db: Db,
  firmId: string,
  organisationId: string,
  c: { externalId: string; contact: string; date: string; currency?: string; status?: string; allocations: { invoice: string; amount: string; date: string }[] },
) {
  const total = c.allocations.reduce((s, a) => s + Number(a.amount), 0).toFixed(4);
  const [note] = await db
    .insert(creditNotes)
    .values({ firmId, organisationId, externalId: c.externalId, contactExternalId: c.contact, number: `CN-${c.externalId}`, date: c.date, currency: c.currency ?? 'USD', total, remainingCredit: '0', status: c.status ?? 'authorised' })
    .returning();
  await db.insert(creditNoteAllocations).values(c.allocations.map((a, i) => ({ firmId, organisationId, creditNoteId: note!.id, externalId: `${c.externalId}-${i}`, invoiceExternalId: a.invoice, amount: a.amount, date: a.date })));
  return note!;
}
