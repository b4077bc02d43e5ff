/**
 * Notes on an invoice inside the ledger, so staff see Arcus's actions in their accounting
 * software: Xero — a HistoryRecord on the invoice (≤ 250 characters, Idempotency-Key);
 * QuickBooks — a line appended to the invoice's PrivateNote by a sparse update (requestid,
 * SyncToken re-read and one retry on 5010). Both are idempotent by `key`, which callers derive
 * from their own outbox row (never from a job attempt). Errors are LedgerError.
 */
import { QboNotes } from '../quickbooks/notes';
import { XeroNotes } from '../xero/notes';
import type { CallRunner } from './call';
import type { LedgerFactory } from './provider';
import type { Provider } from './types';

/** Xero refuses history notes longer than this. */
export const XERO_NOTE_MAX = 250;
/** QuickBooks' PrivateNote holds at most this many characters; the oldest lines go first. */
export const QBO_PRIVATE_NOTE_MAX = 4000;
/** QuickBooks' requestid is at most 50 characters. */
export const NOTE_KEY_MAX = 50;

export interface LedgerNotes {
  provider: Provider;
  /** 'written', or 'already' when the ledger shows the note is there (a retry after a crash). */
  addInvoiceNote(params: { invoiceExternalId: string; text: string; key: string }): Promise<'written' | 'already'>;
  readonly calls: number;
}

export interface LedgerNotesParams {
  accessToken: string;
  tenantId: string;
  /** The opened ledger's runner (server/ledger/gateway.ts): the tenant's gate, shared with reads and writes. */
  runner: CallRunner;
}

export function createLedgerNotes(factory: LedgerFactory, provider: Provider, params: LedgerNotesParams): LedgerNotes {
  const endpoints = factory.endpoints(provider);
  switch (provider) {
    case 'xero':
      return new XeroNotes({ apiBaseUrl: endpoints.apiBaseUrl, ...params });
    case 'quickbooks':
      return new QboNotes({ apiBaseUrl: endpoints.apiBaseUrl, ...params });
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}

/** Fit a note into `max` characters (cut with an ellipsis). */
export function clampNote(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
