/**
 * Invoice history notes in Xero through xero-node: `PUT Invoices/{id}/History` with the
 * Idempotency-Key header (the SDK's trailing argument), so a retried write is replayed by Xero,
 * not added twice. One AccountingApi per connection, `basePath` from config.
 */
import { AccountingApi, type HistoryRecords } from 'xero-node';
import { CallRunner, DEFAULT_CALL_TIMEOUT_MS, headerGetter } from '../ledger/call';
import { LedgerError } from '../ledger/errors';
import { clampNote, type LedgerNotes, NOTE_KEY_MAX, XERO_NOTE_MAX } from '../ledger/notes';
import { classifyXeroError } from './errors';

export class XeroNotes implements LedgerNotes {
  readonly provider = 'xero' as const;
  private readonly sdk: AccountingApi;
  private readonly runner: CallRunner;

  constructor(private readonly params: { apiBaseUrl: string; accessToken: string; tenantId: string; timeoutMs?: number }) {
    this.sdk = new AccountingApi(params.apiBaseUrl);
    this.sdk.basePath = params.apiBaseUrl;
    this.sdk.accessToken = params.accessToken;
    this.runner = new CallRunner(undefined, params.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  }

  get calls(): number {
    return this.runner.calls;
  }

  async addInvoiceNote(p: { invoiceExternalId: string; text: string; key: string }): Promise<'written' | 'already'> {
    if (p.key.length === 0 || p.key.length > NOTE_KEY_MAX) throw new LedgerError('validation', `an idempotency key must be 1 to ${NOTE_KEY_MAX} characters`);
    const body: HistoryRecords = { historyRecords: [{ details: clampNote(p.text, XERO_NOTE_MAX) }] };
    const what = 'Adding a note to the Xero invoice history';
    await this.runner.run(
      what,
      async () => {
        const r = await this.sdk.createInvoiceHistory(this.params.tenantId, p.invoiceExternalId, body, p.key);
        return { value: r.body, status: r.response.status ?? 200, headers: headerGetter(r.response.headers) };
      },
      (err) => classifyXeroError(err, what),
    );
    return 'written';
  }
}
