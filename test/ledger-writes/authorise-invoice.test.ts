/**
 * Issue #21: `authoriseInvoice` against the sandbox ledger over HTTP, through the real SDKs. Xero: a
 * DRAFT (or SUBMITTED) invoice becomes AUTHORISED; the same key again, or a second approval, changes
 * nothing; a voided one is refused in words. QuickBooks (no approval state): an invoice not yet
 * emailed is marked NeedToSend, read back as approved for sending; once sent it is left as it is.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../kernel/dates';
import { companyToday, openInvoice, rejection, startWritesFixture, type WritesFixture } from './helpers';

let fx: WritesFixture;

beforeAll(async () => {
  fx = await startWritesFixture();
});
afterAll(async () => fx?.close());

function draft(status: 'DRAFT' | 'SUBMITTED') {
  const companyId = fx.xero.companyId;
  const base = openInvoice(fx.store, companyId);
  const today = companyToday(fx.store, companyId);
  return fx.store.createInvoice(companyId, { contactId: base.contactId, issueDate: today, dueDate: addDays(today, 30), lines: [{ description: 'Advisory', unitAmount: 12_500, taxAmount: 0 }], status, lineAmountTypes: 'NoTax' });
}

describe('Xero authoriseInvoice', () => {
  for (const status of ['DRAFT', 'SUBMITTED'] as const) {
    it(`${status} → AUTHORISED; the same key again changes nothing`, async () => {
      const inv = draft(status);
      const key = randomUUID();
      const doc = await fx.xero.writes().authoriseInvoice({ key, invoiceExternalId: inv.id });
      expect(doc).toMatchObject({ type: 'invoice', externalId: inv.id, status: 'authorised', total: '125.00' });
      expect(fx.store.invoice(fx.xero.companyId, inv.id).status).toBe('AUTHORISED');
      const updatedAt = fx.store.invoice(fx.xero.companyId, inv.id).updatedAt;
      const again = await fx.xero.writes().authoriseInvoice({ key, invoiceExternalId: inv.id });
      expect(again.status).toBe('authorised');
      // A second approval under another key: already approved, nothing written.
      await fx.xero.writes().authoriseInvoice({ key: randomUUID(), invoiceExternalId: inv.id });
      expect(fx.store.invoice(fx.xero.companyId, inv.id).updatedAt).toBe(updatedAt);
      expect((await fx.xero.writes().read('invoice', inv.id))?.status).toBe('authorised');
    });
  }

  it('a voided invoice is refused in words', async () => {
    const inv = openInvoice(fx.store, fx.xero.companyId);
    fx.store.voidInvoice(fx.xero.companyId, inv.id);
    const err = await rejection(fx.xero.writes().authoriseInvoice({ key: randomUUID(), invoiceExternalId: inv.id }));
    expect(err.message).toBe('The Xero invoice is voided and cannot be approved');
  });
});

describe('QuickBooks authoriseInvoice', () => {
  it('not yet emailed → NeedToSend, read back approved; replay and a sent invoice unchanged', async () => {
    const companyId = fx.qbo.companyId;
    const inv = openInvoice(fx.store, companyId);
    expect(fx.store.invoice(companyId, inv.id).sentToContact).toBe(false);
    expect((await fx.qbo.writes().read('invoice', inv.id))?.approvedForSending).toBe(false);
    const key = randomUUID();
    const doc = await fx.qbo.writes().authoriseInvoice({ key, invoiceExternalId: inv.id });
    expect(doc).toMatchObject({ externalId: inv.id, approvedForSending: true });
    expect(fx.store.invoice(companyId, inv.id).needToSend).toBe(true);
    const syncToken = fx.store.invoice(companyId, inv.id).syncToken;
    await fx.qbo.writes().authoriseInvoice({ key, invoiceExternalId: inv.id });
    expect(fx.store.invoice(companyId, inv.id).syncToken).toBe(syncToken);
    expect((await fx.qbo.writes().read('invoice', inv.id))?.approvedForSending).toBe(true);

    const sent = openInvoice(fx.store, companyId);
    fx.store.updateInvoice(companyId, sent.id, { sentToContact: true });
    const before = fx.store.invoice(companyId, sent.id).syncToken;
    expect((await fx.qbo.writes().authoriseInvoice({ key: randomUUID(), invoiceExternalId: sent.id })).approvedForSending).toBe(true);
    expect(fx.store.invoice(companyId, sent.id).syncToken).toBe(before);
  });

  it('a voided invoice is refused in words', async () => {
    const inv = openInvoice(fx.store, fx.qbo.companyId);
    fx.store.voidInvoice(fx.qbo.companyId, inv.id);
    const err = await rejection(fx.qbo.writes().authoriseInvoice({ key: randomUUID(), invoiceExternalId: inv.id }));
    expect(err.message).toBe('The QuickBooks invoice is voided and cannot be approved');
  });
});
