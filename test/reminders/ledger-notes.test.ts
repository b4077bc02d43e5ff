/**
 * Ledger notes against the sandbox ledger through the real SDKs: Xero history with an
 * Idempotency-Key (a repeat is replayed, not added), QuickBooks PrivateNote with requestid,
 * the line-already-there check, and the 5010 retry when another write bumps the SyncToken.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLedgerNotes } from '../../integrations/ledger/notes';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

let fx: SyncFixture;

describeWith('pg', 'Reminders: notes in the ledger', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 5, companies: [{ provider: 'xero', customers: 4, invoices: 20 }, { provider: 'quickbooks', customers: 4, invoices: 20 }] });
  });
  afterAll(async () => fx?.close());

  const store = () => fx.server.sandbox.ctx.store;

  it('Xero: one history record per key, even when the write is repeated; at most 250 characters', async () => {
    const companyId = fx.companyIds[0]!;
    const c = await fx.connect('xero', companyId);
    const inv = store().list('invoices', companyId).find((i) => i.status === 'AUTHORISED')!;
    const notes = createLedgerNotes(fx.factory, 'xero', { accessToken: c.tokens.accessToken, tenantId: c.tenantId });
    const before = inv.history.length;
    const key = '6f1d6a8e-6a55-4b36-9a8e-0d3f1c2b4a10';
    expect(await notes.addInvoiceNote({ invoiceExternalId: inv.id, text: 'Arcus: reminder 1 sent to ap@… · https://arcus.test/reminders/sends/x', key })).toBe('written');
    expect(await notes.addInvoiceNote({ invoiceExternalId: inv.id, text: 'Arcus: reminder 1 sent to ap@… · https://arcus.test/reminders/sends/x', key })).toBe('written');
    const after = store().invoice(companyId, inv.id).history;
    expect(after.length - before).toBe(1);
    await notes.addInvoiceNote({ invoiceExternalId: inv.id, text: `Arcus: ${'x'.repeat(400)}`, key: '6f1d6a8e-6a55-4b36-9a8e-0d3f1c2b4a11' });
    expect(store().invoice(companyId, inv.id).history.at(-1)!.details.length).toBe(250);
  });

  it('QuickBooks: appends to PrivateNote once per line; concurrent writes retry after 5010', async () => {
    const companyId = fx.companyIds[1]!;
    const c = await fx.connect('quickbooks', companyId);
    const inv = store().list('invoices', companyId).find((i) => i.status === 'AUTHORISED')!;
    const notes = () => createLedgerNotes(fx.factory, 'quickbooks', { accessToken: c.tokens.accessToken, tenantId: c.tenantId });
    const lines = ['Arcus: reminder 1 sent to a@…', 'Arcus: reminder 2 sent to a@…', 'Arcus: reminder 3 sent to a@…'];
    // Two at once: both read the same SyncToken, one gets 5010, re-reads and writes again.
    const results = await Promise.all(lines.slice(0, 2).map((text, i) => notes().addInvoiceNote({ invoiceExternalId: inv.id, text, key: `note-key-${i}` })));
    expect(results).toEqual(['written', 'written']);
    expect(store().writes.filter((w) => w.companyId === companyId && w.status === 400 && /5010/.test(w.summary))).toHaveLength(1);
    expect(await notes().addInvoiceNote({ invoiceExternalId: inv.id, text: lines[2]!, key: 'note-key-2' })).toBe('written');
    const note = store().invoice(companyId, inv.id).privateNote.split('\n');
    expect(lines.every((l) => note.filter((x) => x === l).length === 1)).toBe(true);
    // A retry after a crash between QuickBooks' answer and our update finds the line there.
    expect(await notes().addInvoiceNote({ invoiceExternalId: inv.id, text: lines[0]!, key: 'note-key-0' })).toBe('already');
  });
});
