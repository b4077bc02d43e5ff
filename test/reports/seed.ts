/**
 * A small client for the report tests, hand-computed:
 *   invoice A issued 1 May 2026, due 31 May, 1,000.00; paid 500.00 on 10 July 2026
 *   a reminder about A on 5 July (5 days before the payment: credited to reminders)
 *   service started 1 June 2026 → baseline = 1 March – 31 May (92 days): S 1,000, AR 1,000 → DSO 92.00
 *   July report, "now" = 1 May – 31 July (92 days): S 1,000, AR 500 → DSO 46.00
 *   cash released = 46.00 × 1,000.00 / 92 = 4600 × 100,000 / 9,200 cents = 500.00
 */
import type { Database } from '../../server/db/client';
import { activities, contacts, invoices, memberships, membershipOrganisations, organisations, paymentAllocations, payments, users } from '../../server/db/schema';
import { startClientService } from '../../server/reports/service';

export async function seedReportClient(database: Database, firmId: string, timezone = 'America/New_York') {
  const db = database.db;
  const tag = Math.random().toString(36).slice(2, 8);
  const [org] = await db.insert(organisations).values({ firmId, provider: 'xero', externalId: `t-${tag}`, name: `Harbour Bakery ${tag}`, baseCurrency: 'USD', timezone }).returning();
  const organisationId = org!.id;
  const [contact] = await db.insert(contacts).values({ firmId, organisationId, externalId: `c-${tag}`, name: `Riverside Cafe ${tag}`, emails: [], isCustomer: true }).returning();
  const [inv] = await db
    .insert(invoices)
    .values({ firmId, organisationId, externalId: `i-${tag}`, number: `INV-${tag}`, contactExternalId: `c-${tag}`, issueDate: '2026-05-01', dueDate: '2026-05-31', currency: 'USD', total: '1000.00', amountDue: '500.00', status: 'AUTHORISED' })
    .returning();
  const [pay] = await db.insert(payments).values({ firmId, organisationId, externalId: `p-${tag}`, contactExternalId: `c-${tag}`, date: '2026-07-10', currency: 'USD', amount: '500.00', status: 'authorised' }).returning();
  await db.insert(paymentAllocations).values({ firmId, organisationId, paymentId: pay!.id, invoiceExternalId: `i-${tag}`, amount: '500.00', date: '2026-07-10' });
  await db.insert(activities).values({ firmId, organisationId, actorType: 'system', kind: 'reminder.sent', contactId: contact!.id, invoiceId: inv!.id, summary: 'Reminder 1 sent', details: { contactExternalId: `c-${tag}` }, createdAt: new Date('2026-07-05T15:00:00Z') });
  await startClientService(db, { firmId, organisationId, userId: null, input: { startDate: '2026-06-01' }, now: new Date('2026-06-01T12:00:00Z') });
  const [person] = await db.insert(users).values({ email: `owner-${tag}@harbour.example`, name: `Owner ${tag}`, authProvider: 'test', authSubject: `cc-${tag}` }).returning();
  await db.insert(memberships).values({ firmId, userId: person!.id, role: 'client_contact' });
  await db.insert(membershipOrganisations).values({ firmId, userId: person!.id, organisationId });
  return { organisationId, name: org!.name, contactEmail: person!.email, contactUserId: person!.id, customerName: contact!.name };
}

/** The text drawn in a PDF: its Flate streams inflated, each TJ/Tj hex string decoded (pdfkit's standard fonts are WinAnsi). */
export async function pdfText(bytes: Buffer): Promise<string> {
  const { inflateSync } = await import('node:zlib');
  const raw = bytes.toString('latin1');
  const out: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    let body: string;
    try {
      body = inflateSync(Buffer.from(raw.slice(start, end), 'latin1')).toString('latin1');
    } catch {
      body = raw.slice(start, end);
    }
    for (const tj of body.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]+)>\s*Tj/g)) {
      const hex = tj[1] !== undefined ? [...tj[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]).join('') : tj[2]!;
      out.push(Buffer.from(hex, 'hex').toString('latin1'));
    }
  }
  return out.join('\n');
}
