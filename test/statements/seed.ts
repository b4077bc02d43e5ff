/**
 * A firm for the statements and exceptions API and browser tests (clock pinned at 23 November
 * 2026): a Xero organisation with three customers — Bayside Cafe Ltd (two invoices, 500.00, one
 * numbered like a spreadsheet formula; a 150.00 overpayment from 1 October; its accounts address
 * unsubscribed), North Yard (reminders go to an address set in Arcus), Quiet Shop (its only
 * address unsubscribed) — and a QuickBooks organisation whose customer paid 75.00 applied to nothing.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../server/db/client';
import { contacts, payments, prepayments, reminderCustomers, reminderUnsubscribes } from '../../server/db/schema';
import { seedOrg } from '../reminders/seed';

export const STATEMENTS_NOW = '2026-11-23T10:00:00Z';

export async function seedStatementsFirm(database: Database, firmId: string): Promise<{ xeroOrg: string; qboOrg: string; customer: Record<string, string> }> {
  const db = database.db;
  const x = await seedOrg(db, firmId, {
    timezone: 'Europe/London',
    contacts: [
      { externalId: 'c-bayside', name: 'Bayside Cafe Ltd', emails: [{ address: 'ap@bayside.example', primary: true, includeInEmails: true }, { address: 'sam@bayside.example', includeInEmails: true }] },
      { externalId: 'c-north', name: 'North Yard', emails: [{ address: 'accounts@northyard.example', primary: true, includeInEmails: true }] },
      { externalId: 'c-quiet', name: 'Quiet Shop', emails: [{ address: 'owner@quiet.example', primary: true, includeInEmails: true }] },
    ],
    invoices: [
      { number: '=HYPERLINK("http://evil.example")', due: -40, contact: 'c-bayside', amount: '300.00' },
      { number: 'INV-2', due: 5, contact: 'c-bayside', amount: '200.00' },
      { number: 'INV-3', due: -10, contact: 'c-north', amount: '80.00' },
      { number: 'INV-4', due: -10, contact: 'c-quiet', amount: '60.00' },
    ],
  });
  await db.insert(reminderCustomers).values({ firmId, organisationId: x.id, contactExternalId: 'c-north', recipients: ['finance@northyard.example'] });
  await db.insert(reminderUnsubscribes).values([
    { firmId, organisationId: x.id, contactExternalId: 'c-bayside', address: 'ap@bayside.example', source: 'link' },
    { firmId, organisationId: x.id, contactExternalId: 'c-quiet', address: 'owner@quiet.example', source: 'staff' },
  ]);
  await db.insert(prepayments).values({ firmId, organisationId: x.id, externalId: 'op-1', kind: 'overpayment', contactExternalId: 'c-bayside', date: '2026-10-01', currency: 'GBP', total: '150.00', remainingCredit: '150.00', reference: 'BACS 1041', status: 'authorised' });
  const q = await seedOrg(db, firmId, { timezone: 'America/New_York', provider: 'quickbooks', contacts: [{ externalId: 'q-1', name: 'Lakeside Dental' }], invoices: [{ number: '1001', due: -3, contact: 'q-1', amount: '90.00' }] });
  await db.insert(payments).values({ firmId, organisationId: q.id, externalId: 'qp-1', contactExternalId: 'q-1', date: '2026-10-02', currency: 'GBP', amount: '75.00', reference: 'CHK 88', status: 'authorised', raw: { UnappliedAmt: 75 } });
  const customer: Record<string, string> = {};
  for (const c of await db.select({ id: contacts.id, ext: contacts.externalId }).from(contacts).where(eq(contacts.firmId, firmId))) customer[c.ext] = c.id;
  return { xeroOrg: x.id, qboOrg: q.id, customer };
}
