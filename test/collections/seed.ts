/**
 * A small organisation for the collection-service tests, written straight into this worker's
 * PostgreSQL database as the sync engine would store it, with a movable clock and a recorder
 * for the write-back executions the services enqueue.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Mailer, OutgoingMessage } from '../../integrations/email/transport';
import type { CollectionsDeps } from '../../server/collections/common';
import { type CollectionsPolicyPatch, updateCollectionsPolicy } from '../../server/collections/policy';
import { activities, contacts, invoices, organisations, paymentAllocations, payments, writebacks } from '../../server/db/schema';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { fromMinor, toMinor } from '../../kernel/money';
import { createFirm, testDatabase } from '../support/db';

/** Noon in London on this day is "now" at the start. */
export const TODAY: CalendarDate = '2026-11-23';

export interface InvoiceSeed {
  number: string;
  contact?: string;
  /** Due date in days from TODAY. */
  due: number;
  /** Issue date in days from TODAY (default due − 30). */
  issued?: number;
  amount?: string;
  currency?: string;
}

export async function seedCollections(opts: { invoices: InvoiceSeed[]; policy?: CollectionsPolicyPatch; contacts?: { externalId: string; name: string; email?: string }[] }) {
  const database = await testDatabase();
  const db = database.db;
  const { firm, user } = await createFirm(database, 'admin');
  const [org] = await db
    .insert(organisations)
    .values({ firmId: firm.id, provider: 'xero', externalId: `tenant-${randomUUID()}`, name: 'Harbour Test Ltd', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB' })
    .returning();
  const people = opts.contacts ?? [
    { externalId: 'c-bay', name: 'Bayside Cafe Ltd', email: 'ap@bayside.example' },
    { externalId: 'c-north', name: 'North Yard', email: 'accounts@northyard.example' },
  ];
  const contactRows = await db
    .insert(contacts)
    .values(people.map((c) => ({ firmId: firm.id, organisationId: org!.id, externalId: c.externalId, name: c.name, emails: c.email ? [{ address: c.email, name: null, primary: true, includeInEmails: true }] : [] })))
    .returning({ id: contacts.id, externalId: contacts.externalId });
  const contactId = new Map(contactRows.map((c) => [c.externalId, c.id]));
  const ids = new Map<string, { id: string; externalId: string }>();
  for (const i of opts.invoices) {
    const ext = `inv-${i.number}`;
    const contact = i.contact ?? 'c-bay';
    const [row] = await db
      .insert(invoices)
      .values({ firmId: firm.id, organisationId: org!.id, externalId: ext, contactExternalId: contact, contactId: contactId.get(contact) ?? null, number: i.number, issueDate: addDays(TODAY, i.issued ?? i.due - 30), dueDate: addDays(TODAY, i.due), currency: i.currency ?? 'GBP', total: i.amount ?? '1250.00', amountDue: i.amount ?? '1250.00', status: 'authorised' })
      .returning({ id: invoices.id });
    ids.set(i.number, { id: row!.id, externalId: ext });
  }
  if (opts.policy) await updateCollectionsPolicy(db, firm.id, opts.policy);
  let t = Date.parse(`${TODAY}T12:00:00Z`);
  const enqueued: string[] = [];
  const deps: CollectionsDeps = {
    db,
    now: () => new Date(t),
    enqueueExecute: async (id) => {
      enqueued.push(id);
    },
  };
  return {
    db,
    firmId: firm.id,
    userId: user.id,
    orgId: org!.id,
    deps,
    enqueued,
    invoice: (number: string) => ids.get(number)!,
    /** Move the clock to noon (UTC) on a day. */
    setDay: (day: CalendarDate) => {
      t = Date.parse(`${day}T12:00:00Z`);
    },
    now: () => new Date(t),
    async writebacksOf(where: { kind?: string; purpose?: string } = {}) {
      const rows = await db.select().from(writebacks).where(eq(writebacks.firmId, firm.id));
      return rows.filter((w) => (!where.kind || w.kind === where.kind) && (!where.purpose || w.purpose === where.purpose)).sort((a, b) => (a.sourceKey ?? '').localeCompare(b.sourceKey ?? ''));
    },
    async activitiesOf(kind: string) {
      return db
        .select()
        .from(activities)
        .where(and(eq(activities.firmId, firm.id), eq(activities.kind, kind)));
    },
    /** A payment synced from the ledger, allocated to one invoice, which now owes that much less. */
    async pay(number: string, amount: string, date: CalendarDate) {
      const inv = ids.get(number)!;
      const [p] = await db
        .insert(payments)
        .values({ firmId: firm.id, organisationId: org!.id, externalId: `pay-${randomUUID()}`, contactExternalId: null, date, currency: 'GBP', amount, status: 'authorised' })
        .returning({ id: payments.id });
      await db.insert(paymentAllocations).values({ firmId: firm.id, organisationId: org!.id, paymentId: p!.id, invoiceExternalId: inv.externalId, amount, date });
      const [cur] = await db.select({ due: invoices.amountDue, paid: invoices.amountPaid }).from(invoices).where(eq(invoices.id, inv.id));
      const due = toMinor(cur!.due, 2, true) - toMinor(amount);
      await db
        .update(invoices)
        .set({ amountDue: fromMinor(due), amountPaid: fromMinor(toMinor(cur!.paid, 2, true) + toMinor(amount)), status: due <= 0 ? 'paid' : 'authorised' })
        .where(eq(invoices.id, inv.id));
    },
    /** What the write-back engine does once the ledger has the document. */
    async confirm(writebackId: string, externalId: string) {
      await db.update(writebacks).set({ status: 'confirmed', externalId, confirmedAt: new Date() }).where(eq(writebacks.id, writebackId));
    },
  };
}

/** A mailer that keeps what it is given. */
export function recordingMailer(): Mailer & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    async send(m) {
      sent.push(m);
      return { messageId: m.messageId, accepted: m.to, rejected: [], response: '250 OK' };
    },
    async close() {},
  };
}
