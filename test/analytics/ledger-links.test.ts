/**
 * "Open in Xero / QuickBooks" and "Fix in ledger": with the sandbox as the ledger the links lead
 * to the sandbox's own invoice and contact pages (which show what Arcus wrote back, escaped, and
 * nothing of another company); with the real providers' endpoints they lead to go.xero.com and
 * app.qbo.intuit.com. The sandbox pages are not served where the sandbox is off.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import type { Provider } from '../../integrations/ledger/types';
import { contacts, invoices } from '../../server/db/schema';
import { getWorklist } from '../../server/scoring/worklist';
import { requestWriteback } from '../../server/writebacks/request';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { connectAndSync, drain, type SyncedOrgs } from '../writebacks/harness';
import { type AnalyticsServer, type Client, signedIn, startAnalyticsServer } from './harness';

const NOTE = 'Arcus: <script>alert("x")</script> promised to pay & said "Friday"';
const NOTE_ESCAPED = 'Arcus: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; promised to pay &amp; said &quot;Friday&quot;';

describeWith('pg', 'ledger links and the sandbox ledger pages', () => {
  let fx: SyncFixture;
  let synced: SyncedOrgs;
  let sandboxApi: AnalyticsServer;
  let realApi: AnalyticsServer;
  let viaSandbox: Client;
  let viaReal: Client;
  const noted = new Map<Provider, { externalId: string; contactExternalId: string; contactName: string }>();

  beforeAll(async () => {
    fx = await startSyncFixture({
      companies: [
        { provider: 'xero', customers: 6, invoices: 30 },
        { provider: 'quickbooks', customers: 6, invoices: 30 },
        { provider: 'xero', customers: 4, invoices: 10 },
      ],
    });
    synced = await connectAndSync(fx, { name: 'Link Tester', email: 'links@firm.example' });
    // A note write-back on one invoice of each organisation, executed through the outbox.
    const queue: string[] = [];
    for (const [provider, org] of synced.orgs) {
      const [inv] = await fx.db
        .select({ id: invoices.id, externalId: invoices.externalId, contactExternalId: invoices.contactExternalId })
        .from(invoices)
        .where(and(eq(invoices.organisationId, org.organisationId), eq(invoices.status, 'authorised')))
        .limit(1);
      const [c] = await fx.db.select({ name: contacts.name }).from(contacts).where(and(eq(contacts.organisationId, org.organisationId), eq(contacts.externalId, inv!.contactExternalId)));
      noted.set(provider, { externalId: inv!.externalId, contactExternalId: inv!.contactExternalId, contactName: c!.name });
      await requestWriteback(
        { db: fx.db, enqueueExecute: async (id) => void queue.push(id) },
        { firmId: fx.firmId, organisationId: org.organisationId, kind: 'note', sourceKey: `link-test:${inv!.id}`, invoiceId: inv!.id, request: { invoiceExternalId: inv!.externalId, text: NOTE }, requestedBy: 'system', summary: 'a note' },
      );
    }
    await drain(fx, queue);
    sandboxApi = await startAnalyticsServer(fx.database, { ledgerEndpoints: fx.factory.endpoints });
    realApi = await startAnalyticsServer(fx.database, { ledgerEndpoints: createLedgerFactory({ sandboxBaseUrl: null, xero: null, intuit: null }).endpoints });
    viaSandbox = await signedIn(sandboxApi, fx.database, { userId: synced.userId, firmId: fx.firmId });
    viaReal = await signedIn(realApi, fx.database, { userId: synced.userId, firmId: fx.firmId });
  }, 180_000);

  afterAll(async () => {
    await sandboxApi?.close();
    await realApi?.close();
    await fx?.close();
  });

  const invoiceRow = async (client: Client, provider: Provider) => {
    const org = synced.orgs.get(provider)!;
    const res = await client.get(`/api/organisations/${org.organisationId}/invoices?limit=1000`);
    expect(res.status).toBe(200);
    const row = res.body.invoices.find((i: { externalId: string }) => i.externalId === noted.get(provider)!.externalId);
    expect(row).toBeDefined();
    return row as { link: string; number: string };
  };

  for (const provider of ['xero', 'quickbooks'] as const) {
    const appPath = provider === 'xero' ? 'xero/app' : 'qbo/app';
    const contactSegment = provider === 'xero' ? 'contacts' : 'customers';

    it(`${provider}: the invoice link opens the sandbox's invoice page, showing the note Arcus wrote, escaped`, async () => {
      const org = synced.orgs.get(provider)!;
      const { externalId } = noted.get(provider)!;
      const row = await invoiceRow(viaSandbox, provider);
      expect(row.link).toBe(`${fx.url}/${appPath}/${org.companyId}/invoices/${externalId}`);
      const page = await fetch(row.link);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain(`Invoice ${row.number}`);
      expect(html).toContain(noted.get(provider)!.contactName.replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
      expect(html).toContain(NOTE_ESCAPED);
      expect(html).not.toContain('<script>');
      expect(html).toMatch(/Amount due/);
    });

    it(`${provider}: the customer link opens the sandbox's contact page, listing its invoices with links`, async () => {
      const org = synced.orgs.get(provider)!;
      const { externalId, contactExternalId } = noted.get(provider)!;
      const res = await viaSandbox.get(`/api/organisations/${org.organisationId}/customers`);
      expect(res.status).toBe(200);
      const customer = res.body.customers.find((c: { externalId: string }) => c.externalId === contactExternalId);
      expect(customer.link).toBe(`${fx.url}/${appPath}/${org.companyId}/${contactSegment}/${contactExternalId}`);
      const html = await (await fetch(customer.link)).text();
      expect(html).toContain(`href="${fx.url}/${appPath}/${org.companyId}/invoices/${externalId}"`);
    });

    it(`${provider}: with the real provider's endpoints the same links lead to its own app`, async () => {
      const { externalId, contactExternalId } = noted.get(provider)!;
      const row = await invoiceRow(viaReal, provider);
      expect(row.link).toBe(provider === 'xero' ? `https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=${externalId}` : `https://app.qbo.intuit.com/app/invoice?txnId=${externalId}`);
      const org = synced.orgs.get(provider)!;
      const customers = (await viaReal.get(`/api/organisations/${org.organisationId}/customers`)).body.customers;
      const customer = customers.find((c: { externalId: string }) => c.externalId === contactExternalId);
      expect(customer.link).toBe(provider === 'xero' ? `https://go.xero.com/Contacts/View/${contactExternalId}` : `https://app.qbo.intuit.com/app/customerdetail?nameId=${contactExternalId}`);
    });
  }

  it('the worklist and the data-quality findings link to the sandbox too', async () => {
    const w = await getWorklist(fx.db, { firmId: fx.firmId, userId: synced.userId, role: 'admin' }, { now: new Date(fx.now()), ledgerEndpoints: fx.factory.endpoints, limit: 500 });
    expect(w.customers.length).toBeGreaterThan(0);
    for (const c of w.customers) {
      expect(c.link.startsWith(`${fx.url}/`)).toBe(true);
      for (const inv of c.invoices) expect(inv.link.startsWith(`${fx.url}/`)).toBe(true);
    }
    const org = synced.orgs.get('xero')!;
    const dq = await viaSandbox.get(`/api/organisations/${org.organisationId}/data-quality`);
    expect(dq.status).toBe(200);
    for (const f of dq.body.findings) expect(f.link.startsWith(`${fx.url}/xero/app/${org.companyId}/`)).toBe(true);
  });

  describe('tenancy', () => {
    it("a page answers only for its own company's documents", async () => {
      const xero = synced.orgs.get('xero')!;
      const qbo = synced.orgs.get('quickbooks')!;
      const otherXero = fx.companyIds[2]!;
      const xeroInvoice = noted.get('xero')!.externalId;
      const qboInvoice = noted.get('quickbooks')!.externalId;
      const xeroContact = noted.get('xero')!.contactExternalId;
      const own = await fetch(`${fx.url}/xero/app/${xero.companyId}/invoices/${xeroInvoice}`);
      expect(own.status).toBe(200);
      const refused = [
        `/xero/app/${otherXero}/invoices/${xeroInvoice}`, // another Xero company
        `/xero/app/${otherXero}/contacts/${xeroContact}`,
        `/qbo/app/${qbo.companyId}/invoices/${xeroInvoice}`, // another provider's company
        `/qbo/app/${xero.companyId}/invoices/${xeroInvoice}`, // a Xero company through the QuickBooks pages
        `/xero/app/${xero.companyId}/invoices/${qboInvoice}`,
        `/xero/app/${xero.companyId}/invoices/no-such-invoice`,
      ];
      const unknown = await (await fetch(`${fx.url}/xero/app/${xero.companyId}/invoices/no-such-invoice`)).text();
      for (const p of refused) {
        const res = await fetch(fx.url + p);
        expect(res.status, p).toBe(404);
        // The same answer as an unknown id: nothing confirms the document exists elsewhere.
        expect(await res.text(), p).toBe(unknown);
      }
    });

    it('a contact page lists only its own invoices', async () => {
      const xero = synced.orgs.get('xero')!;
      const store = fx.server.sandbox.ctx.store;
      const contactId = noted.get('xero')!.contactExternalId;
      const html = await (await fetch(`${fx.url}/xero/app/${xero.companyId}/contacts/${contactId}`)).text();
      const linked = [...html.matchAll(/\/invoices\/([^"]+)"/g)].map((m) => m[1]!);
      const own = store.list('invoices', xero.companyId).filter((i) => i.contactId === contactId);
      expect(linked.sort()).toEqual(own.map((i) => i.id).sort());
    });
  });
});

describeWith('pg', 'the sandbox ledger pages where the sandbox is off', () => {
  it('are not served', { timeout: 120_000 }, async () => {
    const arcus = await startTestApp('ledger-pages-off', await testDatabase(), { LEDGER_SANDBOX: 'off' });
    try {
      const res = await fetch(`${arcus.url}/sandbox/xero/app/any/invoices/any`);
      // Whatever answers (the client's index page, or a 404), it is not a sandbox page.
      const text = await res.text();
      expect(text).not.toMatch(/sandbox/i);
    } finally {
      await arcus.close();
    }
  });
});
