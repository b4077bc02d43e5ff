/**
 * node-quickbooks 2.0.50 against the sandbox, with nothing changed but its endpoint.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildQboFixture, faultOf, firstError, type Json, type QboFixture, raw, type Sdk, type Served, sdk, serveQbo } from './qbo-fixture';

type QueryResponse = { QueryResponse: Json & { startPosition?: number; maxResults?: number; totalCount?: number }; time: string };

let fx: QboFixture;
let served: Served;
let qb: Sdk;

beforeEach(async () => {
  fx = buildQboFixture();
  served = await serveQbo(fx.ctx);
  qb = sdk(served.baseUrl, fx.grant.accessToken, fx.realm);
});

afterEach(async () => {
  await served.close();
});

const list = (r: QueryResponse, entity: string) => (r.QueryResponse[entity] as Json[] | undefined) ?? [];

describe('node-quickbooks: company', () => {
  it('getCompanyInfo and getPreferences', async () => {
    const info = await qb.call<Json>('getCompanyInfo', fx.realm);
    expect(info).toMatchObject({ CompanyName: 'Redwood Consulting', LegalName: 'Redwood Consulting LLC', Country: 'US', Id: '1', domain: 'QBO' });
    expect(info['DefaultTimeZone']).toBeUndefined();
    expect((info['MetaData'] as Json)['CreateTime']).toBe('2022-01-10T10:00:00-08:00');
    const prefs = await qb.call<Json>('getPreferences');
    expect(prefs['CurrencyPrefs']).toEqual({ MultiCurrencyEnabled: true, HomeCurrency: { value: 'USD' } });
  });
});

describe('node-quickbooks: customers', () => {
  it('findCustomers returns active customers unless Active is filtered', async () => {
    const active = await qb.call<QueryResponse>('findCustomers');
    expect(list(active, 'Customer').map((c) => c['DisplayName'])).toEqual(['Acme Corp', 'Globex']);
    const all = await qb.call<QueryResponse>('findCustomers', { Active: [true, false] });
    expect(list(all, 'Customer')).toHaveLength(3);
    const byName = await qb.call<QueryResponse>('findCustomers', [{ field: 'DisplayName', value: '%acme%', operator: 'LIKE' }]);
    const acme = list(byName, 'Customer')[0]!;
    expect(acme).toMatchObject({
      Id: fx.ids.acme,
      GivenName: 'Ada',
      FamilyName: 'Lovelace',
      PrimaryEmailAddr: { Address: 'ap@acme.example' },
      PrimaryPhone: { FreeFormNumber: '(415) 555-0100' },
      BillAddr: { Line1: '1 Market St', City: 'San Francisco', CountrySubDivisionCode: 'CA', PostalCode: '94105', Country: 'USA' },
      Active: true,
      Balance: 1338.5,
      CurrencyRef: { value: 'USD', name: 'United States Dollar' },
    });
  });

  it('createCustomer, updateCustomer (sparse) and a stale SyncToken', async () => {
    const created = await qb.call<Json>('createCustomer', { DisplayName: 'Initech', PrimaryEmailAddr: { Address: 'bill@initech.example' }, BillAddr: { Line1: '4120 Freidrich Ln', City: 'Austin', CountrySubDivisionCode: 'TX', PostalCode: '78744', Country: 'USA' } });
    expect(created).toMatchObject({ DisplayName: 'Initech', SyncToken: '0', Active: true, Balance: 0 });
    expect((created['MetaData'] as Json)['CreateTime']).toMatch(/^2024-06-03T10:00:00-07:00$/);
    const dup = await qb.call('createCustomer', { DisplayName: 'initech' }).catch(faultOf);
    expect(firstError((dup as { body: Json }).body).code).toBe('6240');

    const updated = await qb.call<Json>('updateCustomer', { Id: created['Id'], SyncToken: '0', sparse: true, PrimaryPhone: { FreeFormNumber: '512-555-0199' } });
    expect(updated).toMatchObject({ SyncToken: '1', DisplayName: 'Initech', PrimaryPhone: { FreeFormNumber: '512-555-0199' }, PrimaryEmailAddr: { Address: 'bill@initech.example' } });

    const stale = faultOf(await qb.call('updateCustomer', { Id: created['Id'], SyncToken: '0', GivenName: 'Bill' }).catch((e) => e));
    expect(stale.status).toBe(400);
    expect(firstError(stale.body)).toMatchObject({ code: '5010', Message: 'Stale Object Error' });

    const inactive = await qb.call<Json>('updateCustomer', { Id: created['Id'], SyncToken: '1', Active: false });
    expect(inactive['Active']).toBe(false);
    const after = await qb.call<QueryResponse>('findCustomers');
    expect(list(after, 'Customer').map((c) => c['DisplayName'])).not.toContain('Initech');
  });
});

describe('node-quickbooks: invoices', () => {
  it('findInvoices with criteria objects and arrays, offset/limit, desc, fetchAll and count', async () => {
    const all = await qb.call<QueryResponse>('findInvoices');
    expect(list(all, 'Invoice').map((i) => i['DocNumber'])).toEqual(['1001', '1002', '1003', '1004', '1005']);

    const acme = await qb.call<QueryResponse>('findInvoices', { CustomerRef: fx.ids.acme });
    expect(list(acme, 'Invoice')).toHaveLength(3);
    expect(acme.QueryResponse).toMatchObject({ startPosition: 1, maxResults: 3 });

    const recent = await qb.call<QueryResponse>('findInvoices', [
      { field: 'TxnDate', value: '2024-05-10', operator: '>=' },
      { field: 'desc', value: 'TxnDate' },
    ]);
    expect(list(recent, 'Invoice').map((i) => i['DocNumber'])).toEqual(['1005', '1004', '1003']);

    const page = await qb.call<QueryResponse>('findInvoices', [
      { field: 'offset', value: 2 },
      { field: 'limit', value: 2 },
      { field: 'asc', value: 'DocNumber' },
    ]);
    expect(list(page, 'Invoice').map((i) => i['DocNumber'])).toEqual(['1002', '1003']);
    expect(page.QueryResponse).toMatchObject({ startPosition: 2, maxResults: 2 });

    const everything = await qb.call<QueryResponse>('findInvoices', { fetchAll: true, limit: 2, desc: 'DocNumber' });
    expect(list(everything, 'Invoice').map((i) => i['DocNumber'])).toEqual(['1005', '1004', '1003', '1002', '1001']);

    const ids = await qb.call<QueryResponse>('findInvoices', { Id: [fx.ids.inv1, fx.ids.inv4] });
    expect(list(ids, 'Invoice').map((i) => i['Id'])).toEqual([fx.ids.inv1, fx.ids.inv4]);

    const count = await qb.call<QueryResponse>('findInvoices', { count: true, CustomerRef: fx.ids.globex });
    expect(count.QueryResponse).toEqual({ totalCount: 2 });

    const none = await qb.call<QueryResponse>('findInvoices', { DocNumber: "O'Brien" });
    expect(none.QueryResponse).toEqual({});
  });

  it('getInvoice, createInvoice, sparse updateInvoice, stale SyncToken, voidInvoice, deleteInvoice', async () => {
    const inv = await qb.call<Json>('getInvoice', fx.ids.inv2);
    expect(inv).toMatchObject({
      Id: fx.ids.inv2,
      SyncToken: '0',
      DocNumber: '1002',
      TxnDate: '2024-05-02',
      DueDate: '2024-06-01',
      TotalAmt: 250.5,
      Balance: 250.5,
      CustomerRef: { value: fx.ids.acme, name: 'Acme Corp' },
      BillEmail: { Address: 'ap@acme.example' },
      LinkedTxn: [],
    });
    const lines = inv['Line'] as Json[];
    expect(lines[0]).toMatchObject({
      Id: '1',
      LineNum: 1,
      Amount: 250.5,
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: { Qty: 2.5, UnitPrice: 100.2, ClassRef: { name: 'Support' }, TaxCodeRef: { value: 'NON' } },
    });
    expect(lines[1]).toEqual({ Amount: 250.5, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });

    const created = await qb.call<Json>('createInvoice', {
      CustomerRef: { value: fx.ids.globex },
      TxnDate: '2024-06-01',
      Line: [
        { Amount: 150, DetailType: 'SalesItemLineDetail', Description: 'Audit prep', SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 3, UnitPrice: 50 } },
        { Amount: 19.99, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } },
      ],
      CustomerMemo: { value: 'Thanks!' },
    });
    expect(created).toMatchObject({ DocNumber: '1006', TxnDate: '2024-06-01', DueDate: '2024-07-01', TotalAmt: 169.99, Balance: 169.99, CustomerMemo: { value: 'Thanks!' }, SyncToken: '0' });

    const updated = await qb.call<Json>('updateInvoice', { Id: created['Id'], SyncToken: '0', sparse: true, PrivateNote: 'Arcus: reminder 1 sent', DueDate: '2024-07-15' });
    expect(updated).toMatchObject({ SyncToken: '1', PrivateNote: 'Arcus: reminder 1 sent', DueDate: '2024-07-15', TotalAmt: 169.99, CustomerMemo: { value: 'Thanks!' } });

    const relined = await qb.call<Json>('updateInvoice', { Id: created['Id'], SyncToken: '1', Line: [{ Amount: 75, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { Qty: 1, UnitPrice: 75 } }] });
    expect(relined).toMatchObject({ SyncToken: '2', TotalAmt: 75, Balance: 75 });

    const stale = faultOf(await qb.call('updateInvoice', { Id: created['Id'], SyncToken: '1', PrivateNote: 'late' }).catch((e) => e));
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({ Fault: { type: 'ValidationFault', Error: [{ code: '5010', Message: 'Stale Object Error' }] } });

    const voided = await qb.call<Json>('voidInvoice', created['Id']);
    expect(voided).toMatchObject({ Invoice: { Id: created['Id'], TotalAmt: 0, Balance: 0, PrivateNote: 'Voided - Arcus: reminder 1 sent' } });
    const stillThere = await qb.call<Json>('getInvoice', created['Id']);
    expect((stillThere['Line'] as Json[])[0]).toMatchObject({ Amount: 0 });

    const deleted = await qb.call<Json>('deleteInvoice', fx.ids.inv5);
    expect(deleted).toMatchObject({ Invoice: { Id: fx.ids.inv5, status: 'Deleted' } });
    const gone = faultOf(await qb.call('getInvoice', fx.ids.inv5).catch((e) => e));
    expect(gone.status).toBe(400);
    expect(firstError(gone.body).code).toBe('610');
  });

  it('?include=invoiceLink gives a link only for open invoices of a company with online payments', async () => {
    const link = await raw(served.baseUrl, fx.realm, fx.grant.accessToken, 'GET', `/invoice/${fx.ids.inv1}?include=invoiceLink&minorversion=75`);
    expect((link.body['Invoice'] as Json)['InvoiceLink']).toBe(`http://sandbox.test/qbo/pay/${fx.realm}/${fx.ids.inv1}`);
    const plain = await raw(served.baseUrl, fx.realm, fx.grant.accessToken, 'GET', `/invoice/${fx.ids.inv1}`);
    expect((plain.body['Invoice'] as Json)['InvoiceLink']).toBeUndefined();
    fx.company.onlinePayments = false;
    const off = await raw(served.baseUrl, fx.realm, fx.grant.accessToken, 'GET', `/invoice/${fx.ids.inv1}?include=invoiceLink`);
    expect((off.body['Invoice'] as Json)['InvoiceLink']).toBeUndefined();
  });

  it('requestid: the SDK passes requestId; a replay returns the same invoice, another body is refused', async () => {
    const make = (amount: number) => ({ requestId: 'arcus-latefee-inv1', CustomerRef: { value: fx.ids.acme }, Line: [{ Amount: amount, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: {} }] });
    const first = await qb.call<Json>('createInvoice', make(25));
    const again = await qb.call<Json>('createInvoice', make(25));
    expect(again['Id']).toBe(first['Id']);
    expect(fx.store.list('invoices', fx.realm)).toHaveLength(6);
    const other = faultOf(await qb.call('createInvoice', make(30)).catch((e) => e));
    expect(other.status).toBe(400);
    expect(fx.store.list('invoices', fx.realm)).toHaveLength(6);
    const writes = fx.store.writes.filter((w) => w.idempotencyKey === 'arcus-latefee-inv1');
    expect(writes.map((w) => w.status)).toEqual([200, 200, 400]);
  });
});

describe('node-quickbooks: payments and credit memos', () => {
  it('createPayment reduces Balance, a second payment settles it, findPayments lists them', async () => {
    const p1 = await qb.call<Json>('createPayment', {
      CustomerRef: { value: fx.ids.acme },
      TotalAmt: 400,
      TxnDate: '2024-06-02',
      PaymentRefNum: 'CHK-881',
      Line: [{ Amount: 400, LinkedTxn: [{ TxnId: fx.ids.inv1, TxnType: 'Invoice' }] }],
    });
    expect(p1).toMatchObject({ TotalAmt: 400, UnappliedAmt: 0, PaymentRefNum: 'CHK-881', DepositToAccountRef: { value: '4' }, Line: [{ Amount: 400, LinkedTxn: [{ TxnId: fx.ids.inv1, TxnType: 'Invoice' }] }] });
    let inv = await qb.call<Json>('getInvoice', fx.ids.inv1);
    expect(inv).toMatchObject({ Balance: 600, TotalAmt: 1000, SyncToken: '1', LinkedTxn: [{ TxnId: p1['Id'], TxnType: 'Payment' }] });

    // The payment bumped the SyncToken: an update with the token read before it is stale.
    const stale = faultOf(await qb.call('updateInvoice', { Id: fx.ids.inv1, SyncToken: '0', PrivateNote: 'x' }).catch((e) => e));
    expect(firstError(stale.body).code).toBe('5010');

    const p2 = await qb.call<Json>('createPayment', {
      CustomerRef: { value: fx.ids.acme },
      TotalAmt: 650,
      Line: [{ Amount: 600, LinkedTxn: [{ TxnId: fx.ids.inv1, TxnType: 'Invoice' }] }],
    });
    expect(p2).toMatchObject({ TotalAmt: 650, UnappliedAmt: 50, TxnDate: '2024-06-03' });
    inv = await qb.call<Json>('getInvoice', fx.ids.inv1);
    expect(inv['Balance']).toBe(0);

    const over = faultOf(
      await qb.call('createPayment', { CustomerRef: { value: fx.ids.acme }, TotalAmt: 1, Line: [{ Amount: 1, LinkedTxn: [{ TxnId: fx.ids.inv1, TxnType: 'Invoice' }] }] }).catch((e) => e),
    );
    expect(over.status).toBe(400);
    expect(firstError(over.body).code).toBe('6000');

    const payments = await qb.call<QueryResponse>('findPayments', { CustomerRef: fx.ids.acme });
    expect(list(payments, 'Payment').map((p) => p['Id'])).toEqual([p1['Id'], p2['Id']]);
    const customer = await qb.call<Json>('getCustomer', fx.ids.acme);
    expect(customer['Balance']).toBe(288.5); // 250.50 + 88.00 open − 50.00 unapplied

    const removed = await qb.call<Json>('deletePayment', p2['Id']);
    expect(removed).toMatchObject({ Payment: { Id: p2['Id'], status: 'Deleted' } });
    inv = await qb.call<Json>('getInvoice', fx.ids.inv1);
    expect(inv['Balance']).toBe(600);
  });

  it('createCreditMemo and a zero-amount payment that applies it to an invoice', async () => {
    const cm = await qb.call<Json>('createCreditMemo', {
      CustomerRef: { value: fx.ids.globex },
      TxnDate: '2024-06-01',
      PrivateNote: 'Goodwill discount',
      Line: [{ Amount: 40, DetailType: 'SalesItemLineDetail', Description: 'Discount', SalesItemLineDetail: { ItemRef: { value: '1' } } }],
    });
    expect(cm).toMatchObject({ TotalAmt: 40, RemainingCredit: 40, Balance: 40, DocNumber: '1006', PrivateNote: 'Goodwill discount' });
    const link = await qb.call<Json>('createPayment', {
      CustomerRef: { value: fx.ids.globex },
      TotalAmt: 0,
      Line: [
        { Amount: 40, LinkedTxn: [{ TxnId: fx.ids.inv4, TxnType: 'Invoice' }] },
        { Amount: 40, LinkedTxn: [{ TxnId: cm['Id'], TxnType: 'CreditMemo' }] },
      ],
    });
    expect(link).toMatchObject({ TotalAmt: 0, UnappliedAmt: 0 });
    expect(link['Line']).toHaveLength(2);
    const inv = await qb.call<Json>('getInvoice', fx.ids.inv4);
    expect(inv['Balance']).toBe(360);
    const after = await qb.call<Json>('getCreditMemo', cm['Id']);
    expect(after).toMatchObject({ RemainingCredit: 0, Balance: 0, TotalAmt: 40 });
    const memos = await qb.call<QueryResponse>('findCreditMemos', { CustomerRef: fx.ids.globex });
    expect(list(memos, 'CreditMemo')).toHaveLength(1);
  });
});

describe('node-quickbooks: changeDataCapture', () => {
  it('returns changes since a time, deleted transactions as status Deleted', async () => {
    fx.store.clock.advance(3_600_000);
    const since = new Date(fx.store.clock.peek());
    await qb.call('updateInvoice', { Id: fx.ids.inv3, SyncToken: '0', sparse: true, PrivateNote: 'chased' });
    await qb.call('deleteInvoice', fx.ids.inv5);
    await qb.call('createCustomer', { DisplayName: 'Hooli' });
    const cdc = await qb.call<{ CDCResponse: { QueryResponse: Json[] }[]; time: string }>('changeDataCapture', ['Invoice', 'Customer', 'Payment'], since);
    const [invoices, customers, payments] = cdc.CDCResponse[0]!.QueryResponse;
    const inv = invoices!['Invoice'] as Json[];
    expect(inv.map((i) => [i['Id'], i['status'] ?? 'live'])).toEqual([
      [fx.ids.inv3, 'live'],
      [fx.ids.inv5, 'Deleted'],
    ]);
    expect(inv[1]).toEqual({ domain: 'QBO', status: 'Deleted', Id: fx.ids.inv5, MetaData: { LastUpdatedTime: expect.stringMatching(/^2024-06-03T11:00:00-07:00$/) } });
    expect((customers!['Customer'] as Json[]).map((c) => c['DisplayName'])).toEqual(['Hooli']);
    expect(payments).toEqual({});
    expect(cdc.time).toMatch(/^2024-06-03T11:00:00\.\d{3}-07:00$/);
  });
});
