/**
 * Writing one queued ledger note — the `reminders.note` job's body. The note row is leased like
 * a send; the ledger write carries the row id as its idempotency key (Xero Idempotency-Key,
 * QuickBooks requestid), so a retry after a crash between the ledger's answer and our update
 * is replayed by the ledger instead of adding the note twice (QuickBooks also re-reads the
 * PrivateNote first and stops if the line is there).
 */
import { and, eq, sql } from 'drizzle-orm';
import { LedgerError } from '../../integrations/ledger/errors';
import { createLedgerNotes } from '../../integrations/ledger/notes';
import { accessTokenFor, ReauthRequiredError } from '../connections/tokens';
import { queryRows } from '../db/client';
import { reminderNotes } from '../db/schema';
import type { ReminderDeps } from './deps';
import { loadOrganisation } from './load';
import { LEASE_MS, MAX_NOTE_ATTEMPTS } from './types';

export type NoteResult = { outcome: 'written' | 'already' | 'not_claimable' | 'failed' } | { outcome: 'retry'; delayMs: number | null; error: string };

export async function writeLedgerNote(deps: ReminderDeps, noteId: string): Promise<NoteResult> {
  const now = deps.now();
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const until = new Date(now.getTime() + leaseMs).toISOString();
  const leased = await queryRows<{ id: string; organisation_id: string; invoice_external_id: string; text: string; attempts: number }>(
    deps.db,
    sql`UPDATE reminder_notes SET status = 'writing', lease_until = ${until}::timestamptz, attempts = attempts + 1
        WHERE id = ${noteId}::uuid AND (status = 'pending' OR (status = 'writing' AND lease_until < ${now.toISOString()}::timestamptz))
        RETURNING id, organisation_id, invoice_external_id, text, attempts`,
  );
  const note = leased[0];
  if (!note) return { outcome: 'not_claimable' };
  const finish = async (status: 'written' | 'failed' | 'pending', error: string | null) => {
    await deps.db
      .update(reminderNotes)
      .set({ status, error, leaseUntil: null, writtenAt: status === 'written' ? deps.now() : null })
      .where(and(eq(reminderNotes.id, noteId), eq(reminderNotes.status, 'writing')));
  };
  const org = await loadOrganisation(deps.db, note.organisation_id);
  if (!org || !deps.ledger) {
    await finish('pending', deps.ledger ? 'The organisation is gone.' : 'No ledger is configured on this server.');
    return { outcome: 'retry', delayMs: 3_600_000, error: 'no ledger' };
  }
  try {
    const factory = deps.ledger.factory;
    const token = await accessTokenFor({ db: deps.db, key: deps.ledger.tokenKey, oauth: (p) => factory.oauth(p), now: () => deps.now().getTime() }, org.id);
    deps.crash?.('note.before-write');
    const notes = createLedgerNotes(deps.ledger.factory, org.provider, { accessToken: token.accessToken, tenantId: token.tenantId });
    const result = await notes.addInvoiceNote({ invoiceExternalId: note.invoice_external_id, text: note.text, key: note.id });
    deps.crash?.('note.after-write');
    await finish('written', null);
    return { outcome: result };
  } catch (err) {
    if (err instanceof Error && err.name === 'SimulatedCrash') throw err;
    const giveUp = note.attempts >= MAX_NOTE_ATTEMPTS;
    if (err instanceof ReauthRequiredError) {
      await finish(giveUp ? 'failed' : 'pending', err.message);
      return giveUp ? { outcome: 'failed' } : { outcome: 'retry', delayMs: 3_600_000, error: err.message };
    }
    // A second 5010 in a row (busy invoice) is worth another try later; other refusals are final.
    if (err instanceof LedgerError && !err.retryable && err.code !== 'stale_object') {
      await finish('failed', err.message);
      return { outcome: 'failed' };
    }
    const message = err instanceof Error ? err.message : String(err);
    await finish(giveUp ? 'failed' : 'pending', message);
    if (giveUp) return { outcome: 'failed' };
    return { outcome: 'retry', delayMs: err instanceof LedgerError ? (err.options.retryAfterMs ?? null) : null, error: message };
  }
}
