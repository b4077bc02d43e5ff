import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SbChange, SbInvoice } from '../../integrations/sandbox/model';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';

const T0 = Date.UTC(2026, 8, 1, 10, 0);
const TOKEN = 'test-admin-token';

describe('sandbox admin API', () => {
  let server: SandboxServer;
  let base: string;
  let xeroId: string;
  let qboId: string;
  const changes: SbChange[] = [];

  beforeAll(async () => {
    server = await startSandbox({
      port: 0,
      seed: 9,
      adminToken: TOKEN,
      now: () => T0,
      demo: {
        companies: [
          { provider: 'xero', name: 'Admin Xero Ltd', customers: 10, invoices: 40 },
          { provider: 'quickbooks', name: 'Admin QBO Inc', customers: 10, invoices: 40 },
        ],
      },
    });
    base = server.url;
    [xeroId, qboId] = server.sandbox.companyIds as [string, string];
    server.sandbox.ctx.store.onChange((c) => changes.push(c));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const res = await fetch(`${base}/admin${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  /** A fresh open invoice, so tests do not depend on what the seed left open. */
  const newInvoice = (companyId: string, amount = 50_000): SbInvoice => {
    const store = server.sandbox.ctx.store;
    const contact = store.list('contacts', companyId)[0]!;
    return store.createInvoice(companyId, { contactId: contact.id, issueDate: '2026-08-01', dueDate: '2026-08-31', lines: [{ description: 'Services', unitAmount: amount }] });
  };

  it('requires the admin bearer token', async () => {
    const none = await call('GET', '/companies', undefined, null);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect((await call('GET', '/clock', undefined, 'wrong')).status).toBe(401);
    expect((await call('POST', '/clock/advance', { days: 1 }, 'sandbox-admin')).status).toBe(401);
    expect((await call('GET', '/companies')).status).toBe(200);
  });

  it('lists companies with their "today" and counts', async () => {
    const { body } = await call('GET', '/companies');
    expect(body.companies.map((c: { id: string }) => c.id)).toEqual([xeroId, qboId]);
    expect(body.companies[0]).toMatchObject({ provider: 'xero', name: 'Admin Xero Ltd', today: '2026-09-01', counts: { customers: 10, invoices: 40 } });
    expect((await call('GET', '/companies/nope')).status).toBe(404);
  });

  it('advances the clock', async () => {
    const before = await call('GET', '/clock');
    expect(before.body.nowMs).toBe(T0);
    const adv = await call('POST', '/clock/advance', { days: 2, hours: 3 });
    expect(adv.status).toBe(200);
    expect(adv.body.nowMs).toBe(T0 + 2 * 86_400_000 + 3 * 3_600_000);
    expect(adv.body.companies[0].today).toBe('2026-09-03');
    expect((await call('GET', '/clock')).body.now).toBe(new Date(T0 + 2 * 86_400_000 + 3 * 3_600_000).toISOString());
    expect((await call('POST', '/clock/advance', {})).status).toBe(400);
    const neg = await call('POST', '/clock/advance', { days: -1 });
    expect(neg.status).toBe(400);
    expect(neg.body.error.code).toBe('validation');
    expect((await call('POST', '/clock/advance', '{"days":')).body.error.code).toBe('invalid_json');
  });

  it('makes a customer pay: the invoice becomes PAID and a change is emitted', async () => {
    const inv = newInvoice(xeroId);
    changes.length = 0;
    const res = await call('POST', `/companies/${xeroId}/pay`, { invoiceId: inv.id });
    expect(res.status).toBe(201);
    expect(res.body.invoice).toMatchObject({ id: inv.id, status: 'PAID', amountDue: 0, amountPaid: 50_000, amountDueText: '0.00' });
    expect(res.body.payment.allocations[0]).toMatchObject({ invoiceId: inv.id, amount: 50_000 });
    const today = (await call('GET', '/clock')).body.companies[0].today;
    expect(res.body.payment.date).toBe(today);
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ entity: 'invoice', id: inv.id, operation: 'Update', companyId: xeroId }),
        expect.objectContaining({ entity: 'payment', operation: 'Create', companyId: xeroId }),
      ]),
    );
    const again = await call('POST', `/companies/${xeroId}/pay`, { invoiceId: inv.id });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('validation');
  });

  it('takes part payments and rejects overpayment, bad amounts and unknown invoices', async () => {
    const inv = newInvoice(qboId, 10_000);
    const part = await call('POST', `/companies/${qboId}/pay`, { invoiceId: inv.id, amount: '25.50', date: '2026-08-15' });
    expect(part.status).toBe(201);
    expect(part.body.invoice).toMatchObject({ status: 'AUTHORISED', amountDue: 7450 });
    expect((await call('POST', `/companies/${qboId}/pay`, { invoiceId: inv.id, amount: '500.00' })).status).toBe(400);
    expect((await call('POST', `/companies/${qboId}/pay`, { invoiceId: inv.id, amount: '1.234' })).status).toBe(400);
    expect((await call('POST', `/companies/${qboId}/pay`, { invoiceId: inv.id, date: '2026-02-30' })).status).toBe(400);
    expect((await call('POST', `/companies/${qboId}/pay`, { invoiceId: inv.id, date: '2026-07-01' })).status).toBe(400);
    const missing = await call('POST', `/companies/${qboId}/pay`, { invoiceId: 'no-such' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await call('POST', `/companies/${qboId}/pay`, {})).status).toBe(400);
  });

  it('edits, voids and deletes invoices', async () => {
    const inv = newInvoice(xeroId);
    const edit = await call('POST', `/companies/${xeroId}/invoices/${inv.id}/edit`, { dueDate: '2026-09-15', reference: 'PO-1', lines: [{ description: 'Revised', unitAmount: '600.00', taxAmount: '120.00' }] });
    expect(edit.status).toBe(200);
    expect(edit.body.invoice).toMatchObject({ dueDate: '2026-09-15', reference: 'PO-1', total: 72_000, amountDue: 72_000 });
    const noDue = await call('POST', `/companies/${xeroId}/invoices/${inv.id}/edit`, { dueDate: null });
    expect(noDue.body.invoice.dueDate).toBeNull();
    expect((await call('POST', `/companies/${xeroId}/invoices/${inv.id}/edit`, { lines: [] })).status).toBe(400);
    const voided = await call('POST', `/companies/${xeroId}/invoices/${inv.id}/void`);
    expect(voided.body.invoice).toMatchObject({ status: 'VOIDED', amountDue: 0 });
    expect((await call('POST', `/companies/${xeroId}/invoices/${inv.id}/edit`, { reference: 'x' })).status).toBe(400);
    const other = newInvoice(qboId);
    const deleted = await call('POST', `/companies/${qboId}/invoices/${other.id}/delete`);
    expect(deleted.body.invoice.status).toBe('DELETED');
    expect(server.sandbox.ctx.store.deletions.some((d) => d.id === other.id)).toBe(true);
    // An invoice with a payment cannot be voided.
    const paid = newInvoice(xeroId);
    await call('POST', `/companies/${xeroId}/pay`, { invoiceId: paid.id, amount: 10 });
    expect((await call('POST', `/companies/${xeroId}/invoices/${paid.id}/void`)).status).toBe(400);
    expect((await call('POST', `/companies/${xeroId}/invoices/nope/void`)).status).toBe(404);
  });

  it('credits an invoice (Xero allocation, QuickBooks linked credit memo)', async () => {
    const x = newInvoice(xeroId, 20_000);
    const xc = await call('POST', `/companies/${xeroId}/credit`, { invoiceId: x.id, amount: '50.00' });
    expect(xc.status).toBe(201);
    expect(xc.body.invoice).toMatchObject({ amountCredited: 5000, amountDue: 15_000 });
    expect(xc.body.creditNote).toMatchObject({ total: 5000, remainingCredit: 0, status: 'PAID' });
    const q = newInvoice(qboId, 20_000);
    const qc = await call('POST', `/companies/${qboId}/credit`, { invoiceId: q.id, amount: 200 });
    expect(qc.body.invoice).toMatchObject({ status: 'PAID', amountDue: 0 });
    expect((await call('POST', `/companies/${qboId}/credit`, { invoiceId: q.id, amount: '1.00' })).status).toBe(400);
  });

  it('injects, lists and clears faults', async () => {
    const add = await call('POST', '/faults', { provider: 'xero', kind: '429', count: 2 });
    expect(add.status).toBe(201);
    await call('POST', '/faults', { provider: 'qbo', companyId: qboId, kind: 'slow', count: 1, delayMs: 1500 });
    await call('POST', '/faults', { kind: '5xx', count: 3, status: 502 });
    const list = await call('GET', '/faults');
    expect(list.body.faults).toEqual([
      expect.objectContaining({ provider: 'xero', companyId: null, kind: '429', remaining: 2, status: 429 }),
      expect.objectContaining({ provider: 'quickbooks', companyId: qboId, kind: 'slow', remaining: 1, delayMs: 1500 }),
      expect.objectContaining({ provider: null, kind: '5xx', remaining: 3, status: 502 }),
    ]);
    expect(server.sandbox.ctx.faults.take('xero', xeroId)?.kind).toBe('429');
    expect((await call('POST', '/faults', { kind: '418', count: 1 })).status).toBe(400);
    expect((await call('POST', '/faults', { kind: '429', count: 0 })).status).toBe(400);
    expect((await call('POST', '/faults', { kind: '429', companyId: 'nope' })).status).toBe(404);
    expect((await call('DELETE', '/faults')).body.faults).toEqual([]);
    expect((await call('GET', '/faults')).body.faults).toEqual([]);
  });

  it('lists what was written back', async () => {
    server.sandbox.ctx.store.recordWrite({ provider: 'xero', companyId: xeroId, method: 'PUT', path: '/Invoices/x/History', idempotencyKey: 'k1', status: 200, summary: 'History note' });
    server.sandbox.ctx.store.recordWrite({ provider: 'quickbooks', companyId: qboId, method: 'POST', path: '/creditmemo', idempotencyKey: null, status: 200, summary: 'Credit memo' });
    const all = await call('GET', '/writes');
    expect(all.body.writes.map((w: { summary: string }) => w.summary)).toEqual(['History note', 'Credit memo']);
    const xero = await call('GET', `/writes?companyId=${xeroId}`);
    expect(xero.body.writes).toHaveLength(1);
    expect((await call('GET', '/writes?provider=qbo')).body.writes[0].summary).toBe('Credit memo');
  });

  it('configures webhook targets and answers unknown admin routes with JSON 404', async () => {
    const set = await call('PUT', '/webhooks/config', { xeroUrl: 'http://127.0.0.1:9/xero', qboFormat: 'cloudevents' });
    expect(set.body).toEqual({ urls: { xero: 'http://127.0.0.1:9/xero' }, qboFormat: 'cloudevents' });
    const unset = await call('PUT', '/webhooks/config', { xeroUrl: null, qboFormat: 'legacy' });
    expect(unset.body).toEqual({ urls: {}, qboFormat: 'legacy' });
    expect((await call('PUT', '/webhooks/config', { qboFormat: 'xml' })).status).toBe(400);
    const nf = await call('GET', '/nope');
    expect(nf.status).toBe(404);
    expect(nf.body.error.code).toBe('not_found');
    const root = await fetch(`${base}/definitely/not/here`);
    expect(root.status).toBe(404);
    expect(await root.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
