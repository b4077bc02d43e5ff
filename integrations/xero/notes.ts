/**
 * Invoice history notes in Xero through xero-node: `PUT Invoices/{id}/History` with the
 * Idempotency-Key header (the SDK's trailing argument), so a retried write is replayed by Xero,
 * not added twice. One client per connection (client.ts, `basePath` from config).
 */
import type { HistoryRecords } from 'xero-node';
import { LedgerError } from '../ledger/errors';
import { clampNote, type LedgerNotes, NOTE_KEY_MAX, XERO_NOTE_MAX } from '../ledger/notes';
import { XeroClient, type XeroClientParams } from './client';

export class XeroNotes implements LedgerNotes {
  readonly provider = 'xero' as const;
  private readonly client: XeroClient;

  constructor(params: XeroClientParams) {
    this.client = new XeroClient(params);
  }

  get calls(): number {
    return this.client.calls;
  }

  async addInvoiceNote(p: { invoiceExternalId: string; text: string; key: string }): Promise<'written' | 'already'> {
    if (p.key.length === 0 || p.key.length > NOTE_KEY_MAX) throw new LedgerError('validation', `an idempotency key must be 1 to ${NOTE_KEY_MAX} characters`);
    const body: HistoryRecords = { historyRecords: [{ details: clampNote(p.text, XERO_NOTE_MAX) }] };
    const what = 'Adding a note to the Xero invoice history';
    await this.client.call(what, (sdk, tenant) => sdk.createInvoiceHistory(tenant, p.invoiceExternalId, body, p.key));
    return 'written';
  }
}
