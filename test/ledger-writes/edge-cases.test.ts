/**
 * Provider edge cases for the writers, replayed with nock from answers recorded from the sandbox
 * (record-fixtures.ts): QuickBooks 5010 twice in a row surfaces as LedgerError 'stale_object'
 * after exactly one re-read and retry; Xero's 400 ValidationException for an allocation above
 * the amount due becomes a 'validation' LedgerError carrying Xero's message (and the new credit
 * note is voided again); Xero's 429 becomes 'rate_limited' with its Retry-After.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallRunner } from '../../integrations/ledger/call';
import { limiterGate } from '../../integrations/ledger/gate';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { QboWrites } from '../../integrations/quickbooks/writes';
import { XeroWrites } from '../../integrations/xero/writes';
import type { Recorded } from './record-fixtures';

/** Every ledger call goes through a tenant's gate; here a limiter of the test's own. */
function runnerFor(provider: 'xero' | 'quickbooks', tenantId: string): CallRunner {
  return new CallRunner(limiterGate(new MemoryRateLimiter(), { provider, tenantId }));
}
import { rejection } from './helpers';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string): Recorded => JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Recorded;

const XERO_HOST = 'http://xero.test';
const QBO_HOST = 'http://qbo.test';
const XERO_API = '/xero/api.xro/2.0';
const QBO_API = '/qbo/v3/company';

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('QuickBooks: stale SyncToken', () => {
  it('5010 twice: one re-read and one retry, then LedgerError stale_object', async () => {
    const read = fixture('qbo-invoice-read');
    const stale = fixture('qbo-update-5010');
    const realm = read.request.path.split('/')[4]!;
    const invoice = (read.body as { Invoice: { Id: string } }).Invoice;
    const scope = nock(QBO_HOST)
      .get(`${QBO_API}/${realm}/invoice/${invoice.Id}`)
      .query(true)
      .times(2)
      .reply(read.status, read.body as nock.Body, read.headers)
      .post(`${QBO_API}/${realm}/invoice`, (b: { CustomerMemo?: { value?: string } }) => b.CustomerMemo?.value?.includes('Pay online: https://arcus.test/pay/1') === true)
      .query((q) => q['operation'] === 'update' && q['requestid'] === 'wb-1')
      .times(2)
      .reply(stale.status, stale.body as nock.Body, stale.headers);
    const w = new QboWrites({ apiBaseUrl: `${QBO_HOST}${QBO_API}`, accessToken: 'token', tenantId: realm, runner: runnerFor('quickbooks', realm) });
    const err = await rejection(w.setPayLink({ key: 'wb-1', invoiceExternalId: invoice.Id, url: 'https://arcus.test/pay/1' }));
    expect(err.code).toBe('stale_object');
    expect(err.message).toMatch(/Stale Object Error/);
    expect(w.calls).toBe(4);
    expect(scope.isDone()).toBe(true);
  });

  it('5010 once: the retry after a re-read succeeds', async () => {
    const read = fixture('qbo-invoice-read');
    const stale = fixture('qbo-update-5010');
    const realm = read.request.path.split('/')[4]!;
    const invoice = (read.body as { Invoice: { Id: string; SyncToken: string } }).Invoice;
    const updated = structuredClone(read.body) as { Invoice: Record<string, unknown> };
    updated.Invoice['CustomerMemo'] = { value: 'Pay online: https://arcus.test/pay/2' };
    const scope = nock(QBO_HOST)
      .get(`${QBO_API}/${realm}/invoice/${invoice.Id}`)
      .query(true)
      .times(2)
      .reply(read.status, read.body as nock.Body, read.headers)
      .post(`${QBO_API}/${realm}/invoice`)
      .query(true)
      .reply(stale.status, stale.body as nock.Body, stale.headers)
      .post(`${QBO_API}/${realm}/invoice`)
      .query(true)
      .reply(200, updated as nock.Body);
    const w = new QboWrites({ apiBaseUrl: `${QBO_HOST}${QBO_API}`, accessToken: 'token', tenantId: realm, runner: runnerFor('quickbooks', realm) });
    expect(await w.setPayLink({ key: 'wb-2', invoiceExternalId: invoice.Id, url: 'https://arcus.test/pay/2' })).toEqual({ field: 'CustomerMemo' });
    expect(w.calls).toBe(4);
    expect(scope.isDone()).toBe(true);
  });
});

describe('Xero: refusals', () => {
  it('a 400 ValidationException on the allocation is a validation LedgerError with Xero’s message; the credit note is voided again', async () => {
    const created = fixture('xero-credit-note-created');
    const refused = fixture('xero-allocation-400');
    const cn = (created.body as { CreditNotes: { CreditNoteID: string; Contact: { ContactID: string } }[] }).CreditNotes[0]!;
    const voided = structuredClone(created.body) as { CreditNotes: Record<string, unknown>[] };
    voided.CreditNotes[0]!['Status'] = 'VOIDED';
    let voidKey: string | undefined;
    const scope = nock(XERO_HOST)
      .put(`${XERO_API}/CreditNotes`)
      .query(true)
      .matchHeader('idempotency-key', 'wb-3')
      .reply(created.status, created.body as nock.Body, created.headers)
      .put(`${XERO_API}/CreditNotes/${cn.CreditNoteID}/Allocations`)
      .query(true)
      .matchHeader('idempotency-key', 'wb-3-a')
      .reply(refused.status, refused.body as nock.Body, refused.headers)
      .get(`${XERO_API}/CreditNotes/${cn.CreditNoteID}`)
      .query(true)
      .reply(created.status, created.body as nock.Body, created.headers)
      .post(`${XERO_API}/CreditNotes/${cn.CreditNoteID}`, (b: { CreditNotes?: { Status?: string }[] }) => b.CreditNotes?.[0]?.Status === 'VOIDED')
      .query(true)
      .reply(function () {
        voidKey = String(this.req.headers['idempotency-key']);
        return [200, voided as nock.Body];
      });
    const w = new XeroWrites({ apiBaseUrl: `${XERO_HOST}${XERO_API}`, accessToken: 'token', tenantId: 'tenant-1', runner: runnerFor('xero', 'tenant-1') });
    const err = await rejection(
      w.createCreditNote({
        key: 'wb-3',
        contactExternalId: cn.Contact.ContactID,
        date: '2024-06-14',
        reference: 'Arcus 00000000 goodwill',
        currency: 'NZD',
        lines: [{ description: 'Goodwill', amount: '100000.00' }],
        allocateTo: { invoiceExternalId: '00000000-0000-0000-0000-000000000001', amount: '100000.00' },
      }),
    );
    expect(err.code).toBe('validation');
    expect(err.options.status).toBe(400);
    expect(err.message).toMatch(/exceeds the amount due on the invoice/);
    expect(voidKey).toBe('wb-3-undo');
    expect(scope.isDone()).toBe(true);
  });

  it('a 429 is rate_limited with the Retry-After Xero sent', async () => {
    const limited = fixture('xero-429');
    const id = limited.request.path.split('/').at(-1)!;
    nock(XERO_HOST).get(`${XERO_API}/Invoices/${id}`).query(true).reply(limited.status, limited.body as nock.Body, limited.headers);
    const w = new XeroWrites({ apiBaseUrl: `${XERO_HOST}${XERO_API}`, accessToken: 'token', tenantId: 'tenant-1', runner: runnerFor('xero', 'tenant-1') });
    const err = await rejection(w.read('invoice', id));
    expect(err.code).toBe('rate_limited');
    expect(err.options.retryAfterMs).toBe(30_000);
    expect(err.options.problem).toBe('minute');
    expect(err.retryable).toBe(true);
  });
});
