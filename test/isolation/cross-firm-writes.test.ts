/**
 * Cross-firm writes through routes whose body names rows by id (issue #14): signed in as firm A,
 * `POST /api/pay-links` with firm B's organisation id must not create a row anywhere, and with
 * B's invoice id (or an organisation/customer A does not have) it answers 404, not 500.
 * The route matrix reaches these routes with every id at once and is refused by validation; these
 * are the narrow probes that get through it.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { contacts, invoices, organisations, payLinks } from '../../server/db/schema';
import { apiClient, emptyDemoFirm, startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

async function seedOrg(database: Database, firmId: string, label: string) {
  const tag = `${label}${randomUUID().slice(0, 8)}`;
  const [org] = await database.db.insert(organisations).values({ firmId, provider: 'xero', externalId: `t-${tag}`, name: `Org ${tag}`, baseCurrency: 'USD', timezone: 'UTC' }).returning();
  const contactExternalId = `c-${tag}`;
  await database.db.insert(contacts).values({ firmId, organisationId: org!.id, externalId: contactExternalId, name: `Customer ${tag}`, isCustomer: true });
  const [inv] = await database.db
    .insert(invoices)
    .values({ firmId, organisationId: org!.id, externalId: `i-${tag}`, number: `INV-${tag}`, contactExternalId, issueDate: '2026-01-05', dueDate: '2026-02-04', currency: 'USD', total: '10.00', amountDue: '10.00', status: 'AUTHORISED' })
    .returning();
  return { orgId: org!.id, contactExternalId, invoiceId: inv!.id };
}

describeWith('pg', 'cross-firm writes by id in the body', () => {
  let database: Database;
  let arcus: Arcus;
  let a: Awaited<ReturnType<typeof seedOrg>>;
  let b: Awaited<ReturnType<typeof seedOrg>>;
  let api: ReturnType<typeof apiClient>;
  let csrf: string;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('cross-firm-writes', database, { LEDGER_SANDBOX: 'off' });
    const demo = await emptyDemoFirm(database.db);
    a = await seedOrg(database, demo.firmId, 'Alpha');
    const other = await createFirm(database);
    b = await seedOrg(database, other.firm.id, 'Bravo');
    api = apiClient(arcus.url);
    const s = await api('/api/session');
    const signed = await api('/api/auth/demo', { method: 'POST', body: {}, csrf: s.body.csrfToken });
    expect(signed.status).toBe(200);
    csrf = signed.body.csrfToken;
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  const linksOf = (orgId: string) => database.db.select({ id: payLinks.id, firmId: payLinks.firmId }).from(payLinks).where(eq(payLinks.organisationId, orgId));

  it("a statement link for firm B's organisation and customer: 404, no row anywhere", async () => {
    const r = await api('/api/pay-links', { method: 'POST', body: { organisationId: b.orgId, contactExternalId: b.contactExternalId }, csrf });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('organisation_not_found');
    expect(await linksOf(b.orgId)).toEqual([]);
  });

  it("a statement link for a customer the organisation does not have: 404, no row", async () => {
    const r = await api('/api/pay-links', { method: 'POST', body: { organisationId: a.orgId, contactExternalId: b.contactExternalId }, csrf });
    expect(r.status).toBe(404);
    expect(await linksOf(a.orgId)).toEqual([]);
  });

  it("an invoice link for firm B's invoice: 404, not 500, and no row", async () => {
    const r1 = await api('/api/pay-links', { method: 'POST', body: { organisationId: a.orgId, invoiceId: b.invoiceId }, csrf });
    expect(r1.status).toBe(404);
    const r2 = await api('/api/pay-links', { method: 'POST', body: { organisationId: b.orgId, invoiceId: b.invoiceId }, csrf });
    expect(r2.status).toBe(404);
    expect(await linksOf(a.orgId)).toEqual([]);
    expect(await linksOf(b.orgId)).toEqual([]);
  });

  it("a control: firm A's own customer and invoice get their links", async () => {
    const s = await api('/api/pay-links', { method: 'POST', body: { organisationId: a.orgId, contactExternalId: a.contactExternalId }, csrf });
    expect(s.status).toBe(200);
    expect(s.body.url).toMatch(/\/pay\//);
    const i = await api('/api/pay-links', { method: 'POST', body: { organisationId: a.orgId, invoiceId: a.invoiceId }, csrf });
    expect(i.status).toBe(200);
    expect(await linksOf(a.orgId)).toHaveLength(2);
  });
});
