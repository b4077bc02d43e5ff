/**
 * Invoice notes in QuickBooks Online: read the invoice, and unless its PrivateNote already
 * holds the line, append it with a sparse update carrying `?requestid=<key>` (QBO replays a
 * repeated requestid instead of applying it twice). A payment in between bumps the SyncToken
 * (fault 5010): re-read and retry once. Calls go through the same node-quickbooks wrapper as
 * sync (sdk.ts), with the endpoint from config.
 */
import { LedgerError } from '../ledger/errors';
import { type LedgerNotes, NOTE_KEY_MAX, QBO_PRIVATE_NOTE_MAX } from '../ledger/notes';
import { QboClient, type QboClientParams } from './client';
import type { Json } from './sdk';

/** Append `line` to a PrivateNote, dropping the oldest lines past QuickBooks' limit. */
export function appendPrivateNote(existing: string, line: string, max = QBO_PRIVATE_NOTE_MAX): string {
  const lines = existing ? existing.split(/\r?\n/) : [];
  lines.push(line.slice(0, max));
  while (lines.join('\n').length > max && lines.length > 1) lines.shift();
  return lines.join('\n');
}

export class QboNotes implements LedgerNotes {
  readonly provider = 'quickbooks' as const;
  private readonly client: QboClient;

  constructor(params: QboClientParams) {
    this.client = new QboClient(params);
  }

  get calls(): number {
    return this.client.calls;
  }

  private call(what: string, method: 'getInvoice' | 'updateInvoice', arg: unknown): Promise<Json> {
    return this.client.call(what, method, arg);
  }

  async addInvoiceNote(p: { invoiceExternalId: string; text: string; key: string }): Promise<'written' | 'already'> {
    if (p.key.length === 0 || p.key.length > NOTE_KEY_MAX) throw new LedgerError('validation', `requestid must be 1 to ${NOTE_KEY_MAX} characters`);
    const line = p.text.replace(/\s+/g, ' ').trim();
    for (let attempt = 1; ; attempt++) {
      const inv = await this.call('Reading the QuickBooks invoice', 'getInvoice', p.invoiceExternalId);
      const existing = typeof inv['PrivateNote'] === 'string' ? inv['PrivateNote'] : '';
      if (existing.split(/\r?\n/).includes(line)) return 'already';
      try {
        await this.call('Adding a note to the QuickBooks invoice', 'updateInvoice', {
          Id: String(inv['Id'] ?? p.invoiceExternalId),
          SyncToken: String(inv['SyncToken'] ?? '0'),
          sparse: true,
          PrivateNote: appendPrivateNote(existing, line),
          requestId: p.key,
        });
        return 'written';
      } catch (err) {
        // 5010: the invoice changed since we read it (e.g. a payment). Failed writes are not
        // remembered under their requestid, so the retry may reuse it.
        if (err instanceof LedgerError && err.code === 'stale_object' && attempt === 1) continue;
        throw err;
      }
    }
  }
}
