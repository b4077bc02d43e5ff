/**
 * Invoice notes in QuickBooks Online: read the invoice, and unless its PrivateNote already
 * holds the line, append it with a sparse update carrying `?requestid=<key>` (QBO replays a
 * repeated requestid instead of applying it twice). A payment in between bumps the SyncToken
 * (fault 5010): re-read and retry once. node-quickbooks is constructed through createRequire
 * (CommonJS) with its endpoint from config; never `setOauthVersion`.
 */
import { createRequire } from 'node:module';
import { CallRunner, DEFAULT_CALL_TIMEOUT_MS, headerGetter } from '../ledger/call';
import { LedgerError } from '../ledger/errors';
import { type LedgerNotes, NOTE_KEY_MAX, QBO_PRIVATE_NOTE_MAX } from '../ledger/notes';
import { classifyQboError, qboFaultCode } from './errors';
import { QBO_MINOR_VERSION, QboSdkError } from './sdk';

type Json = Record<string, unknown>;
type Callback = (err: unknown, body: unknown, res?: { status?: number; headers?: unknown }) => void;

interface QuickBooksNotesApi {
  endpoint: string;
  getInvoice(id: string, cb: Callback): void;
  updateInvoice(invoice: Json, cb: Callback): void;
}

type Ctor = new (
  consumerKey: string,
  consumerSecret: string,
  token: string,
  tokenSecret: boolean,
  realmId: string,
  useSandbox: boolean,
  debug: boolean,
  minorversion: number,
  oauthversion: string,
) => QuickBooksNotesApi;

const QuickBooks = createRequire(import.meta.url)('node-quickbooks') as Ctor;

/** Append `line` to a PrivateNote, dropping the oldest lines past QuickBooks' limit. */
export function appendPrivateNote(existing: string, line: string, max = QBO_PRIVATE_NOTE_MAX): string {
  const lines = existing ? existing.split(/\r?\n/) : [];
  lines.push(line.slice(0, max));
  while (lines.join('\n').length > max && lines.length > 1) lines.shift();
  return lines.join('\n');
}

export class QboNotes implements LedgerNotes {
  readonly provider = 'quickbooks' as const;
  private readonly qbo: QuickBooksNotesApi;
  private readonly runner: CallRunner;

  constructor(params: { apiBaseUrl: string; accessToken: string; tenantId: string; timeoutMs?: number }) {
    // The consumer key and secret are OAuth 1 leftovers; bearer tokens do not use them.
    this.qbo = new QuickBooks('arcus', 'arcus', params.accessToken, false, params.tenantId, false, false, QBO_MINOR_VERSION, '2.0');
    this.qbo.endpoint = `${params.apiBaseUrl.replace(/\/+$/, '')}/`;
    this.runner = new CallRunner(undefined, params.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  }

  get calls(): number {
    return this.runner.calls;
  }

  private call(what: string, method: 'getInvoice' | 'updateInvoice', arg: unknown): Promise<Json> {
    return this.runner.run(
      what,
      () =>
        new Promise((resolve, reject) => {
          const fn = this.qbo[method] as (a: unknown, cb: Callback) => void;
          fn.call(this.qbo, arg, (err, body, res) => {
            const axiosRes = (err as { response?: { status?: number; headers?: unknown; data?: unknown } } | null)?.response;
            const status = res?.status ?? axiosRes?.status ?? 0;
            const headers = res?.headers ?? axiosRes?.headers ?? {};
            if (err) reject(new QboSdkError(err, status, headers, axiosRes?.data ?? body ?? err));
            else resolve({ value: (body ?? {}) as Json, status: status || 200, headers: headerGetter(headers) });
          });
        }),
      (err) => {
        const c = classifyQboError(err, what);
        if (qboFaultCode(err) === '5010') return { ...c, error: new LedgerError('stale_object', c.error.message, { status: c.status }) };
        return c;
      },
    );
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
