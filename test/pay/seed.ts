/**
 * A small organisation for the pay-link tests, written straight into the worker's database as
 * the sync engine would store it: one firm, one organisation, customers and open invoices.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../server/db/client';
import { contacts, invoices, organisations } from '../../server/db/schema';
import { addDays, todayIn } from '../../kernel/dates';
import type { Database } from '../../server/db/client';
import { createFirm } from '../support/db';

export interface PayInvoiceSeed {
  number: string;
  contact: string;
  amount: string;
  /** days from today */
  due: number;
  status?: string;
  currency?: string;
}

export async function seedPayOrg(database: Database, params: { timezone?: string; name?: string; invoices: PayInvoiceSeed[]; firmId?: string }) {
  const db: Db = database.db;
  const firmId = params.firmId ?? (await createFirm(database)).firm.id;
  const timezone = params.timezone ?? 'Europe/London';
  const [org] = await db
    .insert(organisations)
    .values({ firmId, provider: 'xero', externalId: `tenant-${randomUUID()}`, name: params.name ?? 'Harbour Joinery Ltd', baseCurrency: 'GBP', timezone, countryCode: 'GB' })
    .returning();
  const contactIds = [...new Set(params.invoices.map((i) => i.contact))];
  const made = await db
    .insert(contacts)
    .values(contactIds.map((c) => ({ firmId, organisationId: org!.id, externalId: c, name: c === 'c-bayside' ? 'Bayside Cafe Ltd' : `Customer ${c}`, emails: [{ address: `ap@${c}.example`, primary: true, includeInEmails: true }] })))
    .returning({ id: contacts.id, externalId: contacts.externalId });
  const contactBy = new Map(made.map((c) => [c.externalId, c.id]));
  const today = todayIn(timezone);
  const rows = await db
    .insert(invoices)
    .values(
      params.invoices.map((i) => ({
        firmId,
        organisationId: org!.id,
        externalId: `inv-${randomUUID()}`,
        contactExternalId: i.contact,
        contactId: contactBy.get(i.contact) ?? null,
        number: i.number,
        issueDate: addDays(today, i.due - 30),
        dueDate: addDays(today, i.due),
        currency: i.currency ?? 'GBP',
        total: i.amount,
        amountDue: i.status === 'paid' ? '0' : i.amount,
        status: i.status ?? 'authorised',
      })),
    )
    .returning({ id: invoices.id, number: invoices.number, externalId: invoices.externalId });
  const byNumber = new Map(rows.map((r) => [r.number, r]));
  return { firmId, org: org!, today, invoice: (n: string) => byNumber.get(n)!, contactId: (c: string) => contactBy.get(c)! };
}
