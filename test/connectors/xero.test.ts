/**
 * The Xero connector (xero-node through XeroApi) on recorded sandbox answers replayed with nock:
 * mapping of the edge cases, the requests it makes (If-Modified-Since, order, page size 1000,
 * keyset overlap), and failures classified into LedgerError by status and headers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallRunner } from '../../integrations/ledger/call';
import { xeroEndpoints } from '../../integrations/ledger/endpoints';
import { LedgerError } from '../../integrations/ledger/errors';
import type { EntityCursor, SyncPage } from '../../integrations/ledger/provider';
import type { NormContact, NormCreditNote, NormInvoice, NormPayment } from '../../integrations/ledger/types';
import { XeroApi } from '../../integrations/xero/api';
import { limiterGate } from '../../integrations/ledger/gate';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { XERO_TENANT } from './record-fixtures';
import { body, cleanNock, fixture, nock, reply, XERO_API, XERO_HOST } from './replay';

const endpoints = xeroEndpoints(XERO_HOST);

function runner(extra: { timeoutMs?: number; gate?: ReturnType<typeof limiterGate> } = {}) {
  return new CallRunner(extra.gate ?? limiterGate(new MemoryRateLimiter(), { provider: 'xero', tenantId: XERO_TENANT }), extra.timeoutMs);
}

function api(extra: { pageSize?: number; timeoutMs?: number; gate?: ReturnType<typeof limiterGate> } = {}) {
  return new XeroApi({ endpoints, accessToken: 'token-1', tenantId: XERO_TENANT, pageSize: extra.pageSize, runner: runner(extra) });
}

async function all<T>(pages: AsyncIterable<SyncPage<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p.items);
  return out;
}

const xero = () => nock(XERO_HOST, { reqheaders: { authorization: 'Bearer token-1', 'xero-tenant-id': XERO_TENANT } });

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  cleanNock();
});

describe('Xero: mapping recorded answers', () => {
  for (const tz of ['Pacific/Auckland', 'America/Los_Angeles', 'UTC']) {
    it(`invoices: exact amounts, calendar dates by Xero's midnight UTC, statuses, ACCREC only (process zone ${tz})`, async () => {
      const saved = process.env.TZ;
      process.env.TZ = tz;
      try {
        const rec = fixture('xero-invoices');
        const b = body<{ Invoices: Record<string, unknown>[] }>('xero-invoices');
        // A bill in the same list must be skipped.
        b.Invoices.push({ ...b.Invoices[0]!, Type: 'ACCPAY', InvoiceID: '00000000-0000-4000-8000-000000000001' });
        // The taxed line's TaxType as Xero sends it (decision 061; the recording's sandbox sent none).
        const taxed = b.Invoices.find((i) => i['InvoiceNumber'] === 'INV-00002')!['LineItems'] as Record<string, unknown>[];
        taxed[0]!['TaxType'] = 'OUTPUT2';
        reply(
          xero()
            .get(`${XERO_API}/Invoices`)
            .query({ where: 'Type=="ACCREC"', order: 'UpdatedDateUTC ASC', page: '1', includeArchived: 'true', unitdp: '4', summaryOnly: 'false', pageSize: '1000' })
            .matchHeader('if-modified-since', (v) => v === undefined),
          rec,
          { body: b },
        );
        const client = api();
        const invoices = await all<NormInvoice>(client.changes('invoices', { since: null }));
        expect(client.calls).toBe(1);
        expect(invoices.map((i) => [i.number, i.status])).toEqual([
          ['INV-00001', 'authorised'],
          ['INV-00002', 'authorised'],
          ['INV-00003', 'voided'],
          ['INV-00004', 'deleted'],
        ]);
        const [tiny, big] = invoices as [NormInvoice, NormInvoice];
        // 0.10 + 0.20 arrives as two floats and a total; nothing is summed in floating point.
        expect(tiny).toMatchObject({ total: '0.30', subTotal: '0.30', amountDue: '0.30', issueDate: '2024-06-15', dueDate: '2024-07-15', reference: 'PO-0.3', currency: 'NZD' });
        expect(tiny.lines.map((l) => [l.description, l.unitAmount, l.lineAmount, l.quantity])).toEqual([
          ['Ten cents', '0.1000', '0.10', '1.0000'],
          ['Twenty cents', '0.2000', '0.20', '1.0000'],
        ]);
        expect(tiny.lines[0]!.tracking).toEqual([{ name: 'Region', option: 'North' }]);
        expect(big).toMatchObject({ issueDate: '2024-05-31', dueDate: null, total: '1276.50', totalTax: '166.50', amountPaid: '500.00', amountCredited: '23.00', amountDue: '753.50', fullyPaidOn: null });
        expect(big.lines[0]).toMatchObject({ quantity: '12.5000', unitAmount: '88.8000', lineAmount: '1110.00', taxAmount: '166.50', taxCode: 'OUTPUT2' });
        // A line Xero sends without a TaxType keeps none.
        expect(tiny.lines.map((l) => l.taxCode)).toEqual([null, null]);
        expect(big.ledgerUpdatedAt).toBeInstanceOf(Date);
        expect(invoices.every((i) => i.externalId === i.externalId.toLowerCase())).toBe(true);
      } finally {
        process.env.TZ = saved;
      }
    });
  }

  it('credit notes: an allocation keeps its AllocationID; without one it gets a stable derived key', async () => {
    const rec = fixture('xero-credit-notes');
    reply(xero().get(`${XERO_API}/CreditNotes`).query(true), rec);
    const [cn] = await all<NormCreditNote>(api().changes('creditNotes', { since: null }));
    const raw = body<{ CreditNotes: { CreditNoteID: string; Allocations: { AllocationID: string; Invoice: { InvoiceID: string } }[] }[] }>('xero-credit-notes').CreditNotes[0]!;
    expect(cn).toMatchObject({ number: 'CN-00001', total: '23.00', remainingCredit: '0.00', status: 'paid', date: '2024-06-14' });
    expect(cn!.allocations).toEqual([{ externalId: raw.Allocations[0]!.AllocationID, invoiceExternalId: raw.Allocations[0]!.Invoice.InvoiceID, amount: '23.00', date: '2024-06-14' }]);

    const older = body<{ CreditNotes: { Allocations: Record<string, unknown>[] }[] }>('xero-credit-notes');
    delete older.CreditNotes[0]!.Allocations[0]!['AllocationID'];
    reply(xero().get(`${XERO_API}/CreditNotes`).query(true), rec, { body: older });
    const [again] = await all<NormCreditNote>(api().changes('creditNotes', { since: null }));
    expect(again!.allocations[0]!.externalId).toBe(`${raw.CreditNoteID}:${raw.Allocations[0]!.Invoice.InvoiceID}:2024-06-14:0`);
  });

  it('payments and contacts', async () => {
    reply(xero().get(`${XERO_API}/Payments`).query((q) => q['where'] === 'PaymentType=="ACCRECPAYMENT"' && q['pageSize'] === '1000'), fixture('xero-payments'));
    reply(xero().get(`${XERO_API}/Contacts`).query((q) => q['includeArchived'] === 'true' && q['pageSize'] === '1000'), fixture('xero-contacts'));
    const client = api();
    const [p] = await all<NormPayment>(client.changes('payments', { since: null }));
    expect(p).toMatchObject({ amount: '500.00', date: '2024-06-14', reference: 'Part payment', status: 'authorised', currency: 'NZD' });
    expect(p!.allocations).toEqual([{ invoiceExternalId: expect.any(String), amount: '500.00', date: '2024-06-14' }]);
    expect(p!.contactExternalId).toMatch(/^[0-9a-f-]{36}$/);
    const contacts = await all<NormContact>(client.changes('contacts', { since: null }));
    const aroha = contacts.find((c) => c.name === 'Aroha Builders')!;
    expect(aroha).toMatchObject({ firstName: 'Aroha', lastName: 'Ngata', status: 'active', isCustomer: true });
    expect(aroha.emails).toEqual([
      { address: 'accounts@aroha.example', name: 'Aroha Ngata', primary: true, includeInEmails: true },
      { address: 'mere@aroha.example', name: 'Mere Ngata', primary: false, includeInEmails: true },
    ]);
    expect(aroha.phones).toEqual([{ type: 'default', number: '09 555 0101' }]);
    expect(aroha.addresses).toEqual([{ type: 'pobox', line1: '12 Quay St', city: 'Auckland', region: 'Auckland', postalCode: '1010', country: 'NZ' }]);
    expect(contacts.find((c) => c.name === 'Tui Traders')!.status).toBe('archived');
    expect(client.calls).toBe(2);
  });

  it('organisation: Xero\'s Windows zone name becomes an IANA zone', async () => {
    reply(xero().get(`${XERO_API}/Organisation`), fixture('xero-organisation'));
    expect(await api().organisation()).toEqual({ externalId: XERO_TENANT, name: 'Kauri Supplies Ltd', baseCurrency: 'NZD', timezone: 'Pacific/Auckland', countryCode: 'NZ' });
  });
});

describe('Xero: incremental requests', () => {
  it('nothing changed: one call, If-Modified-Since strictly after the checkpoint', async () => {
    const since = new Date('2024-06-14T22:35:00.123Z');
    reply(
      xero()
        .get(`${XERO_API}/Invoices`)
        .query(true)
        .matchHeader('if-modified-since', since.toISOString()),
      fixture('xero-invoices-unchanged'),
    );
    const client = api();
    const pages: SyncPage<NormInvoice>[] = [];
    for await (const p of client.changes('invoices', { since })) pages.push(p);
    expect(client.calls).toBe(1);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.items).toEqual([]);
    expect(pages[0]!.resume).toBeUndefined();
  });

  it('keyset paging: the next page starts 1 ms before the last change seen, at page 1, and overlap is dropped', async () => {
    const rec = fixture('xero-invoices');
    const invs = body<{ Invoices: { UpdatedDateUTC: string }[] }>('xero-invoices').Invoices;
    const at = (i: number) => new Date(Number(/\d+/.exec(invs[i]!.UpdatedDateUTC)![0])).toISOString();
    const minus1 = (i: number) => new Date(Date.parse(at(i)) - 1).toISOString();
    const page = (...idx: number[]) => ({ ...(rec.body as object), Invoices: idx.map((i) => invs[i]) });
    const q = (v: Record<string, unknown>) => v['page'] === '1' && v['pageSize'] === '2';
    reply(xero().get(`${XERO_API}/Invoices`).query(q).matchHeader('if-modified-since', (v) => v === undefined), rec, { body: page(0, 1) });
    reply(xero().get(`${XERO_API}/Invoices`).query(q).matchHeader('if-modified-since', minus1(1)), rec, { body: page(1, 2) });
    reply(xero().get(`${XERO_API}/Invoices`).query(q).matchHeader('if-modified-since', minus1(2)), rec, { body: page(2, 3) });
    reply(xero().get(`${XERO_API}/Invoices`).query(q).matchHeader('if-modified-since', minus1(3)), rec, { body: page(3) });
    const client = api({ pageSize: 2 });
    const seen: string[] = [];
    const resumes: (EntityCursor | undefined)[] = [];
    for await (const p of client.changes('invoices', { since: null })) {
      seen.push(...p.items.map((i) => i.number));
      resumes.push(p.resume);
    }
    expect(seen).toEqual(['INV-00001', 'INV-00002', 'INV-00003', 'INV-00004']);
    expect(client.calls).toBe(4);
    expect(resumes.map((r) => r?.since?.toISOString() ?? null)).toEqual([at(1), at(2), at(3), null]);
  });
});

describe('Xero: failures', () => {
  it('429 with Retry-After and X-Rate-Limit-Problem → rate_limited, and the tenant is blocked in the limiter', async () => {
    reply(xero().get(`${XERO_API}/Invoices`).query(true), fixture('xero-429'));
    let t = 1_000_000;
    const limiter = new MemoryRateLimiter({ now: () => t });
    const gate = limiterGate(limiter, { provider: 'xero', tenantId: XERO_TENANT });
    const err = await all(api({ gate }).changes('invoices', { since: null })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect(err).toMatchObject({ code: 'rate_limited', retryable: true, options: { status: 429, retryAfterMs: 7_000, problem: 'minute' } });
    expect(await limiter.acquire({ provider: 'xero', tenantId: XERO_TENANT })).toEqual({ waitMs: 7_000, reason: 'retry-after' });
    t += 7_000;
  });

  it('503 → server (retryable); 401 → unauthorized; no answer in time → timeout; a dropped connection → network', async () => {
    reply(xero().get(`${XERO_API}/Invoices`).query(true), fixture('xero-503'));
    await expect(all(api().changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'server', retryable: true, options: { status: 503 } });
    reply(nock(XERO_HOST).get(`${XERO_API}/Invoices`).query(true), fixture('xero-401'));
    await expect(all(api().changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'unauthorized', retryable: false });
    const slow = nock(XERO_HOST).get(`${XERO_API}/Invoices`).query(true).delay(300).reply(200, fixture('xero-invoices').body as nock.Body);
    const slowReplied = new Promise((r) => slow.once('replied', r));
    await expect(all(api({ timeoutMs: 50 }).changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'timeout', retryable: true });
    // Nothing listening (a real refused connection: nock's replyWithError never reaches axios).
    nock.enableNetConnect('127.0.0.1');
    const refused = new XeroApi({ endpoints: xeroEndpoints('http://127.0.0.1:1'), accessToken: 'token-1', tenantId: XERO_TENANT, runner: runner() });
    await expect(all(refused.changes('invoices', { since: null }))).rejects.toMatchObject({ code: 'network', retryable: true });
    // Let the delayed reply finish before nock is cleaned.
    await slowReplied;
  });
});
