/**
 * The QBO gateway behaviour (auth, realm, throttling, injected faults), CDC, and bad input
 * never producing a 500.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CDC_MAX_PER_ENTITY } from '../../integrations/sandbox/qbo/cdc';
import { buildQboFixture, firstError, type Json, OTHER_REALM, type QboFixture, raw, type Served, serveQbo } from './qbo-fixture';

let fx: QboFixture;
let served: Served;
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => raw(served.baseUrl, fx.realm, fx.grant.accessToken, method, path, body, headers);

beforeEach(async () => {
  fx = buildQboFixture();
  served = await serveQbo(fx.ctx);
});

afterEach(async () => {
  await served.close();
});

describe('authentication and realm', () => {
  it('401 AuthenticationFailed without a token and once the access token has expired (61 min)', async () => {
    const none = await raw(served.baseUrl, fx.realm, null, 'GET', '/preferences');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('invalid_token');
    expect(none.body).toMatchObject({ fault: { type: 'AUTHENTICATION', error: [{ code: '3200', message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401' }] } });
    expect(typeof none.body['time']).toBe('number');

    expect((await call('GET', '/preferences')).status).toBe(200);
    fx.store.clock.advance(61 * 60_000);
    const expired = await call('GET', '/preferences');
    expect(expired.status).toBe(401);
    const err = (expired.body['fault'] as { error: Json[] }).error[0]!;
    expect(err['detail']).toMatch(/^Token expired: /);
  });

  it('403 for a realm the token does not cover, or that is not a QuickBooks company', async () => {
    const other = await raw(served.baseUrl, OTHER_REALM, fx.grant.accessToken, 'GET', '/preferences');
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ fault: { error: [{ code: '3100' }] } });
    const ghost = fx.ctx.grants.issue('quickbooks', { clientId: 'c', companyIds: ['424242'], scopes: [], userSub: 'u' });
    const missing = await raw(served.baseUrl, '424242', ghost.accessToken, 'GET', '/preferences');
    expect(missing.status).toBe(403);
  });

  it('accepts minorversion=75 or none, refuses a malformed one', async () => {
    expect((await call('GET', '/preferences?minorversion=75')).status).toBe(200);
    expect((await call('GET', '/preferences')).status).toBe(200);
    const bad = await call('GET', '/preferences?minorversion=latest');
    expect(bad.status).toBe(400);
    expect(firstError(bad.body).code).toBe('2010');
  });
});

describe('throttling and injected faults', () => {
  // QBO answers a throttled request in XML, not the JSON that was asked for, and with no Retry-After.
  const throttled = (r: { body: Json; headers: Headers }) => {
    expect(r.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(r.headers.get('retry-after')).toBeNull();
    const text = String(r.body['__text']);
    expect(text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>\n<IntuitResponse time="[^"]+" xmlns="http:\/\/schema\.intuit\.com\/finance\/v3">/);
    expect(text).toContain('<Fault type="SERVICE">');
    expect(text).toContain('<Error code="3001">');
    expect(text).toContain('<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>');
  };

  it('the 501st request within a minute is a 429 ThrottleExceeded; a minute later it passes', async () => {
    for (let i = 0; i < 500; i++) {
      const r = await call('GET', '/preferences');
      if (r.status !== 200) throw new Error(`request ${i + 1} got ${r.status}`);
    }
    const over = await call('GET', '/preferences');
    expect(over.status).toBe(429);
    throttled(over);
    fx.store.clock.advance(61_000);
    expect((await call('GET', '/preferences')).status).toBe(200);
  });

  it('11 concurrent slow requests: 10 are served, 1 is throttled', async () => {
    fx.ctx.faults.add({ provider: 'quickbooks', companyId: fx.realm, kind: 'slow', remaining: 11, delayMs: 400, status: 200 });
    const results = await Promise.all(Array.from({ length: 11 }, () => call('GET', `/invoice/${fx.ids.inv1}`)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    throttled(results.find((r) => r.status === 429)!);
    // Slots are released once the slow responses finish.
    expect((await call('GET', '/preferences')).status).toBe(200);
  });

  it('injected 429 and 5xx faults answer with QBO fault bodies', async () => {
    fx.ctx.faults.add({ provider: 'quickbooks', companyId: null, kind: '429', remaining: 1, delayMs: 0, status: 429 });
    fx.ctx.faults.add({ provider: 'quickbooks', companyId: fx.realm, kind: '5xx', remaining: 1, delayMs: 0, status: 503 });
    const a = await call('GET', '/preferences');
    expect(a.status).toBe(429);
    throttled(a);
    const b = await call('GET', '/preferences');
    expect(b.status).toBe(503);
    expect(b.body).toMatchObject({ Fault: { type: 'SystemFault', Error: [{ code: '10000' }] } });
    expect((await call('GET', '/preferences')).status).toBe(200);
  });
});

describe('change data capture', () => {
  const cdc = (entities: string, since: string) => call('GET', `/cdc?entities=${entities}&changedSince=${encodeURIComponent(since)}&minorversion=75`);
  const entries = (body: Json, i: number, entity: string) => {
    const qr = (body['CDCResponse'] as { QueryResponse: Json[] }[])[0]!.QueryResponse[i]!;
    return (qr[entity] as Json[] | undefined) ?? [];
  };

  it('returns what changed in the window, in request order, with empty QueryResponses for the rest', async () => {
    const all = await cdc('Invoice,Customer,Payment,CreditMemo', '2024-06-03T00:00:00-07:00');
    expect(all.status).toBe(200);
    expect(entries(all.body, 0, 'Invoice')).toHaveLength(5);
    expect(entries(all.body, 1, 'Customer')).toHaveLength(3); // the inactive one too
    expect((all.body['CDCResponse'] as { QueryResponse: Json[] }[])[0]!.QueryResponse.slice(2)).toEqual([{}, {}]);

    fx.store.clock.advance(5 * 60_000);
    const since = '2024-06-03T10:04:00-07:00';
    const none = await cdc('invoice,customer', since);
    expect((none.body['CDCResponse'] as { QueryResponse: Json[] }[])[0]!.QueryResponse).toEqual([{}, {}]);

    const paid = fx.store.createPayment(fx.realm, { date: '2024-06-03', allocations: [{ invoiceId: fx.ids.inv4, amount: 10_000 }] });
    fx.store.deletePayment(fx.realm, paid.id);
    fx.store.deleteInvoice(fx.realm, fx.ids.inv5);
    const later = await cdc('Payment,Invoice', since);
    expect(entries(later.body, 0, 'Payment')).toEqual([{ domain: 'QBO', status: 'Deleted', Id: paid.id, MetaData: { LastUpdatedTime: '2024-06-03T10:05:00-07:00' } }]);
    const inv = entries(later.body, 1, 'Invoice');
    expect(inv.map((i) => [i['Id'], i['status'] ?? i['Balance']])).toEqual([
      [fx.ids.inv4, 400],
      [fx.ids.inv5, 'Deleted'],
    ]);
  });

  it('accepts a changedSince whose + was decoded to a space, as node-quickbooks sends it', async () => {
    const res = await call('GET', '/cdc?entities=Invoice&changedSince=2024-06-03T17:00:00+00:00');
    expect(res.status).toBe(200);
    expect(entries(res.body, 0, 'Invoice')).toHaveLength(5);
  });

  it('refuses changedSince more than 30 days back, and missing or malformed parameters', async () => {
    const old = await cdc('Invoice', '2024-05-03T09:59:00-07:00');
    expect(old.status).toBe(400);
    expect(firstError(old.body)).toMatchObject({ code: '2010', element: 'changedSince', Detail: expect.stringContaining('older than') });
    expect((await cdc('Invoice', '2024-05-04T10:01:00-07:00')).status).toBe(200);
    expect(firstError((await call('GET', '/cdc?changedSince=2024-06-01')).body).code).toBe('2020');
    expect(firstError((await call('GET', '/cdc?entities=Invoice')).body).code).toBe('2020');
    expect((await cdc('Invoice', 'last tuesday')).status).toBe(400);
    expect((await cdc('Invoice,Bill', '2024-06-01')).status).toBe(400);
  });

  it('returns at most 1000 objects per entity, oldest change first', async () => {
    for (let i = 0; i < CDC_MAX_PER_ENTITY + 5; i++) fx.store.createContact(fx.realm, { name: `Bulk ${i}` });
    const res = await cdc('Customer', '2024-06-01');
    const customers = entries(res.body, 0, 'Customer');
    expect(customers).toHaveLength(CDC_MAX_PER_ENTITY);
    expect(customers[0]!['DisplayName']).toBe('Acme Corp');
  });
});

describe('bad input is a 400 fault, never a 500', () => {
  const inv = () => fx.ids.inv1;
  const cases: [string, string, () => unknown, string?][] = [
    ['POST', '/invoice', () => '{"CustomerRef": ', 'malformed JSON'],
    ['POST', '/invoice', () => [1, 2, 3], 'array body'],
    ['POST', '/invoice', () => ({}), 'missing CustomerRef'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme } }), 'missing Line'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [] }), 'empty Line'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: 'x' }), 'Line not an array'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ DetailType: 'SalesItemLineDetail', SalesItemLineDetail: {} }] }), 'line without amount'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 1.234, DetailType: 'SalesItemLineDetail' }] }), '3 decimals'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 1e300, DetailType: 'SalesItemLineDetail' }] }), 'huge amount'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 'NaN', DetailType: 'SalesItemLineDetail' }] }), 'NaN amount'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 10, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { Qty: -1, UnitPrice: 10 } }] }), 'negative qty'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 10, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { Qty: 3, UnitPrice: 5 } }] }), 'amount ≠ qty × price'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: -50, DetailType: 'SalesItemLineDetail' }] }), 'negative total'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 5, DetailType: 'DiscountLineDetail' }] }), 'unsupported line type'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, TxnDate: '2024-02-30', Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail' }] }), 'impossible date'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, DocNumber: '1001', Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail' }] }), 'duplicate DocNumber'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, CurrencyRef: { value: 'CAD' }, Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail' }] }), 'currency ≠ customer currency'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: '999' }, Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail' }] }), 'unknown customer'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.dormant }, Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail' }] }), 'inactive customer'],
    ['POST', '/invoice', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ClassRef: { value: 'nope' } } }] }), 'unknown class'],
    ['POST', '/invoice?operation=update', () => ({ Id: inv(), SyncToken: 'abc', sparse: true }), 'non-numeric SyncToken'],
    ['POST', '/invoice?operation=update', () => ({ Id: '999', SyncToken: '0', sparse: true }), 'unknown invoice'],
    ['POST', '/invoice?operation=update', () => ({ Id: inv(), sparse: true }), 'missing SyncToken'],
    ['POST', '/invoice?operation=update', () => ({ Id: inv(), SyncToken: '0', sparse: true, DueDate: 12 }), 'DueDate a number'],
    ['POST', '/invoice?operation=update', () => ({ Id: inv(), SyncToken: '0', sparse: true, DocNumber: 'X-1' }), 'DocNumber change'],
    ['POST', '/invoice?operation=update', () => ({ Id: inv(), SyncToken: '0', sparse: true, CustomerRef: { value: fx.ids.globex } }), 'customer change'],
    ['POST', '/invoice?operation=update', () => ({ Id: inv(), SyncToken: '0', sparse: false, PrivateNote: 'x' }), 'full update without Line'],
    ['POST', '/invoice?operation=void', () => ({ Id: inv() }), 'void without SyncToken'],
    ['POST', '/invoice?operation=send', () => ({ Id: inv(), SyncToken: '0' }), 'unsupported operation'],
    ['POST', '/invoice?requestid=' + 'x'.repeat(51), () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail' }] }), 'requestid > 50'],
    ['POST', '/customer', () => ({}), 'customer without a name'],
    ['POST', '/customer', () => ({ DisplayName: 'Acme Corp' }), 'duplicate customer'],
    ['POST', '/customer', () => ({ DisplayName: 'X', PrimaryEmailAddr: 'x@y' }), 'email not wrapped'],
    ['POST', '/customer', () => ({ DisplayName: 'X', PrimaryEmailAddr: { Address: 'not an email' } }), 'bad email'],
    ['POST', '/customer', () => ({ DisplayName: 'X', Active: 'maybe' }), 'Active not boolean'],
    ['POST', '/customer', () => ({ DisplayName: 'X', CurrencyRef: { value: 'XYZ' } }), 'currency not enabled'],
    ['POST', '/customer?operation=delete', () => ({ Id: fx.ids.acme, SyncToken: '0' }), 'customer delete'],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme } }), 'payment without TotalAmt'],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme }, TotalAmt: 5 }), 'unapplied payment'],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme }, TotalAmt: 5, Line: [{ Amount: 5 }] }), 'line without LinkedTxn'],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme }, TotalAmt: 5, Line: [{ Amount: 5, LinkedTxn: [{ TxnId: fx.ids.inv4, TxnType: 'Invoice' }] }] }), "another customer's invoice"],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme }, TotalAmt: 5, Line: [{ Amount: 5, LinkedTxn: [{ TxnId: '999', TxnType: 'Invoice' }] }] }), 'unknown invoice'],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme }, TotalAmt: 5, Line: [{ Amount: 5, LinkedTxn: [{ TxnId: fx.ids.inv1, TxnType: 'Bill' }] }] }), 'wrong TxnType'],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme }, TotalAmt: 1, Line: [{ Amount: 5, LinkedTxn: [{ TxnId: fx.ids.inv1, TxnType: 'Invoice' }] }] }), 'TotalAmt below applied'],
    ['POST', '/payment', () => ({ CustomerRef: { value: fx.ids.acme }, TotalAmt: 5, TxnDate: '2024-01-01', Line: [{ Amount: 5, LinkedTxn: [{ TxnId: fx.ids.inv1, TxnType: 'Invoice' }] }] }), 'dated before the invoice'],
    ['POST', '/payment', () => ({ Id: '1', SyncToken: '0', TotalAmt: 5 }), 'payment update'],
    ['POST', '/payment?operation=delete', () => ({ Id: '999', SyncToken: '0' }), 'unknown payment'],
    ['POST', '/creditmemo', () => ({ CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: 0, DetailType: 'SalesItemLineDetail' }] }), 'zero credit memo'],
    ['POST', '/creditmemo?operation=delete', () => ({ Id: '1', SyncToken: '0' }), 'credit memo delete'],
    ['GET', '/invoice/999', () => undefined, 'unknown invoice read'],
    ['GET', '/customer/abc', () => undefined, 'unknown customer read'],
    ['GET', '/payment/1', () => undefined, 'unknown payment read'],
    ['GET', '/creditmemo/1', () => undefined, 'unknown credit memo read'],
    ['GET', '/companyinfo/123', () => undefined, 'another company id'],
    ['GET', '/bill/1', () => undefined, 'unsupported entity'],
    ['GET', '/query', () => undefined, 'query without text'],
    ['GET', '/query?query=a&query=b', () => undefined, 'query given twice'],
  ];

  it.each(cases)('%s %s → 400 (%s)', async (method, path, makeBody) => {
    const res = await call(method, path, makeBody());
    expect(res.status).toBe(400);
    expect(res.body).toHaveProperty('Fault.Error.0.code');
    expect(res.body).toHaveProperty('time');
  });

  it('random JSON bodies to every write endpoint get a 200 or a 400, never a 5xx', async () => {
    const paths = ['/invoice', '/invoice?operation=update', '/invoice?operation=void', '/invoice?operation=delete', '/customer', '/payment', '/payment?operation=delete', '/creditmemo'];
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('1', fx.ids.acme, '0', -1, 0.001, 1e21, '2024-13-01', null));
    const entity = fc.dictionary(fc.constantFrom('Id', 'SyncToken', 'sparse', 'CustomerRef', 'Line', 'TotalAmt', 'TxnDate', 'DueDate', 'DisplayName', 'Active', 'PrivateNote', 'CustomerMemo', 'BillAddr', 'PrimaryEmailAddr', 'DocNumber'), field);
    const line = fc.record({ Amount: field, DetailType: fc.constantFrom('SalesItemLineDetail', 'SubTotalLineDetail', 'X'), SalesItemLineDetail: fc.dictionary(fc.constantFrom('Qty', 'UnitPrice', 'ItemRef', 'ClassRef', 'TaxCodeRef'), field), LinkedTxn: fc.array(fc.record({ TxnId: field, TxnType: fc.constantFrom('Invoice', 'CreditMemo', 'Bill') }), { maxLength: 2 }) }, { requiredKeys: [] });
    const withLines = fc.tuple(entity, fc.array(line, { maxLength: 3 }), fc.boolean()).map(([e, lines, useLines]) => (useLines ? { ...e, Line: lines } : e));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(withLines, fc.jsonValue({ maxDepth: 3 })), async (path, body) => {
        const res = await call('POST', path, body);
        return res.status === 200 || res.status === 400;
      }),
      { numRuns: 300, seed: 20240603 },
    );
  });
});
