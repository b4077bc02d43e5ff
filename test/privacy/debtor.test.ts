/**
 * GDPR for one debtor, on real PostgreSQL against the sandbox ledger: the export holds exactly the
 * debtor's data (nothing of another debtor or firm); erasure de-identifies the contact and what
 * Arcus holds about them, keeps invoices with their amounts (portfolio figures unchanged to the
 * cent), records the reason in the audit log, keeps them out of reminders, and a later full sync
 * from the ledger — after the debtor was even edited there — does not bring the personal data back.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryPortfolioFigures } from '../../server/analytics/portfolio-sql';
import { queryRows } from '../../server/db/client';
import { withFirm } from '../../server/db/firm-scope';
import { activities, auditLog, checkouts, contacts, invoices, organisations, payLinks, reminderCustomers, reminderSends, reminderUnsubscribes } from '../../server/db/schema';
import { eraseDebtor } from '../../server/privacy/erase';
import { debtorCsvRows, exportDebtor } from '../../server/privacy/export-debtor';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { createFirm } from '../support/db';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { hashToken } from '../../server/pay/link-tokens';

const NOW = new Date('2026-06-15T10:00:00Z');

interface Seeded {
  contactId: string;
  externalId: string;
  email: string;
  tag: string;
}

let fx: SyncFixture;
let organisationId: string;
let companyId: string;
let x: Seeded;
let y: Seeded;
let other: { firmId: string; tag: string; email: string };
const actor = { userId: null, name: 'Test Admin', type: 'user' as const };

async function fullSync() {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
  const r = await runSync(fx.engineDeps(), { runId });
  expect(r.status).toBe('succeeded');
}

/** Arcus-side data about one debtor: a reminder email, a dispute, an unsubscribe, a pay link and a card payment. */
async function seedArcusData(firmId: string, orgId: string, contactId: string, externalId: string, email: string, tag: string): Promise<void> {
  const db = fx.db;
  const [inv] = await db.select({ id: invoices.id, externalId: invoices.externalId }).from(invoices).where(and(eq(invoices.organisationId, orgId), eq(invoices.contactExternalId, externalId))).limit(1);
  await db.insert(reminderSends).values({
    id: randomUUID(),
    firmId,
    organisationId: orgId,
    subjectType: 'invoice',
    subjectId: inv?.externalId ?? `inv-${tag}`,
    stepKey: `step-${tag}`,
    contactExternalId: externalId,
    status: 'sent',
    plannedFor: '2026-05-01',
    messageId: `<${tag}@arcus.test>`,
    claimedAt: new Date('2026-05-01T09:00:00Z'),
    sentAt: new Date('2026-05-01T09:01:00Z'),
    updatedAt: new Date('2026-05-01T09:01:00Z'),
    recipients: [email],
    subjectLine: `Reminder subject ${tag}`,
    bodyText: `Dear ${tag}, your invoice is overdue.`,
  });
  await db.insert(reminderSends).values({
    id: randomUUID(),
    firmId,
    organisationId: orgId,
    subjectType: 'invoice',
    subjectId: inv?.externalId ?? `inv-${tag}`,
    stepKey: `step2-${tag}`,
    contactExternalId: externalId,
    status: 'pending_approval',
    plannedFor: '2026-06-20',
    messageId: `<${tag}-2@arcus.test>`,
    claimedAt: NOW,
    updatedAt: NOW,
    recipients: [email],
  });
  await db.insert(activities).values({
    firmId,
    organisationId: orgId,
    actorType: 'debtor',
    kind: 'invoice.disputed',
    contactId,
    invoiceId: inv?.id ?? null,
    summary: `${tag} disputed an invoice`,
    details: { reason: 'quality', text: `Dispute text ${tag}`, contactExternalId: externalId },
    createdAt: new Date('2026-05-02T10:00:00Z'),
  });
  await db.insert(reminderUnsubscribes).values({ firmId, organisationId: orgId, contactExternalId: externalId, address: `old-${email}`, source: 'link' });
  await db.insert(reminderCustomers).values({ firmId, organisationId: orgId, contactExternalId: externalId, recipients: [`override-${email}`] });
  const [link] = await db.insert(payLinks).values({ firmId, organisationId: orgId, scope: 'statement', contactExternalId: externalId, legacyTokenHash: hashToken(`pl_${tag}_${randomUUID()}`) }).returning();
  await db.insert(checkouts).values({ firmId, organisationId: orgId, payLinkId: link!.id, provider: 'sandbox', providerSessionId: `cs_${tag}`, amount: '12.34', currency: 'NZD', status: 'completed' });
}

describeWith('pg', 'GDPR: one debtor’s export and erasure', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ companies: [{ provider: 'quickbooks', customers: 8, invoices: 60 }] });
    companyId = fx.companyIds[0]!;
    organisationId = (await fx.connect('quickbooks', companyId)).organisationId;
    await fullSync();
    // The two customers with the most invoices; both given an email address we can look for.
    const ranked = await queryRows<{ id: string; external_id: string }>(
      fx.db,
      sql`SELECT c.id, c.external_id FROM contacts c JOIN invoices i ON i.organisation_id = c.organisation_id AND i.contact_external_id = c.external_id
          WHERE c.organisation_id = ${organisationId} GROUP BY c.id, c.external_id ORDER BY count(*) DESC, c.id LIMIT 2`,
    );
    const seeded: Seeded[] = [];
    for (const [i, row] of ranked.entries()) {
      const tag = `Debtor${i}x${randomUUID().slice(0, 6)}`;
      const email = `${tag.toLowerCase()}@debtor.example`;
      fx.server.sandbox.ctx.store.updateContact(companyId, row.external_id, { name: `${tag} Ltd`, email, phone: `+64 21 ${100000 + i}` } as never);
      seeded.push({ contactId: row.id, externalId: row.external_id, email, tag });
    }
    await fullSync();
    [x, y] = seeded as [Seeded, Seeded];
    for (const s of seeded) await seedArcusData(fx.firmId, organisationId, s.contactId, s.externalId, s.email, s.tag);

    // Another firm with a debtor of the same ledger id and a name of its own.
    const { firm } = await createFirm(fx.database);
    const otherTag = `OtherFirm${randomUUID().slice(0, 6)}`;
    const [org] = await fx.db.insert(organisations).values({ firmId: firm.id, provider: 'xero', externalId: `t-${otherTag}`, name: `Org ${otherTag}`, baseCurrency: 'NZD', timezone: 'UTC' }).returning();
    const [c] = await fx.db
      .insert(contacts)
      .values({ firmId: firm.id, organisationId: org!.id, externalId: x.externalId, name: `${otherTag} Ltd`, emails: [{ address: `${otherTag.toLowerCase()}@other.example` }] })
      .returning();
    await seedArcusData(firm.id, org!.id, c!.id, x.externalId, `${otherTag.toLowerCase()}@other.example`, otherTag);
    other = { firmId: firm.id, tag: otherTag, email: `${otherTag.toLowerCase()}@other.example` };
  }, 120_000);
  afterAll(async () => fx?.close());

  it('exports exactly the debtor’s data: nothing of another debtor or another firm', async () => {
    const { data } = await withFirm(fx.firmId, () => exportDebtor(fx.db, fx.firmId, x.contactId, NOW));
    const json = JSON.stringify(data);
    expect(data.customer.name).toBe(`${x.tag} Ltd`);
    expect(json).toContain(x.email);
    expect(json).toContain(`Dispute text ${x.tag}`);
    expect(json).toContain(`Reminder subject ${x.tag}`);
    expect(json).toContain(`old-${x.email}`);
    expect(json).toContain(`override-${x.email}`);
    expect(data.invoices.length).toBeGreaterThan(0);
    expect(data.checkouts).toEqual([expect.objectContaining({ amount: '12.3400', status: 'completed' })]);
    const [{ n }] = (await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM invoices WHERE organisation_id = ${organisationId} AND contact_external_id = ${x.externalId}`)) as [{ n: number }];
    expect(data.invoices).toHaveLength(n);
    for (const foreign of [y.tag, y.email, other.tag, other.email]) expect(json).not.toContain(foreign);
    const csv = debtorCsvRows(data);
    expect(csv).toContainEqual({ section: 'Customer', date: null, item: 'Email', value: x.email });
    expect(csv.some((r) => r.section === 'Reminder email' && r.item === 'body' && String(r.value).includes(x.tag))).toBe(true);
    // Another firm cannot export it: the contact id is not theirs.
    await expect(withFirm(other.firmId, () => exportDebtor(fx.db, other.firmId, x.contactId, NOW))).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('erases the debtor: de-identified, invoices and figures intact, the reason audited, no reminders', async () => {
    const period = { from: '2025-01-01', to: '2026-06-15' };
    const figures = () => withFirm(fx.firmId, () => queryPortfolioFigures(fx.db, { firmId: fx.firmId, period, compare: { from: '2024-01-01', to: '2024-12-31' } }));
    const docs = () =>
      queryRows<Record<string, unknown>>(
        fx.db,
        sql`SELECT id, number, total, amount_due, amount_paid, status, issue_date, due_date, settled_on, base_total, base_settled_cum FROM invoices WHERE organisation_id = ${organisationId} ORDER BY id`,
      );
    const before = { figures: await figures(), docs: await docs() };

    const result = await withFirm(fx.firmId, () => eraseDebtor(fx.db, { firmId: fx.firmId, contactId: x.contactId, reason: 'debtor_request', actor, now: NOW }));
    expect(result.kept.invoices).toBeGreaterThan(0);
    expect(result.retained).toMatch(/Art\. 17\(3\)\(b\)/);

    const [c] = await fx.db.select().from(contacts).where(eq(contacts.id, x.contactId));
    expect(c).toMatchObject({ name: result.name, firstName: null, lastName: null, emails: [], phones: [], addresses: [], raw: null });
    expect(result.name).toMatch(/^Erased customer [0-9A-F]{6}$/);
    // Accounting records: every invoice still there with the same amounts; figures equal to the cent.
    expect(await docs()).toEqual(before.docs);
    expect(await figures()).toEqual(before.figures);
    const raws = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM invoices WHERE organisation_id = ${organisationId} AND contact_external_id = ${x.externalId} AND raw IS NOT NULL`);
    expect(raws[0]!.n).toBe(0);

    // Arcus's own data about them.
    const sends = await fx.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, organisationId), eq(reminderSends.contactExternalId, x.externalId)));
    expect(sends.map((s) => [s.recipients, s.subjectLine, s.bodyText])).toEqual(sends.map(() => [[], null, null]));
    expect(sends.map((s) => s.status).sort()).toEqual(['sent', 'skipped']);
    const acts = await fx.db.select().from(activities).where(eq(activities.contactId, x.contactId));
    expect(JSON.stringify(acts)).not.toContain(x.tag);
    expect(await fx.db.select().from(reminderUnsubscribes).where(eq(reminderUnsubscribes.contactExternalId, x.externalId))).toHaveLength(1); // the other firm's
    const links = await fx.db.select().from(payLinks).where(and(eq(payLinks.organisationId, organisationId), eq(payLinks.contactExternalId, x.externalId)));
    expect(links.every((l) => l.revokedAt !== null)).toBe(true);

    // The reason is in the audit log, without the name.
    const audit = await fx.db.select().from(auditLog).where(and(eq(auditLog.firmId, fx.firmId), eq(auditLog.action, 'privacy.debtor_erased')));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.summary).toContain('the customer asked for their personal data to be erased');
    expect(audit[0]!.summary).toContain('Art. 17(3)(b)');
    expect(audit[0]!.summary).not.toContain(x.tag);
    expect(audit[0]!.details).toMatchObject({ reason: 'debtor_request', legalBasis: 'GDPR Art. 17(3)(b)' });

    // No reminders: an admin re-including them or setting an address in Arcus does not take.
    await withFirm(fx.firmId, () =>
      fx.db.update(reminderCustomers).set({ excluded: false, recipients: ['someone@debtor.example'] }).where(and(eq(reminderCustomers.organisationId, organisationId), eq(reminderCustomers.contactExternalId, x.externalId))),
    );
    const [rc] = await fx.db.select().from(reminderCustomers).where(and(eq(reminderCustomers.organisationId, organisationId), eq(reminderCustomers.contactExternalId, x.externalId)));
    expect(rc).toMatchObject({ excluded: true, recipients: null });

    // The other debtor and the other firm are untouched.
    const [yc] = await fx.db.select().from(contacts).where(eq(contacts.id, y.contactId));
    expect(yc!.name).toBe(`${y.tag} Ltd`);
    const otherExport = await withFirm(other.firmId, async () => {
      const [oc] = await fx.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.firmId, other.firmId));
      return exportDebtor(fx.db, other.firmId, oc!.id, NOW);
    });
    expect(JSON.stringify(otherExport.data)).toContain(other.email);
    expect(JSON.stringify(otherExport.data)).toContain(`Dispute text ${other.tag}`);

    // Erasing twice is refused in words.
    await expect(withFirm(fx.firmId, () => eraseDebtor(fx.db, { firmId: fx.firmId, contactId: x.contactId, reason: 'other', actor, now: NOW }))).rejects.toMatchObject({ code: 'already_erased' });
  });

  it('a later sync does not bring the personal data back, even after an edit in the ledger', async () => {
    fx.server.sandbox.ctx.store.updateContact(companyId, x.externalId, { name: `${x.tag} Renamed Ltd`, email: `new-${x.email}` } as never);
    await fullSync();
    const [c] = await fx.db.select().from(contacts).where(eq(contacts.id, x.contactId));
    expect(c).toMatchObject({ name: expect.stringMatching(/^Erased customer /), emails: [], phones: [], addresses: [], raw: null });
    const raws = await queryRows<{ n: number }>(fx.db, sql`SELECT count(*)::int AS n FROM invoices WHERE organisation_id = ${organisationId} AND contact_external_id = ${x.externalId} AND raw IS NOT NULL`);
    expect(raws[0]!.n).toBe(0);
    // The sync itself still works for everyone else: the other debtor's edit arrives.
    fx.server.sandbox.ctx.store.updateContact(companyId, y.externalId, { name: `${y.tag} Renamed Ltd` } as never);
    await fullSync();
    const [yc] = await fx.db.select().from(contacts).where(eq(contacts.id, y.contactId));
    expect(yc!.name).toBe(`${y.tag} Renamed Ltd`);
    const { data } = await withFirm(fx.firmId, () => exportDebtor(fx.db, fx.firmId, x.contactId, NOW));
    expect(JSON.stringify(data)).not.toContain(x.tag.toLowerCase());
    expect(JSON.stringify(data)).not.toContain(x.tag);
  });
});
