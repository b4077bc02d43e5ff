/**
 * The sandbox's QBO JSON against Intuit's published material (the project's copy in
 * integrations/sandbox/specs/quickbooks/):
 * - the Invoice read is a superset of the keys of Intuit's Invoice example, recursively,
 *   with the same JSON types;
 * - every key of every Invoice, Customer, Payment, CreditMemo, CompanyInfo and Preferences
 *   the sandbox produces is declared for that type in Finance.xsd (recursively);
 * - query, CDC and fault envelopes have the structure of the published examples.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMinor } from '../../kernel/money';
import { buildQboFixture, type Json, query, raw, type Served, serveQbo } from './qbo-fixture';
import { SPECS, undeclared } from './qbo-xsd';

const spec = (path: string): Json => JSON.parse(readFileSync(new URL(path, SPECS), 'utf8')) as Json;

/** Keys of `example` missing from `ours` (recursively), or present with another JSON type. */
function missing(example: unknown, ours: unknown, path: string, out: string[] = []): string[] {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(example) !== kind(ours)) {
    out.push(`${path}: ${kind(example)} in the example, ${kind(ours)} here`);
    return out;
  }
  if (Array.isArray(example)) {
    const oursArr = ours as unknown[];
    example.forEach((el, i) => {
      const detail = (el as Json | null)?.['DetailType'];
      const match = detail ? oursArr.find((o) => (o as Json)['DetailType'] === detail) : oursArr[i];
      if (match === undefined) out.push(`${path}[${i}] (no counterpart${detail ? ` with DetailType ${String(detail)}` : ''})`);
      else missing(el, match, `${path}[${i}]`, out);
    });
    return out;
  }
  if (typeof example === 'object' && example !== null) {
    for (const [k, v] of Object.entries(example)) {
      const mine = (ours as Json)[k];
      if (mine === undefined) out.push(`${path}.${k}`);
      else missing(v, mine, `${path}.${k}`, out);
    }
  }
  return out;
}

/**
 * Keys of Intuit's Invoice example the sandbox deliberately leaves out. QBO itself omits
 * empty fields, and sandbox addresses have one street line and are not geocoded.
 */
const INVOICE_NOT_PRODUCED = ['Invoice.BillAddr.Line2', 'Invoice.BillAddr.Line3', 'Invoice.BillAddr.Lat', 'Invoice.BillAddr.Long', 'Invoice.ShipAddr.Line2', 'Invoice.ShipAddr.Line3', 'Invoice.ShipAddr.Lat', 'Invoice.ShipAddr.Long'];

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;
const META_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

describe('QBO JSON shapes', () => {
  const fx = buildQboFixture();
  let served: Served;
  let paymentId = '';
  let creditMemoId = '';
  const get = (path: string) => raw(served.baseUrl, fx.realm, fx.grant.accessToken, 'GET', `${path}${path.includes('?') ? '&' : '?'}minorversion=75`);

  beforeAll(async () => {
    served = await serveQbo(fx.ctx);
    fx.store.updateInvoice(fx.realm, fx.ids.inv1, { sentToContact: true, customerMemo: 'Thank you for your business' });
    paymentId = fx.store.createPayment(fx.realm, { date: '2024-06-01', allocations: [{ invoiceId: fx.ids.inv1, amount: toMinor('100.00') }], reference: 'CHK-1' }).id;
    const cn = fx.store.createCreditNote(fx.realm, { contactId: fx.ids.acme, date: '2024-06-02', number: '1006', lines: [{ description: 'Discount', unitAmount: toMinor('10.00') }] });
    creditMemoId = cn.id;
    fx.store.createPayment(fx.realm, { date: '2024-06-02', amount: 0, allocations: [{ invoiceId: fx.ids.inv2, amount: toMinor('4.00') }], creditNoteLinks: [{ creditNoteId: cn.id, amount: toMinor('4.00') }] });
    fx.store.voidInvoice(fx.realm, fx.ids.inv5);
  });
  afterAll(() => served.close());

  it('the checkers catch what they should (negative controls)', () => {
    expect(undeclared({ Id: '1', Colour: 'red', MetaData: { CreateTime: 'x', Mood: 1 }, CustomerRef: { value: '1', name: 'a', extra: 1 } }, 'Invoice', 'Invoice')).toEqual([
      'Invoice.Colour (not in Invoice)',
      'Invoice.MetaData.Mood (not in ModificationMetaData)',
      'Invoice.CustomerRef.extra (not in ReferenceType)',
    ]);
    expect(undeclared({ Line: [{ Amount: 1, SalesItemLineDetail: { Qty: 1, Bogus: 2 } }] }, 'Invoice', 'Invoice')).toEqual(['Invoice.Line[0].SalesItemLineDetail.Bogus (not in SalesItemLineDetail)']);
    expect(missing({ a: 1, b: { c: 'x' }, d: [{ DetailType: 'T', e: 1 }] }, { a: '1', b: {}, d: [] }, 'X')).toEqual(['X.a: number in the example, string here', 'X.b.c', 'X.d[0] (no counterpart with DetailType T)']);
  });

  it("an Invoice read has every key of Intuit's Invoice example, with the same JSON types", async () => {
    const example = spec('accounting/invoice-read-response.java-sdk.json');
    const res = await get(`/invoice/${fx.ids.inv1}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(example).sort());
    const gaps = missing(example['Invoice'], res.body['Invoice'], 'Invoice');
    expect(gaps.filter((g) => !INVOICE_NOT_PRODUCED.includes(g))).toEqual([]);
    expect(res.body['time']).toMatch(TIME);
    expect(example['time']).toMatch(TIME);
    const meta = (res.body['Invoice'] as Json)['MetaData'] as Json;
    expect(meta['CreateTime']).toMatch(META_TIME);
    expect(((example['Invoice'] as Json)['MetaData'] as Json)['CreateTime']).toMatch(META_TIME);
  });

  it('every key the sandbox produces is declared in Finance.xsd for its type', async () => {
    const reads: [string, string][] = [
      [`/invoice/${fx.ids.inv1}?include=invoiceLink`, 'Invoice'],
      [`/invoice/${fx.ids.inv2}`, 'Invoice'],
      [`/invoice/${fx.ids.inv5}`, 'Invoice'],
      [`/customer/${fx.ids.acme}`, 'Customer'],
      [`/customer/${fx.ids.dormant}`, 'Customer'],
      [`/payment/${paymentId}`, 'Payment'],
      [`/creditmemo/${creditMemoId}`, 'CreditMemo'],
      [`/companyinfo/${fx.realm}`, 'CompanyInfo'],
      ['/preferences', 'Preferences'],
    ];
    for (const [path, type] of reads) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(undeclared(res.body[type], type, type), path).toEqual([]);
    }
    // Every customer, payment, credit memo, invoice and account, via query.
    for (const entity of ['Customer', 'Payment', 'CreditMemo', 'Invoice', 'Account']) {
      const res = await query(served.baseUrl, fx.realm, fx.grant.accessToken, `select * from ${entity} where Id != '0'`);
      expect(undeclared(res.body['QueryResponse'], 'QueryResponse', 'QueryResponse').filter((p) => !p.includes(`.${entity} (`))).toEqual([]);
      expect(undeclared((res.body['QueryResponse'] as Json)[entity], entity, entity)).toEqual([]);
    }
  });

  it("query responses have the envelope of Intuit's query example; a field list comes back sparse", async () => {
    const example = spec('accounting/account-query-response.java-sdk.json');
    const res = await query(served.baseUrl, fx.realm, fx.grant.accessToken, 'select * from Invoice startposition 1 maxresults 100');
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(example).sort());
    const exampleQr = example['QueryResponse'] as Json;
    const qr = res.body['QueryResponse'] as Json;
    expect(Object.keys(qr).map((k) => (k === 'Invoice' ? 'Account' : k)).sort()).toEqual(Object.keys(exampleQr).sort());
    expect(typeof qr['startPosition']).toBe(typeof exampleQr['startPosition']);
    expect(typeof qr['maxResults']).toBe(typeof exampleQr['maxResults']);

    const batch = spec('accounting/batch-item-response.java-sdk.json');
    const sparseExample = (((batch['BatchItemResponse'] as Json[])[1]!['QueryResponse'] as Json)['Deposit'] as Json[])[0]!;
    const sparse = await query(served.baseUrl, fx.realm, fx.grant.accessToken, "select TotalAmt, Line from Invoice where DocNumber = '1001'");
    const row = ((sparse.body['QueryResponse'] as Json)['Invoice'] as Json[])[0]!;
    expect(Object.keys(row).sort()).toEqual(['Id', 'Line', 'TotalAmt', 'sparse']);
    expect(row['sparse']).toBe(sparseExample['sparse']);
  });

  it("CDC responses have the structure of Intuit's CDC example", async () => {
    const example = spec('accounting/cdc-response-deposit.java-sdk.json');
    const res = await get('/cdc?entities=Invoice,Payment,CreditMemo,Customer&changedSince=2024-06-01T00:00:00-07:00');
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(example).sort());
    const exampleCdc = example['CDCResponse'] as Json[];
    const cdc = res.body['CDCResponse'] as Json[];
    expect(cdc).toHaveLength(exampleCdc.length);
    expect(Object.keys(cdc[0]!)).toEqual(Object.keys(exampleCdc[0]!));
    const responses = cdc[0]!['QueryResponse'] as Json[];
    expect(Array.isArray(responses)).toBe(true);
    const exampleEntry = (exampleCdc[0]!['QueryResponse'] as Json[])[0]!;
    expect(Object.values(exampleEntry).every(Array.isArray)).toBe(true);
    for (const [i, entity] of ['Invoice', 'Payment', 'CreditMemo', 'Customer'].entries()) {
      const list = responses[i]![entity] as Json[];
      expect(Array.isArray(list), entity).toBe(true);
      expect(undeclared(list, entity, entity)).toEqual([]);
    }
    expect(res.body['time']).toMatch(TIME);
  });

  it.each([
    ['stale-object-5010.exquickbooks.json', 'POST', '/invoice?operation=update', () => ({ Id: fx.ids.inv3, SyncToken: '99', sparse: true, PrivateNote: 'x' })],
    ['object-not-found-610.exquickbooks.json', 'GET', '/invoice/424242', () => undefined],
    ['required-param-missing-2020.exquickbooks.json', 'POST', '/customer', () => ({ Notes: 'no name' })],
    ['query-parse-error-4000.exquickbooks.json', 'GET', `/query?query=${encodeURIComponent('select * from Invoice where Id = null')}`, () => undefined],
  ])('%s: the sandbox fault has the published structure', async (file, method, path, body) => {
    const example = spec(`faults/${file}`);
    const res = await raw(served.baseUrl, fx.realm, fx.grant.accessToken, method, path, body());
    expect(res.status).toBe(400);
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(example).sort());
    const fault = res.body['Fault'] as Json;
    const exampleFault = example['Fault'] as Json;
    expect(Object.keys(fault).sort()).toEqual(Object.keys(exampleFault).sort());
    expect(fault['type']).toBe(exampleFault['type']);
    const err = (fault['Error'] as Json[])[0]!;
    const exampleErr = (exampleFault['Error'] as Json[])[0]!;
    expect(Object.keys(err).sort()).toEqual(Object.keys(exampleErr).sort());
    expect(err['code']).toBe(exampleErr['code']);
    expect(err['Message']).toBe(exampleErr['Message']);
    const firstWords = (d: unknown) => String(d).split(/[\s:]+/).slice(0, 2).join(' ');
    expect(firstWords(err['Detail'])).toBe(firstWords(exampleErr['Detail']));
    expect(res.body['time']).toMatch(TIME);
    expect(undeclared(fault, 'Fault', 'Fault')).toEqual([]);
  });
});
