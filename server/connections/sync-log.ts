/**
 * An organisation's sync log (Settings › Connections › organisation › Sync log): its recent sync
 * runs, newest first, paged — what kind, when, what was read, how many API calls, and each API
 * error in words with the provider's reference for its support team (QuickBooks' intuit_tid,
 * Xero's correlation id). Codes stay here; the page gets sentences.
 */
import { and, count, desc, eq } from 'drizzle-orm';
import type { Provider } from '../../integrations/ledger/types';
import type { Db } from '../db/client';
import { syncRuns } from '../db/schema';
import type { RunError } from '../sync/runs';
import { PROVIDER_LABEL } from './deps';

export const SYNC_LOG_PAGE_SIZE = 20;

export interface SyncLogError {
  at: string;
  /** What went wrong, in a sentence. */
  words: string;
  /** "Reference for QuickBooks support: …", when the provider named the request. */
  reference: string | null;
}

export interface SyncLogRun {
  id: string;
  /** "Full sync", "Changes since the last sync", "Changes Xero reported". */
  kind: string;
  /** "Completed", "Failed", … */
  status: string;
  failed: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  /** "12 invoices, 3 payments" or "Nothing had changed". */
  read: string;
  apiCalls: number;
  errors: SyncLogError[];
}

export interface SyncLogPage {
  runs: SyncLogRun[];
  page: number;
  pageSize: number;
  total: number;
}

const KIND: Record<string, (p: string) => string> = {
  full: () => 'Full sync',
  incremental: () => 'Changes since the last sync',
  webhook: (p) => `Changes ${p} reported`,
};

const STATUS: Record<string, string> = {
  queued: 'Waiting to start',
  running: 'Running',
  succeeded: 'Completed',
  failed: 'Failed',
  deferred: 'Paused — it carries on shortly',
};

const COUNTED: [key: string, one: string, many: string][] = [
  ['contacts', 'contact', 'contacts'],
  ['invoices', 'invoice', 'invoices'],
  ['payments', 'payment', 'payments'],
  ['creditNotes', 'credit note', 'credit notes'],
  ['overpayments', 'overpayment', 'overpayments'],
  ['prepayments', 'prepayment', 'prepayments'],
  ['deleted', 'deletion', 'deletions'],
];

export function countsInWords(counts: unknown): string {
  const c = (counts ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  for (const [key, one, many] of COUNTED) {
    const n = Number(c[key] ?? 0);
    if (Number.isFinite(n) && n > 0) parts.push(`${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`);
  }
  return parts.length ? parts.join(', ') : 'Nothing had changed';
}

/** A run error's code as a sentence for the person reading the log. */
export function errorInWords(code: string, provider: Provider): string {
  const p = PROVIDER_LABEL[provider];
  switch (code) {
    case 'rate_limited':
      return `${p} asked Arcus to slow down, so the sync paused and carried on later.`;
    case 'server':
      return `${p} had a problem on its side; Arcus tried again later.`;
    case 'timeout':
      return `${p} took too long to answer; Arcus tried again later.`;
    case 'network':
      return `Arcus could not reach ${p}; it tried again later.`;
    case 'unauthorized':
    case 'forbidden':
    case 'invalid_grant':
    case 'reauth_required':
      return `${p} refused Arcus’s access. Reconnect the organisation to resume syncing.`;
    case 'not_found':
      return `${p} said something Arcus asked for does not exist.`;
    case 'validation':
      return `${p} refused one of Arcus’s requests as invalid.`;
    case 'stale_object':
      return `A record changed in ${p} while Arcus was reading it; the next sync reads it again.`;
    case 'disconnected':
      return 'Cancelled: the organisation was disconnected.';
    case 'abandoned':
      return 'The sync stopped making progress, so a newer one took over.';
    default:
      return `Something went wrong while syncing with ${p}.`;
  }
}

export function referenceInWords(reference: RunError['reference'], provider: Provider): string | null {
  if (!reference?.value) return null;
  const who = reference.name === 'intuit_tid' ? 'QuickBooks' : reference.name === 'xero_correlation_id' ? 'Xero' : PROVIDER_LABEL[provider];
  return `Reference for ${who} support: ${reference.value}`;
}

export async function syncLog(db: Db, org: { id: string; firmId: string; provider: Provider }, page: number): Promise<SyncLogPage> {
  const where = and(eq(syncRuns.organisationId, org.id), eq(syncRuns.firmId, org.firmId));
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(syncRuns).where(where);
  const rows = await db
    .select()
    .from(syncRuns)
    .where(where)
    .orderBy(desc(syncRuns.createdAt), desc(syncRuns.id))
    .limit(SYNC_LOG_PAGE_SIZE)
    .offset((page - 1) * SYNC_LOG_PAGE_SIZE);
  const p = PROVIDER_LABEL[org.provider];
  return {
    page,
    pageSize: SYNC_LOG_PAGE_SIZE,
    total: Number(total),
    runs: rows.map((r) => ({
      id: r.id,
      kind: (KIND[r.kind] ?? KIND['incremental']!)(p),
      status: STATUS[r.status] ?? 'Unknown',
      failed: r.status === 'failed',
      startedAt: r.startedAt?.toISOString() ?? null,
      finishedAt: r.finishedAt?.toISOString() ?? null,
      createdAt: r.createdAt.toISOString(),
      read: countsInWords(r.counts),
      apiCalls: r.apiCalls,
      errors: ((r.errors as RunError[]) ?? []).map((e) => ({ at: e.at, words: errorInWords(e.code, org.provider), reference: referenceInWords(e.reference, org.provider) })),
    })),
  };
}
