/**
 * The real SDK against the sandbox: xero-node 20 with only `accountingApi.basePath` changed
 * (no initialize(): it would discover OpenID config from Xero's own host).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Allocation, type Allocations, CreditNote, type CreditNotes, type HistoryRecords, Invoice, type Invoices, LineAmountTypes, type Payment, XeroClient } from 'xero-node';
import { validateRecorded } from './xero-contract';
import { startXeroFixture, type XeroFixture } from './xero-fixture';

let fx: XeroFixture;
let xero: XeroClient;
let tenant: string;

beforeAll(async () => {
  fx = await startXeroFixture();
  tenant = fx.company.id;
  xero = new XeroClient({ clientId: 'c', clientSecret: 's', redirectUris: ['http://127.0.0.1/callback'], scopes: ['openid', 'accounting.transactions', 'accounting.contacts', 'accounting.settings'] });
  xero.setTokenSet({ access_token: fx.grant.accessToken, token_type: 'Bearer', refresh_token: fx.grant.refreshToken, expires_at: Math.floor(fx.grant.accessExpiresAt / 1000) });
  xero.accountingApi.basePath = fx.api;
});

afterAll(async () => {
  const result = validateRecorded(fx.recorded);
  await fx.close();
  console.info(`[xero contract] xero-node: validated ${result.checked} responses ${JSON.stringify(result.bySchema)}`);
  expect(result.failures).toEqual([]);
});

/** xero-node rejects with a JSON string holding the response. */
async function sdkError(p: Promise<unknown>): Promise<{ response: { statusCode: number; body: unknown } }> {
  try {
    await p;
  } catch (e) {
    return JSON.parse(e as string);
  }
  throw new Error('expected the SDK call to fail');
}

describe('xero-node through the sandbox', () => {
  it('getOrganisations', async () => {
    const { body } = await xero.accountingApi.getOrganisations(tenant);
    const org = body.organisations![0]!;
    expect(org.organisationID).toBe(tenant);
    expect(org.name).toBe('Harbour Accounting Ltd');
    expect(String(org.baseCurrency)).toBe('NZD');
    expect(String(org.timezone)).toBe('NEWZEALANDSTANDARDTIME');
    expect(org.createdDateUTC).toBeDefined();
  });

  it('getContacts with paging and where', async () => {
    const { body } = await xero.accountingApi.getContacts(tenant, undefined, 'IsCustomer==true', 'Name ASC', undefined, 1, false, false, undefined, 2);
    expect(body.contacts!.map((c) => c.name)).toEqual(['Aroha Builders', 'Kauri Imports']);
    expect(body.pagination).toEqual({ page: 1, pageSize: 2, pageCount: 2, itemCount: 3 });
    expect(body.contacts![0]!.balances?.accountsReceivable?.outstanding).toBe(3676.15);
  });

  it('getInvoices with where/order/page/pageSize, summaryOnly and ifModifiedSince', async () => {
    const { body } = await xero.accountingApi.getInvoices(
      tenant,
      undefined,
      'Type=="ACCREC" AND Status=="AUTHORISED" AND AmountDue>0',
      'DueDate ASC',
      undefined,
      undefined,
      undefined,
      undefined,
      1,
      undefined,
      undefined,
      undefined,
      undefined,
      2,
    );
    expect(body.invoices!.map((i) => i.invoiceNumber)).toEqual(['INV-00001', 'INV-00005']);
    expect(body.pagination).toMatchObject({ page: 1, pageSize: 2, pageCount: 2, itemCount: 4 });
    const first = body.invoices![0]!;
    expect(first.amountDue).toBe(2876.15);
    expect(first.dueDate).toEqual(new Date(Date.UTC(2024, 3, 30)));
    expect(first.lineItems![0]!.unitAmount).toBe(1250.5);
    expect(first.updatedDateUTC).toEqual(new Date(fx.ledger.invoices[0]!.updatedAt));

    const summary = await xero.accountingApi.getInvoices(tenant, undefined, undefined, undefined, undefined, undefined, undefined, ['PAID'], undefined, undefined, undefined, undefined, true);
    expect(summary.body.invoices!.map((i) => i.invoiceNumber)).toEqual(['INV-00004']);
    expect(summary.body.invoices![0]!.lineItems).toBeUndefined();

    // The void of INV-00006 was the last change in the seed.
    const last = [...fx.store.invoices.values()].reduce((a, b) => (b.updatedAt > a.updatedAt ? b : a));
    expect(last.number).toBe('INV-00006');
    const modified = await xero.accountingApi.getInvoices(tenant, new Date(last.updatedAt - 1));
    expect(modified.body.invoices!.map((i) => i.invoiceNumber)).toEqual(['INV-00006']);
    const exact = await xero.accountingApi.getInvoices(tenant, new Date(last.updatedAt));
    expect(exact.body.invoices).toEqual([]);

    const byIds = await xero.accountingApi.getInvoices(tenant, undefined, undefined, undefined, [fx.ledger.invoices[1]!.id, fx.ledger.invoices[2]!.id]);
    expect(byIds.body.invoices!.map((i) => i.invoiceNumber)).toEqual(['INV-00002', 'INV-00003']);
  });

  it('createInvoices (idempotent), updateInvoice (Url), createInvoiceHistory, getOnlineInvoice', async () => {
    const lateFee: Invoice = {
      type: Invoice.TypeEnum.ACCREC,
      contact: { contactID: fx.ledger.contacts[0]!.id },
      date: '2024-06-15',
      dueDate: '2024-06-29',
      lineAmountTypes: LineAmountTypes.NoTax,
      reference: 'Late fee for INV-00001',
      status: Invoice.StatusEnum.AUTHORISED,
      lineItems: [{ description: 'Late payment fee (1%)', quantity: 1, unitAmount: 28.76, accountCode: '260' }],
    };
    const payload: Invoices = { invoices: [lateFee] };
    const before = fx.store.invoices.size;
    const created = await xero.accountingApi.createInvoices(tenant, payload, true, undefined, 'arcus:late-fee:inv-00001:1');
    const again = await xero.accountingApi.createInvoices(tenant, payload, true, undefined, 'arcus:late-fee:inv-00001:1');
    expect(fx.store.invoices.size).toBe(before + 1);
    const inv = created.body.invoices![0]!;
    expect(again.body.invoices![0]!.invoiceID).toBe(inv.invoiceID);
    expect(inv).toMatchObject({ invoiceNumber: 'INV-00008', total: 28.76, amountDue: 28.76, status: 'AUTHORISED' });
    expect(inv.date).toEqual(new Date(Date.UTC(2024, 5, 15)));

    const updated = await xero.accountingApi.updateInvoice(tenant, inv.invoiceID!, { invoices: [{ url: 'https://arcus.example/portal/inv-00008' }] }, undefined, 'arcus:url:inv-00008');
    expect(updated.body.invoices![0]!.url).toBe('https://arcus.example/portal/inv-00008');
    expect(fx.store.invoice(tenant, inv.invoiceID!).url).toBe('https://arcus.example/portal/inv-00008');

    const history: HistoryRecords = { historyRecords: [{ details: 'Late fee raised by Arcus' }] };
    const note = await xero.accountingApi.createInvoiceHistory(tenant, inv.invoiceID!, history, 'arcus:note:1');
    expect(note.body.historyRecords![0]!.details).toBe('Late fee raised by Arcus');
    const notes = await xero.accountingApi.getInvoiceHistory(tenant, inv.invoiceID!);
    expect(notes.body.historyRecords!.map((h) => h.details)).toContain('Late fee raised by Arcus');

    const online = await xero.accountingApi.getOnlineInvoice(tenant, inv.invoiceID!);
    expect(online.body.onlineInvoices![0]!.onlineInvoiceUrl).toMatch(/\/xero\/in\/[A-Za-z0-9_-]{40}$/);
  });

  it('round-trips a fetched invoice and contact through updateInvoice / updateContact', async () => {
    const paidId = fx.ledger.invoices[3]!.id;
    const fetched = (await xero.accountingApi.getInvoice(tenant, paidId)).body.invoices![0]!;
    const before = fx.store.invoice(tenant, paidId);
    const updatedAt = before.updatedAt;
    // Unchanged: nothing is written (a PAID invoice's lines cannot change, but the same lines are fine).
    const same = await xero.accountingApi.updateInvoice(tenant, paidId, { invoices: [fetched] });
    expect(same.body.invoices![0]!.status).toBe('PAID');
    expect(fx.store.invoice(tenant, paidId).updatedAt).toBe(updatedAt);
    const changed = await xero.accountingApi.updateInvoice(tenant, paidId, { invoices: [{ ...fetched, reference: 'Paid by DD' }] });
    expect(changed.body.invoices![0]!.reference).toBe('Paid by DD');
    expect(fx.store.invoice(tenant, paidId).lines.map((l) => l.id)).toEqual(before.lines.map((l) => l.id));

    const contact = (await xero.accountingApi.getContact(tenant, fx.ledger.contacts[0]!.id)).body.contacts![0]!;
    const contactUpdatedAt = fx.store.contact(tenant, contact.contactID!).updatedAt;
    await xero.accountingApi.updateContact(tenant, contact.contactID!, { contacts: [contact] });
    expect(fx.store.contact(tenant, contact.contactID!).updatedAt).toBe(contactUpdatedAt);
    const renamed = await xero.accountingApi.updateContact(tenant, contact.contactID!, { contacts: [{ ...contact, emailAddress: 'ar@aroha.example' }] });
    expect(renamed.body.contacts![0]!).toMatchObject({ emailAddress: 'ar@aroha.example', name: 'Aroha Builders' });
    expect(fx.store.contact(tenant, contact.contactID!)).toMatchObject({ email: 'ar@aroha.example', phone: '09 555 0101', address: { line1: '1 Queen St' } });
  });

  it('createPayment, getPayments, deletePayment', async () => {
    const target = fx.ledger.invoices[1]!;
    const payment: Payment = { invoice: { invoiceID: target.id }, account: { code: '090' }, date: '2024-06-14', amount: 300.25, reference: 'Part payment' };
    const created = await xero.accountingApi.createPayment(tenant, payment, 'arcus:payment:1');
    const p = created.body.payments![0]!;
    expect(p).toMatchObject({ amount: 300.25, reference: 'Part payment', status: 'AUTHORISED' });
    expect(fx.store.invoice(tenant, target.id).amountDue).toBe(80_000 - 30_025);
    const list = await xero.accountingApi.getPayments(tenant, undefined, `Invoice.InvoiceID==guid("${target.id}")`, 'Date DESC', 1, 100);
    expect(list.body.payments!.map((x) => x.paymentID)).toEqual([p.paymentID]);
    expect(list.body.payments![0]!.invoice?.invoiceNumber).toBe('INV-00002');
    const deleted = await xero.accountingApi.deletePayment(tenant, p.paymentID!, { status: 'DELETED' });
    expect(deleted.body.payments![0]!.status).toBe('DELETED');
    expect(fx.store.invoice(tenant, target.id).amountDue).toBe(80_000);
  });

  it('createCreditNotes, createCreditNoteAllocation, getCreditNotes', async () => {
    const cn: CreditNote = {
      type: CreditNote.TypeEnum.ACCRECCREDIT,
      contact: { contactID: fx.ledger.contacts[0]!.id },
      date: '2024-06-15',
      status: CreditNote.StatusEnum.AUTHORISED,
      lineItems: [{ description: 'Goodwill credit', quantity: 2, unitAmount: 12.5 }],
    };
    const payload: CreditNotes = { creditNotes: [cn] };
    const created = await xero.accountingApi.createCreditNotes(tenant, payload, true, undefined, 'arcus:credit:1');
    const note = created.body.creditNotes![0]!;
    expect(note).toMatchObject({ total: 25, remainingCredit: 25, status: 'AUTHORISED' });
    const allocation: Allocation = { amount: 25, date: '2024-06-15', invoice: { invoiceID: fx.ledger.invoices[0]!.id } };
    const allocations: Allocations = { allocations: [allocation] };
    const allocated = await xero.accountingApi.createCreditNoteAllocation(tenant, note.creditNoteID!, allocations, true, 'arcus:alloc:1');
    expect(allocated.body.allocations![0]!.amount).toBe(25);
    expect(fx.store.invoice(tenant, fx.ledger.invoices[0]!.id).amountDue).toBe(287_615 - 2_500);
    const list = await xero.accountingApi.getCreditNotes(tenant, undefined, 'Status=="PAID"', 'Date DESC', 1);
    expect(list.body.creditNotes!.map((c) => c.creditNoteID)).toEqual([note.creditNoteID]);
    expect(list.body.creditNotes![0]!.allocations![0]!.invoice.invoiceNumber).toBe('INV-00001');
  });

  it('surfaces Xero errors the way the SDK does', async () => {
    const notFound = await sdkError(xero.accountingApi.getInvoice(tenant, crypto.randomUUID()));
    expect(notFound.response.statusCode).toBe(404);
    const bad = await sdkError(xero.accountingApi.getInvoices(tenant, undefined, 'Status=='));
    expect(bad.response.statusCode).toBe(400);
    expect(bad.response.body).toMatchObject({ Type: 'QueryParseException' });
    const invalid = await sdkError(
      xero.accountingApi.createInvoices(tenant, { invoices: [{ type: Invoice.TypeEnum.ACCREC, contact: { contactID: fx.ledger.contacts[0]!.id }, lineItems: [{ description: 'x', quantity: -1, unitAmount: 1 }] }] }),
    );
    expect(invalid.response.statusCode).toBe(400);
    expect(invalid.response.body).toMatchObject({ Type: 'ValidationException', Elements: [{ ValidationErrors: [{ Message: 'Line 1: Quantity cannot be negative' }] }] });
    const other = new XeroClient({ clientId: 'c', clientSecret: 's', redirectUris: ['http://127.0.0.1/cb'], scopes: ['openid'] });
    other.setTokenSet({ access_token: 'not-a-token', token_type: 'Bearer' });
    other.accountingApi.basePath = fx.api;
    const unauthorised = await sdkError(other.accountingApi.getOrganisations(tenant));
    expect(unauthorised.response.statusCode).toBe(401);
    expect(unauthorised.response.body).toMatchObject({ Title: 'Unauthorized', Detail: 'AuthenticationUnsuccessful' });
  });
});
