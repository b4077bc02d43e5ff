/**
 * The sandbox Xero API over real HTTP: reads, writes, paging, If-Modified-Since, where/order,
 * idempotency and bad input. Every JSON response is checked against Xero's OpenAPI spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRecorded } from './xero-contract';
import { startXeroFixture, type XeroFixture } from './xero-fixture';

let fx: XeroFixture;
let pagingChecked = 0;

beforeAll(async () => {
  fx = await startXeroFixture();
});

afterAll(async () => {
  const result = validateRecorded(fx.recorded);
  await fx.close();
  console.info(`[xero contract] xero-api: validated ${result.checked + pagingChecked} responses (${pagingChecked} in the paging suite) ${JSON.stringify(result.bySchema)}`);
  expect(result.failures).toEqual([]);
});

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('reads', () => {
  it('GET /Organisation maps the company, with a Windows-style time zone', async () => {
    const r = await fx.call('GET', '/Organisation');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ Status: 'OK', ProviderName: expect.any(String), DateTimeUTC: expect.stringMatching(/^\/Date\(\d+\)\/$/) });
    expect(r.body.Id).toMatch(GUID);
    const org = r.body.Organisations[0];
    expect(org).toMatchObject({
      OrganisationID: fx.company.id,
      Name: 'Harbour Accounting Ltd',
      LegalName: 'Harbour Accounting Limited',
      BaseCurrency: 'NZD',
      CountryCode: 'NZ',
      Timezone: 'NEWZEALANDSTANDARDTIME',
      ShortCode: '!hB4rT',
      OrganisationType: 'COMPANY',
      Version: 'NZ',
    });
  });

  it('GET /Invoices/{id} returns one invoice with MS dates, exact amounts, line items and allocations', async () => {
    const inv = fx.ledger.invoices[0]!;
    const r = await fx.call('GET', `/Invoices/${inv.id}`);
    expect(r.status).toBe(200);
    const x = r.body.Invoices[0];
    expect(x).toMatchObject({
      Type: 'ACCREC',
      InvoiceID: inv.id,
      InvoiceNumber: 'INV-00001',
      Reference: 'PO-1001',
      Status: 'AUTHORISED',
      Date: `/Date(${Date.UTC(2024, 3, 1)}+0000)/`,
      DueDate: `/Date(${Date.UTC(2024, 3, 30)}+0000)/`,
      DateString: '2024-04-01T00:00:00',
      SubTotal: 2501,
      TotalTax: 375.15,
      Total: 2876.15,
      AmountDue: 2876.15,
      AmountPaid: 0,
      CurrencyCode: 'NZD',
      LineAmountTypes: 'Exclusive',
      Contact: { ContactID: inv.contactId, Name: 'Aroha Builders' },
    });
    expect(x.UpdatedDateUTC).toBe(`/Date(${inv.updatedAt}+0000)/`);
    expect(x.LineItems).toEqual([
      expect.objectContaining({ Description: 'Framing', Quantity: 2, UnitAmount: 1250.5, LineAmount: 2501, TaxAmount: 375.15, AccountCode: '200', Tracking: [expect.objectContaining({ Name: 'Region', Option: 'North' })] }),
    ]);
    // By number too.
    const byNumber = await fx.call('GET', '/Invoices/INV-00001');
    expect(byNumber.body.Invoices[0].InvoiceID).toBe(inv.id);
  });

  it('shows payments, credit notes and FullyPaidOnDate on settled invoices', async () => {
    const paid = await fx.call('GET', `/Invoices/${fx.ledger.invoices[3]!.id}`);
    expect(paid.body.Invoices[0]).toMatchObject({ Status: 'PAID', AmountDue: 0, AmountPaid: 2645, FullyPaidOnDate: `/Date(${Date.UTC(2024, 3, 10)}+0000)/` });
    expect(paid.body.Invoices[0].Payments).toEqual([expect.objectContaining({ PaymentID: fx.ledger.payment.id, Amount: 2645, Reference: 'DD 0410' })]);
    const credited = await fx.call('GET', `/Invoices/${fx.ledger.invoices[4]!.id}`);
    expect(credited.body.Invoices[0]).toMatchObject({ AmountCredited: 125, AmountDue: 625, Status: 'AUTHORISED' });
    expect(credited.body.Invoices[0].CreditNotes).toEqual([expect.objectContaining({ CreditNoteID: fx.ledger.creditNote.id, AppliedAmount: 125 })]);
  });

  it('GET /Contacts lists customers with balances; summaryOnly drops them; archived are hidden by default', async () => {
    const r = await fx.call('GET', '/Contacts');
    expect(r.status).toBe(200);
    expect(r.body.Contacts.map((c: { Name: string }) => c.Name)).toEqual(['Aroha Builders', 'Southern Cafe', 'Kauri Imports']);
    const aroha = r.body.Contacts[0];
    expect(aroha).toMatchObject({ ContactStatus: 'ACTIVE', FirstName: 'Aroha', EmailAddress: 'accounts@aroha.example', IsCustomer: true, DefaultCurrency: 'NZD' });
    expect(aroha.ContactPersons).toEqual([{ FirstName: 'Mere', LastName: 'Ngata', EmailAddress: 'mere@aroha.example', IncludeInEmails: true }]);
    expect(aroha.Addresses[0]).toMatchObject({ AddressType: 'POBOX', AddressLine1: '1 Queen St', City: 'Auckland' });
    expect(aroha.Phones[0]).toMatchObject({ PhoneType: 'DEFAULT', PhoneNumber: '09 555 0101' });
    // Aroha owes 2876.15 (overdue) + 800.00 (due 2024-07-01).
    expect(aroha.Balances.AccountsReceivable).toEqual({ Outstanding: 3676.15, Overdue: 2876.15 });
    const summary = await fx.call('GET', '/Contacts?summaryOnly=true');
    expect(summary.body.Contacts[0].Balances).toBeUndefined();
    const one = await fx.call('GET', `/Contacts/${fx.ledger.contacts[1]!.id}`);
    expect(one.body.Contacts[0].Name).toBe('Southern Cafe');
    const search = await fx.call('GET', '/Contacts?searchTerm=kauri');
    expect(search.body.Contacts.map((c: { Name: string }) => c.Name)).toEqual(['Kauri Imports']);
  });

  it('filters contacts with where, IDs and includeArchived', async () => {
    const where = await fx.call('GET', `/Contacts?where=${encodeURIComponent('Name.StartsWith("S") || EmailAddress=="ap@kauri.example"')}&order=Name%20DESC`);
    expect(where.body.Contacts.map((c: { Name: string }) => c.Name)).toEqual(['Southern Cafe', 'Kauri Imports']);
    const ids = await fx.call('GET', `/Contacts?IDs=${fx.ledger.contacts[0]!.id},${fx.ledger.contacts[2]!.id}`);
    expect(ids.body.Contacts).toHaveLength(2);
  });

  it('lists payments and credit notes with Xero shapes', async () => {
    const p = await fx.call('GET', '/Payments');
    expect(p.status).toBe(200);
    expect(p.body.Payments[0]).toMatchObject({
      PaymentID: fx.ledger.payment.id,
      PaymentType: 'ACCRECPAYMENT',
      Status: 'AUTHORISED',
      Amount: 2645,
      CurrencyRate: 1,
      Date: `/Date(${Date.UTC(2024, 3, 10)}+0000)/`,
      Invoice: { InvoiceID: fx.ledger.invoices[3]!.id, InvoiceNumber: 'INV-00004' },
      Account: { Code: '090' },
    });
    const one = await fx.call('GET', `/Payments/${fx.ledger.payment.id}`);
    expect(one.body.Payments[0].PaymentID).toBe(fx.ledger.payment.id);
    const cn = await fx.call('GET', '/CreditNotes');
    expect(cn.body.CreditNotes[0]).toMatchObject({
      CreditNoteID: fx.ledger.creditNote.id,
      CreditNoteNumber: 'CN-00001',
      Type: 'ACCRECCREDIT',
      Status: 'AUTHORISED',
      Total: 200,
      RemainingCredit: 75,
      Allocations: [{ Amount: 125, Date: `/Date(${Date.UTC(2024, 4, 16)}+0000)/`, Invoice: { InvoiceID: fx.ledger.invoices[4]!.id, InvoiceNumber: 'INV-00005' } }],
    });
    const oneCn = await fx.call('GET', `/CreditNotes/${fx.ledger.creditNote.id}`);
    expect(oneCn.body.CreditNotes[0].LineItems).toHaveLength(1);
  });
});

describe('invoice lists', () => {
  const numbers = (r: { body: { Invoices: { InvoiceNumber: string }[] } }) => r.body.Invoices.map((i) => i.InvoiceNumber);

  it('applies where clauses real clients send', async () => {
    const q = async (where: string, extra = '') => numbers(await fx.call('GET', `/Invoices?where=${encodeURIComponent(where)}${extra}`));
    expect(await q('Type=="ACCREC" && Status=="AUTHORISED"')).toEqual(['INV-00001', 'INV-00002', 'INV-00005', 'INV-00007']);
    expect(await q(`Contact.ContactID==guid("${fx.ledger.contacts[1]!.id}")`)).toEqual(['INV-00003', 'INV-00004', 'INV-00005']);
    expect(await q('Date>=DateTime(2024,05,01) AND AmountDue>0')).toEqual(['INV-00002', 'INV-00003', 'INV-00005', 'INV-00007']);
    expect(await q('(Status=="PAID" OR Status=="VOIDED") && Total>=100.00')).toEqual(['INV-00004', 'INV-00006']);
    expect(await q('AmountDue==625.00')).toEqual(['INV-00005']);
    expect(await q('DueDate<DateTime(2024,06,15) && Status=="AUTHORISED"', '&order=DueDate%20DESC')).toEqual(['INV-00007', 'INV-00005', 'INV-00001']);
    expect(await q('Contact.Name.Contains("Cafe") && !(Status=="DRAFT")')).toEqual(['INV-00004', 'INV-00005']);
    expect(await q('CurrencyCode=="AUD"')).toEqual(['INV-00007']);
  });

  it('filters by Statuses, IDs, InvoiceNumbers and ContactIDs', async () => {
    expect(numbers(await fx.call('GET', '/Invoices?Statuses=DRAFT,VOIDED'))).toEqual(['INV-00003', 'INV-00006']);
    const ids = [fx.ledger.invoices[1]!.id, fx.ledger.invoices[6]!.id].join(',');
    const byIds = await fx.call('GET', `/Invoices?IDs=${ids}`);
    expect(numbers(byIds)).toEqual(['INV-00002', 'INV-00007']);
    expect(byIds.body.Invoices[0].LineItems).toHaveLength(1);
    expect(numbers(await fx.call('GET', '/Invoices?InvoiceNumbers=INV-00004,INV-00001'))).toEqual(['INV-00001', 'INV-00004']);
    expect(numbers(await fx.call('GET', `/Invoices?ContactIDs=${fx.ledger.contacts[2]!.id}`))).toEqual(['INV-00007']);
  });

  it('orders by several keys, stably', async () => {
    expect(numbers(await fx.call('GET', '/Invoices?order=Status%20ASC,%20Date%20DESC'))).toEqual(['INV-00002', 'INV-00007', 'INV-00005', 'INV-00001', 'INV-00003', 'INV-00004', 'INV-00006']);
    expect(numbers(await fx.call('GET', '/Invoices?order=Type'))).toEqual(['INV-00001', 'INV-00002', 'INV-00003', 'INV-00004', 'INV-00005', 'INV-00006', 'INV-00007']);
  });

  it('summaryOnly leaves out line items, payments and credit notes; unpaged lists carry no line items', async () => {
    const summary = await fx.call('GET', '/Invoices?summaryOnly=true&page=1');
    const paid = summary.body.Invoices.find((i: { InvoiceNumber: string }) => i.InvoiceNumber === 'INV-00004');
    expect(paid.LineItems).toBeUndefined();
    expect(paid.Payments).toBeUndefined();
    expect(paid.AmountPaid).toBe(2645);
    const unpaged = await fx.call('GET', '/Invoices');
    expect(unpaged.body.Invoices[0].LineItems).toEqual([]);
    expect(unpaged.body.pagination).toEqual({ page: 1, pageSize: 7, pageCount: 1, itemCount: 7 });
  });
});

describe('paging', () => {
  let pf: XeroFixture;
  beforeAll(async () => {
    pf = await startXeroFixture({ seed: false });
    const c = pf.store.createContact(pf.company.id, { name: 'Bulk Buyer' });
    for (let i = 0; i < 1234; i++) {
      pf.store.createInvoice(pf.company.id, { contactId: c.id, issueDate: '2024-01-01', dueDate: '2024-02-01', lines: [{ description: `Item ${i}`, unitAmount: 1000 + (i % 7) }] });
    }
  });
  afterAll(async () => {
    const result = validateRecorded(pf.recorded);
    pagingChecked = result.checked;
    await pf.close();
    expect(result.failures).toEqual([]);
  });

  it('pages 100 by default with line items, up to 1000 per page, and every invoice exactly once', async () => {
    const first = await pf.call('GET', '/Invoices?page=1');
    expect(first.body.pagination).toEqual({ page: 1, pageSize: 100, pageCount: 13, itemCount: 1234 });
    expect(first.body.Invoices).toHaveLength(100);
    expect(first.body.Invoices[0].LineItems).toHaveLength(1);
    const big = await pf.call('GET', '/Invoices?page=1&pageSize=5000');
    expect(big.body.pagination).toEqual({ page: 1, pageSize: 1000, pageCount: 2, itemCount: 1234 });
    const seen: string[] = [];
    for (let page = 1; ; page++) {
      const r = await pf.call('GET', `/Invoices?page=${page}&pageSize=500&order=Total%20DESC`);
      expect(r.status).toBe(200);
      seen.push(...r.body.Invoices.map((i: { InvoiceID: string }) => i.InvoiceID));
      if (page >= r.body.pagination.pageCount) {
        expect(r.body.Invoices).toHaveLength(234);
        break;
      }
    }
    expect(seen).toHaveLength(1234);
    expect(new Set(seen).size).toBe(1234);
    const past = await pf.call('GET', '/Invoices?page=99');
    expect(past.body.Invoices).toEqual([]);
    expect(past.body.pagination.itemCount).toBe(1234);
  });

  it('rejects a non-numeric or zero page with a validation error', async () => {
    for (const q of ['page=0', 'page=abc', 'pageSize=-5']) {
      const r = await pf.call('GET', `/Invoices?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.Type).toBe('ValidationException');
    }
  });
});

describe('If-Modified-Since', () => {
  it('returns only documents changed strictly after the instant', async () => {
    const inv = fx.ledger.invoices[1]!;
    const before = inv.updatedAt;
    const exact = await fx.call('GET', '/Invoices?order=UpdatedDateUTC%20ASC', { headers: { 'If-Modified-Since': new Date(before).toISOString() } });
    const ids = exact.body.Invoices.map((i: { InvoiceID: string }) => i.InvoiceID);
    expect(ids).not.toContain(inv.id);
    const justBefore = await fx.call('GET', '/Invoices', { headers: { 'If-Modified-Since': new Date(before - 1).toISOString() } });
    expect(justBefore.body.Invoices.map((i: { InvoiceID: string }) => i.InvoiceID)).toContain(inv.id);
    // A change moves the invoice past any earlier checkpoint.
    const checkpoint = fx.store.clock.peek();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await fx.call('POST', `/Invoices/${inv.id}`, { body: { Invoices: [{ Reference: 'changed' }] } });
    const after = await fx.call('GET', '/Invoices', { headers: { 'If-Modified-Since': new Date(checkpoint).toISOString() } });
    expect(after.body.Invoices.map((i: { InvoiceID: string }) => i.InvoiceID)).toEqual([inv.id]);
    const contacts = await fx.call('GET', '/Contacts', { headers: { 'If-Modified-Since': new Date(checkpoint).toISOString() } });
    expect(contacts.body.Contacts).toEqual([]);
    const payments = await fx.call('GET', '/Payments', { headers: { 'If-Modified-Since': new Date(checkpoint).toISOString() } });
    expect(payments.body.Payments).toEqual([]);
  });

  it('reads HTTP dates and rejects garbage', async () => {
    const http = await fx.call('GET', '/Invoices', { headers: { 'If-Modified-Since': 'Sat, 01 Jan 2050 00:00:00 GMT' } });
    expect(http.body.Invoices).toEqual([]);
    const bad = await fx.call('GET', '/Invoices', { headers: { 'If-Modified-Since': 'yesterday-ish' } });
    expect(bad.status).toBe(400);
  });
});

describe('writes', () => {
  it('creates a late-fee invoice (PUT), in DRAFT by default, with tracking and a number', async () => {
    const aroha = fx.ledger.contacts[0]!;
    const r = await fx.call('PUT', '/Invoices', {
      body: {
        Invoices: [
          {
            Type: 'ACCREC',
            Contact: { ContactID: aroha.id },
            Date: '2024-06-15',
            DueDate: '/Date(1719792000000+0000)/',
            Reference: 'Late fee INV-00001',
            LineAmountTypes: 'NoTax',
            LineItems: [{ Description: 'Late payment fee', Quantity: 1, UnitAmount: 28.76, AccountCode: '260', Tracking: [{ Name: 'region', Option: 'south' }] }],
            Url: 'https://arcus.example/invoices/1',
          },
        ],
      },
    });
    expect(r.status).toBe(200);
    const x = r.body.Invoices[0];
    expect(x).toMatchObject({ Status: 'DRAFT', InvoiceNumber: 'INV-00008', Total: 28.76, AmountDue: 28.76, LineAmountTypes: 'NoTax', DueDate: '/Date(1719792000000+0000)/', Url: 'https://arcus.example/invoices/1' });
    expect(x.LineItems[0].Tracking[0]).toMatchObject({ Name: 'Region', Option: 'South' });
    expect(fx.store.writes.at(-1)).toMatchObject({ provider: 'xero', method: 'PUT', status: 200, summary: expect.stringContaining('INV-00008') });
  });

  it('updates Url, Reference, DueDate and status (POST /Invoices/{id}); voids and deletes', async () => {
    const inv = fx.ledger.invoices[1]!;
    const r = await fx.call('POST', `/Invoices/${inv.id}`, { body: { Invoices: [{ InvoiceID: inv.id, Url: 'https://arcus.example/i/2', DueDate: '2024-07-15T00:00:00' }] } });
    expect(r.status).toBe(200);
    expect(r.body.Invoices[0]).toMatchObject({ Url: 'https://arcus.example/i/2', DueDate: `/Date(${Date.UTC(2024, 6, 15)}+0000)/` });
    const draft = fx.ledger.invoices[2]!;
    const approve = await fx.call('POST', '/Invoices', { body: { Invoices: [{ InvoiceID: draft.id, Status: 'AUTHORISED' }] } });
    expect(approve.body.Invoices[0].Status).toBe('AUTHORISED');
    const cantDelete = await fx.call('POST', `/Invoices/${draft.id}`, { body: { Status: 'DELETED' } });
    expect(cantDelete.status).toBe(400);
    expect(cantDelete.body.Elements[0].ValidationErrors[0].Message).toMatch(/void it instead/);
    const voided = await fx.call('POST', `/Invoices/${draft.id}`, { body: { Status: 'VOIDED' } });
    expect(voided.body.Invoices[0]).toMatchObject({ Status: 'VOIDED', AmountDue: 0 });
    const created = await fx.call('PUT', '/Invoices', { body: { Type: 'ACCREC', Contact: { Name: 'Brand New Customer Ltd' }, LineItems: [{ Description: 'x', UnitAmount: 1 }] } });
    expect(created.status).toBe(200);
    const newContactId = created.body.Invoices[0].Contact.ContactID;
    expect(fx.store.contact(fx.company.id, newContactId).name).toBe('Brand New Customer Ltd');
    const deleted = await fx.call('POST', `/Invoices/${created.body.Invoices[0].InvoiceID}`, { body: { Invoices: [{ Status: 'DELETED' }] } });
    expect(deleted.body.Invoices[0].Status).toBe('DELETED');
  });

  it('adds and reads history notes', async () => {
    const inv = fx.ledger.invoices[0]!;
    const put = await fx.call('PUT', `/Invoices/${inv.id}/History`, { body: { HistoryRecords: [{ Details: 'Reminder 1 sent by Arcus' }] } });
    expect(put.status).toBe(200);
    expect(put.body.HistoryRecords[0]).toMatchObject({ Details: 'Reminder 1 sent by Arcus', DateUTC: expect.stringMatching(/^\/Date\(\d+\+0000\)\/$/) });
    const get = await fx.call('GET', `/Invoices/${inv.id}/History`);
    expect(get.body.HistoryRecords[0]).toMatchObject({ Changes: 'Note', Details: 'Reminder 1 sent by Arcus', User: expect.any(String), DateUTCString: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/) });
    expect(get.body.HistoryRecords.at(-1).Changes).toBe('Created');
  });

  it('gives an online invoice link for approved invoices only', async () => {
    const ok = await fx.call('GET', `/Invoices/${fx.ledger.invoices[0]!.id}/OnlineInvoice`);
    expect(ok.status).toBe(200);
    expect(ok.body.OnlineInvoices[0].OnlineInvoiceUrl).toMatch(new RegExp(`^${fx.base}/xero/in/[A-Za-z0-9_-]{40}$`));
    const again = await fx.call('GET', `/Invoices/${fx.ledger.invoices[0]!.id}/OnlineInvoice`);
    expect(again.body.OnlineInvoices[0].OnlineInvoiceUrl).toBe(ok.body.OnlineInvoices[0].OnlineInvoiceUrl);
    const paid = await fx.call('GET', `/Invoices/${fx.ledger.invoices[3]!.id}/OnlineInvoice`);
    expect(paid.status).toBe(200);
    const voided = await fx.call('GET', `/Invoices/${fx.ledger.invoices[5]!.id}/OnlineInvoice`);
    expect(voided.status).toBe(400);
    expect(voided.body.Type).toBe('ValidationException');
  });

  it('records payments, deletes them, and reopens the invoice', async () => {
    const inv = fx.ledger.invoices[6]!; // AUD 999.99
    const put = await fx.call('PUT', '/Payments', { body: { Payments: [{ Invoice: { InvoiceID: inv.id }, Account: { Code: '091' }, Date: '2024-06-12', Amount: 999.99, Reference: 'wire' }] } });
    expect(put.status).toBe(200);
    expect(put.body.Payments[0]).toMatchObject({ Amount: 999.99, Account: { Code: '091' }, Status: 'AUTHORISED', Reference: 'wire', CurrencyRate: 1.087 });
    const paymentId = put.body.Payments[0].PaymentID;
    expect(fx.store.invoice(fx.company.id, inv.id).status).toBe('PAID');
    const del = await fx.call('POST', `/Payments/${paymentId}`, { body: { Status: 'DELETED' } });
    expect(del.status).toBe(200);
    expect(del.body.Payments[0].Status).toBe('DELETED');
    expect(fx.store.invoice(fx.company.id, inv.id)).toMatchObject({ status: 'AUTHORISED', amountDue: 99_999 });
    const notAllowed = await fx.call('POST', `/Payments/${paymentId}`, { body: { Status: 'AUTHORISED' } });
    expect(notAllowed.status).toBe(400);
  });

  it('creates credit notes and allocates them', async () => {
    const southern = fx.ledger.contacts[1]!;
    const cn = await fx.call('PUT', '/CreditNotes', {
      body: { CreditNotes: [{ Type: 'ACCRECCREDIT', Contact: { ContactID: southern.id }, Date: '2024-06-14', Status: 'AUTHORISED', LineItems: [{ Description: 'Goodwill', Quantity: 1, UnitAmount: 50 }] }] },
    });
    expect(cn.status).toBe(200);
    expect(cn.body.CreditNotes[0]).toMatchObject({ Type: 'ACCRECCREDIT', Status: 'AUTHORISED', Total: 50, RemainingCredit: 50 });
    const id = cn.body.CreditNotes[0].CreditNoteID;
    const target = fx.ledger.invoices[4]!;
    const alloc = await fx.call('PUT', `/CreditNotes/${id}/Allocations`, { body: { Allocations: [{ Amount: 50, Invoice: { InvoiceID: target.id }, Date: '2024-06-14' }] } });
    expect(alloc.status).toBe(200);
    expect(alloc.body.Allocations[0]).toMatchObject({ Amount: 50, Invoice: { InvoiceID: target.id }, Date: `/Date(${Date.UTC(2024, 5, 14)}+0000)/` });
    expect(fx.store.invoice(fx.company.id, target.id).amountDue).toBe(57_500);
    const after = await fx.call('GET', `/CreditNotes/${id}`);
    expect(after.body.CreditNotes[0]).toMatchObject({ Status: 'PAID', RemainingCredit: 0 });
    const overAllocate = await fx.call('PUT', `/CreditNotes/${fx.ledger.creditNote.id}/Allocations`, { body: { Allocations: [{ Amount: 80, Invoice: { InvoiceID: target.id } }] } });
    expect(overAllocate.status).toBe(400);
    expect(overAllocate.body.Elements[0].ValidationErrors[0].Message).toMatch(/exceeds the credit remaining/);
  });

  it('lists the chart of accounts, filtered by where (the bank account payments go into)', async () => {
    const all = await fx.call('GET', '/Accounts');
    expect(all.status).toBe(200);
    expect(all.body.Accounts.map((a: { Code: string }) => a.Code)).toEqual(['090', '200', '260', '610']);
    const bank = await fx.call('GET', '/Accounts?where=Type%3D%3D%22BANK%22');
    expect(bank.body.Accounts).toHaveLength(1);
    expect(bank.body.Accounts[0]).toMatchObject({ Code: '090', Type: 'BANK', BankAccountType: 'BANK', CurrencyCode: 'NZD', Status: 'ACTIVE' });
    const one = await fx.call('GET', `/Accounts/${bank.body.Accounts[0].AccountID}`);
    expect(one.body.Accounts[0].Code).toBe('090');
  });

  it('deletes a credit note allocation (the invoice is due again), then voids the credit note', async () => {
    const aroha = fx.ledger.contacts[0]!;
    const target = fx.ledger.invoices[1]!;
    const due = fx.store.invoice(fx.company.id, target.id).amountDue;
    const cn = await fx.call('PUT', '/CreditNotes', {
      body: { CreditNotes: [{ Type: 'ACCRECCREDIT', Contact: { ContactID: aroha.id }, Status: 'AUTHORISED', LineAmountTypes: 'NoTax', LineItems: [{ Description: 'Discount', Quantity: 1, UnitAmount: 20 }] }] },
    });
    expect(cn.body.CreditNotes[0].LineAmountTypes).toBe('NoTax');
    const id = cn.body.CreditNotes[0].CreditNoteID;
    const alloc = await fx.call('PUT', `/CreditNotes/${id}/Allocations`, { body: { Allocations: [{ Amount: 20, Invoice: { InvoiceID: target.id } }] } });
    const allocationId = alloc.body.Allocations[0].AllocationID;
    expect(fx.store.invoice(fx.company.id, target.id).amountDue).toBe(due - 2000);
    const refused = await fx.call('POST', `/CreditNotes/${id}`, { body: { CreditNotes: [{ Status: 'VOIDED' }] } });
    expect(refused.status).toBe(400);
    const del = await fx.call('DELETE', `/CreditNotes/${id}/Allocations/${allocationId}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ AllocationID: allocationId, Amount: 20, IsDeleted: true, Invoice: { InvoiceID: target.id } });
    expect(fx.store.invoice(fx.company.id, target.id).amountDue).toBe(due);
    expect((await fx.call('DELETE', `/CreditNotes/${id}/Allocations/${allocationId}`)).status).toBe(404);
    const voided = await fx.call('POST', `/CreditNotes/${id}`, { body: { CreditNotes: [{ Status: 'VOIDED' }] } });
    expect(voided.body.CreditNotes[0]).toMatchObject({ Status: 'VOIDED', Allocations: [] });
  });

  it('creates and updates contacts, keeping names unique', async () => {
    const put = await fx.call('PUT', '/Contacts', {
      body: { Contacts: [{ Name: 'Totara Farms', FirstName: 'Tane', EmailAddress: 'tane@totara.example', Phones: [{ PhoneType: 'DEFAULT', PhoneAreaCode: '07', PhoneNumber: '555 1234' }], Addresses: [{ AddressType: 'STREET', AddressLine1: '5 Farm Rd', City: 'Hamilton' }] }] },
    });
    expect(put.status).toBe(200);
    const c = put.body.Contacts[0];
    expect(c).toMatchObject({ Name: 'Totara Farms', FirstName: 'Tane', EmailAddress: 'tane@totara.example', IsCustomer: true, ContactStatus: 'ACTIVE' });
    expect(c.Phones[0].PhoneNumber).toBe('07 555 1234');
    expect(c.Addresses[0]).toMatchObject({ AddressLine1: '5 Farm Rd', City: 'Hamilton' });
    const dup = await fx.call('PUT', '/Contacts', { body: { Contacts: [{ Name: 'totara farms' }] } });
    expect(dup.status).toBe(400);
    expect(dup.body.Elements[0].ValidationErrors[0].Message).toMatch(/already assigned to another contact/);
    const upd = await fx.call('POST', `/Contacts/${c.ContactID}`, { body: { Contacts: [{ ContactID: c.ContactID, EmailAddress: 'ar@totara.example', ContactPersons: [{ FirstName: 'Ana', LastName: 'Reti', EmailAddress: 'ana@totara.example', IncludeInEmails: true }] }] } });
    expect(upd.status).toBe(200);
    expect(upd.body.Contacts[0]).toMatchObject({ EmailAddress: 'ar@totara.example', FirstName: 'Tane' });
    expect(upd.body.Contacts[0].ContactPersons).toHaveLength(1);
    const archive = await fx.call('POST', '/Contacts', { body: { Contacts: [{ ContactID: c.ContactID, ContactStatus: 'ARCHIVED' }] } });
    expect(archive.body.Contacts[0].ContactStatus).toBe('ARCHIVED');
    const list = await fx.call('GET', '/Contacts');
    expect(list.body.Contacts.map((x: { ContactID: string }) => x.ContactID)).not.toContain(c.ContactID);
    const withArchived = await fx.call('GET', '/Contacts?includeArchived=true');
    expect(withArchived.body.Contacts.map((x: { ContactID: string }) => x.ContactID)).toContain(c.ContactID);
  });

  it('with summarizeErrors=false reports each element as OK or ERROR', async () => {
    const r = await fx.call('PUT', '/Invoices?summarizeErrors=false', {
      body: {
        Invoices: [
          { Type: 'ACCREC', Contact: { ContactID: fx.ledger.contacts[0]!.id }, LineItems: [{ Description: 'ok', UnitAmount: 10 }] },
          { Type: 'ACCREC', Contact: { ContactID: fx.ledger.contacts[0]!.id }, LineItems: [{ Description: 'bad', Quantity: -1, UnitAmount: 10 }] },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.Invoices.map((i: { StatusAttributeString: string }) => i.StatusAttributeString)).toEqual(['OK', 'ERROR']);
    expect(r.body.Invoices[1].ValidationErrors[0].Message).toMatch(/Quantity cannot be negative/);
  });
});

describe('idempotency', () => {
  it('replays the same key + body without a second invoice; another body under the key is a 400', async () => {
    const body = { Invoices: [{ Type: 'ACCREC', Contact: { ContactID: fx.ledger.contacts[1]!.id }, Status: 'AUTHORISED', DueDate: '2024-07-01', LineItems: [{ Description: 'Late fee', UnitAmount: 15 }] }] };
    const headers = { 'Idempotency-Key': 'late-fee:inv-00005:1' };
    const count = fx.store.invoices.size;
    const first = await fx.call('PUT', '/Invoices', { body, headers });
    const second = await fx.call('PUT', '/Invoices', { body, headers });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(fx.store.invoices.size).toBe(count + 1);
    const other = await fx.call('PUT', '/Invoices', { body: { ...body, Invoices: [{ ...body.Invoices[0], Reference: 'x' }] }, headers });
    expect(other.status).toBe(400);
    expect(JSON.stringify(other.body)).toMatch(/Idempotency-Key/);
    expect(fx.store.invoices.size).toBe(count + 1);
    // The same key on another path is a different request.
    const hist = await fx.call('PUT', `/Invoices/${first.body.Invoices[0].InvoiceID}/History`, { body: { HistoryRecords: [{ Details: 'x' }] }, headers });
    expect(hist.status).toBe(200);
    const tooLong = await fx.call('PUT', '/Invoices', { body, headers: { 'Idempotency-Key': 'k'.repeat(129) } });
    expect(tooLong.status).toBe(400);
  });
});

describe('bad input is a 4xx with Xero shapes, never a 500', () => {
  const validation = (r: { status: number; body: { ErrorNumber: number; Type: string; Message: string; Elements: { ValidationErrors: { Message: string }[] }[] } }) => {
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred' });
    return r.body.Elements.flatMap((e) => e.ValidationErrors.map((v) => v.Message));
  };

  it('malformed where / order → QueryParseException', async () => {
    for (const where of ['Status==', 'Foo=="x"', 'Status=="AUTHORISED" &&', '(Status=="PAID"', 'Date>="2024-01-01"', 'AmountDue>0 OR', 'Contact.ContactID==guid("nope")', 'Date>=DateTime(2024,13,01)', '"unterminated', 'Status=="A" $ 1', 'Total']) {
      const r = await fx.call('GET', `/Invoices?where=${encodeURIComponent(where)}`);
      expect(r.status, where).toBe(400);
      expect(r.body, where).toMatchObject({ ErrorNumber: 16, Type: 'QueryParseException', Message: expect.any(String) });
    }
    const order = await fx.call('GET', '/Invoices?order=Nope%20ASC');
    expect(order.body.Type).toBe('QueryParseException');
    const dir = await fx.call('GET', '/Payments?order=Date%20SIDEWAYS');
    expect(dir.status).toBe(400);
  });

  it('unknown ids → 404 with Xero plain text; unknown routes → JSON 404', async () => {
    for (const path of [`/Invoices/${crypto.randomUUID()}`, '/Invoices/INV-99999', `/Contacts/${crypto.randomUUID()}`, `/Payments/${crypto.randomUUID()}`, `/CreditNotes/${crypto.randomUUID()}`, `/Invoices/${crypto.randomUUID()}/History`]) {
      const r = await fx.call('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.text).toBe("The resource you're looking for cannot be found");
    }
    const post = await fx.call('POST', `/Invoices/${crypto.randomUUID()}`, { body: { Reference: 'x' } });
    expect(post.status).toBe(404);
    const route = await fx.call('GET', '/Nope');
    expect(route.status).toBe(404);
    expect(route.body).toMatchObject({ Status: 404, Title: 'Not Found' });
    const method = await fx.call('DELETE', '/Invoices');
    expect(method.status).toBe(404);
  });

  it('invalid invoice bodies list every problem', async () => {
    const contact = { ContactID: fx.ledger.contacts[0]!.id };
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [{ Type: 'ACCREC', Contact: contact, LineItems: [{ Description: 'x', Quantity: -2, UnitAmount: 5 }] }] } }))).toEqual([
      'Line 1: Quantity cannot be negative',
    ]);
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [{ Type: 'ACCREC', LineItems: [{ Description: 'x', UnitAmount: 5 }] }] } }))).toEqual([
      'A Contact must be specified for this type of transaction',
    ]);
    const many = validation(await fx.call('PUT', '/Invoices', { body: { Type: 'ACCPAY', Contact: contact, Status: 'PENDING', Date: '2024-02-30', Url: 'not a url', LineItems: [{ UnitAmount: 1.23456 }] } }));
    expect(many).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Type must be ACCREC/),
        expect.stringMatching(/Status "PENDING" is not a valid invoice status/),
        expect.stringMatching(/Date is not a valid date/),
        expect.stringMatching(/Url must be an absolute/),
        expect.stringMatching(/more than 4 decimal places/),
        expect.stringMatching(/Description cannot be empty/),
      ]),
    );
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [{ Type: 'ACCREC', Contact: { ContactID: crypto.randomUUID() }, LineItems: [{ Description: 'x', UnitAmount: 1 }] }] } }))[0]).toMatch(/could not be found/);
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [{ Type: 'ACCREC', Contact: contact, InvoiceNumber: 'INV-00001', LineItems: [{ Description: 'x', UnitAmount: 1 }] }] } }))).toEqual(['Invoice # must be unique.']);
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [] } }))[0]).toMatch(/No data has been processed/);
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [{ Type: 'ACCREC', Contact: contact, CurrencyCode: 'EUR', LineItems: [{ Description: 'x', UnitAmount: 1 }] }] } }))).toEqual([
      'Organisation is not subscribed to currency EUR',
    ]);
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [{ Type: 'ACCREC', Contact: contact, LineItems: [{ Description: 'x', UnitAmount: 1, Tracking: [{ Name: 'Colour', Option: 'Red' }] }] }] } }))[0]).toMatch(
      /Tracking category "Colour" does not exist/,
    );
    expect(validation(await fx.call('PUT', '/Invoices', { body: { Invoices: [{ Type: 'ACCREC', Contact: contact, LineItems: [{ Description: 'x', UnitAmount: 'ten' }] }] } }))[0]).toMatch(/UnitAmount must be a number/);
    expect(validation(await fx.call('POST', `/Invoices/${fx.ledger.invoices[0]!.id}`, { body: { Status: 'PAID' } }))[0]).toMatch(/PAID by payments/);
    expect(validation(await fx.call('POST', `/Invoices/${fx.ledger.invoices[3]!.id}`, { body: { LineItems: [{ Description: 'x', UnitAmount: 1 }] } }))[0]).toMatch(/payments or credits/);
  });

  it('invalid payment, credit note, history and contact bodies', async () => {
    const inv = fx.ledger.invoices[0]!;
    expect(validation(await fx.call('PUT', '/Payments', { body: { Payments: [{ Invoice: { InvoiceID: inv.id }, Account: { Code: '090' }, Amount: 999_999 }] } }))[0]).toMatch(/exceeds/);
    expect(validation(await fx.call('PUT', '/Payments', { body: { Payments: [{ Invoice: { InvoiceID: inv.id }, Amount: 1 }] } }))[0]).toMatch(/Account/);
    expect(validation(await fx.call('PUT', '/Payments', { body: { Payments: [{ Account: { Code: '090' }, Amount: 1 }] } }))[0]).toMatch(/Invoice/);
    expect(validation(await fx.call('PUT', '/Payments', { body: { Payments: [{ Invoice: { InvoiceID: inv.id }, Account: { Code: '090' }, Amount: -5 }] } }))[0]).toMatch(/greater than zero/);
    expect(validation(await fx.call('PUT', '/Payments', { body: { Payments: [{ Invoice: { InvoiceID: fx.ledger.invoices[5]!.id }, Account: { Code: '090' }, Amount: 5 }] } }))[0]).toMatch(/VOIDED/);
    expect(validation(await fx.call('PUT', '/Payments', { body: { Payments: [{ Invoice: { InvoiceID: inv.id }, Account: { Code: '090' }, Amount: 5, Date: '2020-01-01' }] } }))[0]).toMatch(/before the invoice/);
    expect(validation(await fx.call('PUT', `/Invoices/${inv.id}/History`, { body: { HistoryRecords: [{ Details: 'x'.repeat(251) }] } }))[0]).toMatch(/250 characters/);
    expect(validation(await fx.call('PUT', `/Invoices/${inv.id}/History`, { body: { HistoryRecords: [{}] } }))[0]).toMatch(/Details is required/);
    expect(validation(await fx.call('PUT', '/CreditNotes', { body: { CreditNotes: [{ Type: 'ACCRECCREDIT', Contact: { ContactID: fx.ledger.contacts[0]!.id }, Status: 'SUBMITTED', LineItems: [{ Description: 'x', UnitAmount: 1 }] }] } }))[0]).toMatch(
      /DRAFT or AUTHORISED/,
    );
    expect(validation(await fx.call('PUT', '/Contacts', { body: { Contacts: [{ Name: 'X', EmailAddress: 'not-an-email' }] } }))).toEqual(['Email address must be valid.']);
    expect(validation(await fx.call('PUT', '/Contacts', { body: { Contacts: [{ FirstName: 'No name' }] } }))).toEqual(['Name is required']);
  });

  it('a malformed JSON body → 400 PostDataInvalidException', async () => {
    const r = await fx.call('PUT', '/Invoices', { rawBody: '{"Invoices": [' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ Type: 'PostDataInvalidException' });
    const scalar = await fx.call('PUT', '/Invoices', { rawBody: '"text"' });
    expect(scalar.status).toBe(400);
    const notObject = await fx.call('PUT', '/Invoices', { body: { Invoices: [1, 2] } });
    expect(notObject.status).toBe(400);
    expect(notObject.body.Type).toBe('ValidationException');
  });
});
