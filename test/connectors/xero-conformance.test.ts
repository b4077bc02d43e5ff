/**
 * Xero contract tests on real-shaped payloads (issue #13): Xero-OpenAPI's own examples (MIT,
 * copied with their licence) and Arcus's fixtures reproducing recorded live answers (see
 * fixtures/conformance/README.md), answered over HTTP by nock to xero-node through XeroApi — the
 * SDK call, the keyset paging and the mappers as in production — and checked normalised:
 * overpayments, prepayments, batch payments, deleted payments, CurrencyRate 0, stale FullyPaidOnDate.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CallRunner } from '../../integrations/ledger/call';
import { xeroEndpoints } from '../../integrations/ledger/endpoints';
import { limiterGate } from '../../integrations/ledger/gate';
import type { SyncPage } from '../../integrations/ledger/provider';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import type { NormInvoice, NormPayment, NormPrepayment } from '../../integrations/ledger/types';
import { XeroApi } from '../../integrations/xero/api';
import { XERO_TENANT } from './record-fixtures';
import { cleanNock, nock, XERO_API, XERO_HOST } from './replay';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'conformance', 'xero');

interface Payload {
  http: { status: number; headers?: Record<string, string> };
  body: Record<string, unknown>;
}

function payload(name: string): Payload {
  return JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Payload;
}

function api(): XeroApi {
  const runner = new CallRunner(limiterGate(new MemoryRateLimiter(), { provider: 'xero', tenantId: XERO_TENANT }));
  return new XeroApi({ endpoints: xeroEndpoints(XERO_HOST), accessToken: 'token-1', tenantId: XERO_TENANT, runner });
}

const xero = () => nock(XERO_HOST, { reqheaders: { authorization: 'Bearer token-1', 'xero-tenant-id': XERO_TENANT } });

/** One list answer for a first full read (no If-Modified-Since), as XeroApi asks for it. */
function serve(resource: string, query: Record<string, string>, p: Payload): void {
  xero()
    .get(`${XERO_API}/${resource}`)
    .query({ order: 'UpdatedDateUTC ASC', page: '1', pageSize: '1000', ...query })
    .matchHeader('if-modified-since', (v) => v === undefined)
    .reply(p.http.status, p.body, { 'content-type': 'application/json; charset=utf-8' });
}

async function all<T>(pages: AsyncIterable<SyncPage<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page.items);
  return out;
}

const byId = <T extends { externalId: string }>(list: T[], id: string): T => {
  const found = list.find((x) => x.externalId === id);
  if (!found) throw new Error(`${id} not in ${list.map((x) => x.externalId).join(', ')}`);
  return found;
};

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  cleanNock();
});

describe('Xero conformance: overpayments and prepayments', () => {
  it('Xero-OpenAPI GET /Overpayments (MIT): RECEIVE- kept, SPEND- (supplier side) left out, no allocations', async () => {
    serve('Overpayments', { unitdp: '4' }, payload('x29-oa-overpayments'));
    const list = await all<NormPrepayment>(api().credits('overpayments', { since: null }));
    expect(list.map((x) => [x.externalId, x.kind, x.total, x.remainingCredit, x.status, x.currency])).toEqual([
      ['2a8bda49-8908-473b-8bcf-1f90990460eb', 'overpayment', '20.00', '20.00', 'authorised', 'NZD'],
      ['0859adbc-ea00-40cd-a877-258cf8644975', 'overpayment', '20.00', '20.00', 'authorised', 'NZD'],
      ['687b877f-634a-415d-92b2-74e62977de30', 'overpayment', '20.00', '20.00', 'authorised', 'NZD'],
    ]);
    expect(list.every((x) => x.allocations.length === 0 && x.date === '2019-03-13' && x.contactExternalId === '430fa14a-f945-44d3-9f97-5df5e28441b8')).toBe(true);
  });

  it('Xero-OpenAPI GET /Overpayments/{id} (MIT): an allocated SPEND-OVERPAYMENT is a supplier credit, not a settlement', async () => {
    serve('Overpayments', { unitdp: '4' }, payload('x30-oa-overpayment-get'));
    expect(await all(api().credits('overpayments', { since: null }))).toEqual([]);
  });

  it('Xero-OpenAPI GET /Prepayments/{id} (MIT): a RECEIVE-PREPAYMENT allocated to a sales invoice, without an AllocationID', async () => {
    serve('Prepayments', { unitdp: '4' }, payload('x31-oa-prepayment-get'));
    const [x, ...rest] = await all<NormPrepayment>(api().credits('prepayments', { since: null }));
    expect(rest).toEqual([]);
    expect(x).toMatchObject({
      externalId: 'ce0cddef-cf5a-4e59-b638-f225679115a7',
      kind: 'prepayment',
      contactExternalId: 'be392c72-c121-4f83-9512-03ac71e54c20',
      date: '2019-03-13',
      currency: 'NZD',
      currencyRate: '1',
      total: '3450.00',
      remainingCredit: '3449.00',
      reference: 'INV-0011',
      status: 'authorised',
    });
    expect(x!.allocations).toEqual([
      { externalId: 'ce0cddef-cf5a-4e59-b638-f225679115a7:c7c37b83-ac95-45ea-88ba-8ad83a5f22fe:2019-03-13:0', invoiceExternalId: 'c7c37b83-ac95-45ea-88ba-8ad83a5f22fe', amount: '1.00', date: '2019-03-13' },
    ]);
    // The raw copy keeps the document, not its children.
    expect(Object.keys(x!.raw as object)).not.toContain('allocations');
  });

  it('an allocated RECEIVE-OVERPAYMENT settles its invoice; a voided one with no CurrencyRate settles nothing', async () => {
    serve('Overpayments', { unitdp: '4' }, payload('c07-overpayments-allocated'));
    const list = await all<NormPrepayment>(api().credits('overpayments', { since: null }));
    const allocated = byId(list, '9a8b7c6d-6666-4f70-8a91-00000000f001');
    expect(allocated).toMatchObject({ kind: 'overpayment', total: '300.00', remainingCredit: '50.00', status: 'authorised', currencyRate: '1', reference: 'Deposit 5521' });
    expect(allocated.allocations.map((a) => [a.invoiceExternalId, a.amount, a.date])).toEqual([['b3c9e1d2-1111-4a5b-8c6d-00000000a006', '250.00', '2026-05-09']]);
    expect(byId(list, '9a8b7c6d-6666-4f70-8a91-00000000f003')).toMatchObject({ status: 'voided', currencyRate: '1', allocations: [] });
  });
});

describe('Xero conformance: payments', () => {
  it('deleted payments, batch children, CurrencyRate 0 or absent, bill payments', async () => {
    serve('Payments', { where: 'PaymentType=="ACCRECPAYMENT"' }, payload('c05-payments-page'));
    const list = await all<NormPayment>(api().changes('payments', { since: null }));
    // The bill payment in the page is not a receivable.
    expect(list.map((p) => p.externalId)).not.toContain('f0a1b2c3-4444-4d5e-8f60-00000000d006');
    expect(list).toHaveLength(6);
    const deleted = byId(list, 'f0a1b2c3-4444-4d5e-8f60-00000000d001');
    expect(deleted).toMatchObject({ status: 'deleted', currencyRate: '1', amount: '412.35', date: '2026-05-02' });
    // A batch child: its own amount and invoice (not the batch's TotalAmount), the batch's reference where it has none.
    const child = byId(list, 'f0a1b2c3-4444-4d5e-8f60-00000000d002');
    expect(child).toMatchObject({ status: 'authorised', currencyRate: '1', amount: '677.55', contactExternalId: '6a1f0c52-3d4e-4b7a-9c21-0f5e8d7a1b01', currency: 'AUD' });
    expect(child.allocations).toEqual([{ invoiceExternalId: 'b3c9e1d2-1111-4a5b-8c6d-00000000a002', amount: '677.55', date: '2026-05-04' }]);
    expect(byId(list, 'f0a1b2c3-4444-4d5e-8f60-00000000d003').allocations).toEqual([{ invoiceExternalId: 'b3c9e1d2-1111-4a5b-8c6d-00000000a001', amount: '412.35', date: '2026-05-04' }]);
    expect(byId(list, 'f0a1b2c3-4444-4d5e-8f60-00000000d004')).toMatchObject({ currencyRate: '1', reference: 'EFT 88120', status: 'authorised' });
    // A child of a deleted batch settles nothing, whatever its own Status says.
    expect(byId(list, 'f0a1b2c3-4444-4d5e-8f60-00000000d005')).toMatchObject({ status: 'deleted', currencyRate: '1' });
    // A real rate is kept as written.
    expect(byId(list, 'f0a1b2c3-4444-4d5e-8f60-00000000d007')).toMatchObject({ currencyRate: '0.6123', amount: '99.99' });
  });

  it('Xero-OpenAPI GET /Payments (MIT): a batch child with BatchPayment TotalAmount as a string; ARCREDITPAYMENT (a credit-note refund) left out', async () => {
    serve('Payments', { where: 'PaymentType=="ACCRECPAYMENT"' }, payload('x34-oa-payments'));
    const list = await all<NormPayment>(api().changes('payments', { since: null }));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ externalId: '99ea7f6b-c513-4066-bc27-b7c65dcd76c2', amount: '46.00', currencyRate: '1', status: 'authorised', date: '2018-11-29', currency: 'NZD' });
    expect(list[0]!.allocations).toEqual([{ invoiceExternalId: '046d8a6d-1ae1-4b4d-9340-5601bdf41b87', amount: '46.00', date: '2018-11-29' }]);
  });
});

describe('Xero conformance: invoices', () => {
  it('FullyPaidOnDate is kept only on a PAID invoice; overpayment and prepayment settlements count in AmountCredited', async () => {
    serve('Invoices', { where: 'Type=="ACCREC"', includeArchived: 'true', unitdp: '4', summaryOnly: 'false' }, payload('c06-invoices-page'));
    const list = await all<NormInvoice>(api().changes('invoices', { since: null }));
    expect(byId(list, 'b3c9e1d2-1111-4a5b-8c6d-00000000a001')).toMatchObject({ status: 'paid', fullyPaidOn: '2026-05-04', amountDue: '0.00' });
    // Its payment was deleted: Xero still says FullyPaidOnDate, but the invoice is open.
    expect(byId(list, 'b3c9e1d2-1111-4a5b-8c6d-00000000a005')).toMatchObject({ status: 'authorised', fullyPaidOn: null, amountDue: '330.00' });
    expect(byId(list, 'b3c9e1d2-1111-4a5b-8c6d-00000000a006')).toMatchObject({ status: 'paid', fullyPaidOn: '2026-05-09', amountCredited: '250.00', amountPaid: '0.00', amountDue: '0.00' });
    expect(byId(list, 'b3c9e1d2-1111-4a5b-8c6d-00000000a007')).toMatchObject({ status: 'authorised', amountCredited: '400.00', amountDue: '480.00', fullyPaidOn: null });
    // Prepayments / Overpayments are stored in their own tables, not in the invoice's raw copy.
    expect(Object.keys(byId(list, 'b3c9e1d2-1111-4a5b-8c6d-00000000a006').raw as object)).not.toContain('overpayments');
  });

  it('Xero-OpenAPI GET /Invoices (MIT): PAID with FullyPaidOnDate kept; VOIDED mapped', async () => {
    serve('Invoices', { where: 'Type=="ACCREC"', includeArchived: 'true', unitdp: '4', summaryOnly: 'false' }, payload('x27-oa-invoices'));
    const list = await all<NormInvoice>(api().changes('invoices', { since: null }));
    expect(list.map((i) => [i.number, i.status, i.fullyPaidOn, i.amountDue])).toEqual([
      ['INV-0001', 'voided', null, '0.00'],
      ['INV-0002', 'paid', '2018-11-29', '0.00'],
      ['INV-0003', 'authorised', null, '115.00'],
    ]);
  });
});
