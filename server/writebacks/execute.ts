/**
 * Executing one write-back — the `writebacks.execute` job's body. Exactly once:
 *
 *   pending ─lease→ sending ─ledger call (key = row id)→ sent ─read back→ confirmed ─→ note
 *
 * The row is leased before the ledger call, and the call carries the row id as its idempotency
 * key (Xero Idempotency-Key, QuickBooks requestid). A worker killed after the ledger answered
 * but before `sent` was stored leaves the row `sending` with an expired lease; the next attempt
 * repeats the call with the same key and the ledger replays its first answer, so nothing is
 * created twice. `sent` rows are confirmed by reading the document back; confirmed rows with a
 * pending note get the note written onto the invoice (its own key, `n-<id>`). A `note` write-back
 * (a reminder sent, a promise, a plan) has no document: its ledger call is the note itself, made
 * in the send step with the row id as key, so a refused note fails the row like any other write
 * (shown on the timeline, retried with the same key).
 */
import { eq, sql } from 'drizzle-orm';
import { LedgerError } from '../../integrations/ledger/errors';
import { isReadAfterWrite, type LedgerAccount, type LedgerDocument, type LedgerWrites } from '../../integrations/ledger/writes';
import { type LoadedConnection, ReauthRequiredError } from '../connections/tokens';
import { type Prepared, preparedRows, queryRows } from '../db/client';
import { activities, reminderInvoiceHolds, writebacks } from '../db/schema';
import { forgetReceivableAccounts, receivableAccountsFor } from '../ledger/receivable-accounts';
import { describeError } from '../logger';
import { payLinkUrl } from '../pay/links';
import { maskPayTokensIn } from '../pay/url-at-rest';
import { advanceCardRefund, notifyLedgerRefund } from '../refunds/card';
import { confirmationProblem, documentTypeOf } from './confirm';
import { confirmBatchFollowers, dissolveBatch, noteBatchText } from './note-batch';
import { parseRequest } from './rules';
import { INSTALMENT_HOLD_REASON, LOW_PRIORITY_INLINE_WAIT_MS, MAX_WRITEBACK_ATTEMPTS, type RequestOf, type ResolvedPayLinkRequest, WRITEBACK_LEASE_MS, WRITEBACK_PRIORITY, type WritebackDeps, type WritebackKind } from './types';

/** How long a refund waits for the payment provider to confirm a pending card refund before asking again (its webhook usually comes first). */
export const CARD_REFUND_WAIT_MS = 10 * 60_000;

export type ExecuteResult = { outcome: 'confirmed' | 'not_claimable' | 'failed' } | { outcome: 'retry'; delayMs: number | null; error: string };

interface LeasedRow {
  id: string;
  firm_id: string;
  organisation_id: string;
  kind: WritebackKind;
  status: 'sending' | 'sent' | 'confirmed';
  request: unknown;
  external_id: string | null;
  invoice_id: string | null;
  invoice_external_id: string | null;
  contact_id: string | null;
  note_text: string | null;
  note_status: string;
  attempts: number;
  deferrals: number;
  result: { sent?: LedgerDocument } | null;
  reverses_id: string | null;
  note_batch_id: string | null;
  created_at: string | Date;
}

/** The connection's columns the lease statement brings along (null without a connection). */
interface ConnectionColumns {
  conn_id: string | null;
  conn_status: LoadedConnection['status'] | null;
  conn_provider: LoadedConnection['provider'] | null;
  conn_access: string | null;
  conn_refresh: string | null;
  conn_expires_at: string | Date | null;
  conn_grant_id: string | null;
}

/** The note's own idempotency key: distinct from the write's (Xero refuses one key for two bodies). */
export const noteKeyOf = (writebackId: string) => `n-${writebackId}`;

/*
 * The statements on every write-back's path, as fixed text with parameters: prepared once per
 * connection, no query building per call (decision 068). Row-level security applies as to any
 * statement on the scoped connection.
 *
 * The three after the ledger call (`sent`, confirmed, note recorded) commit without waiting for
 * the WAL flush (`synchronous_commit` off for that one statement's transaction, decision 068):
 * each is visible to every other session at once, exactly as before, so a worker killed at any
 * crash point leaves what it always left. Only a crash of PostgreSQL itself can lose the last
 * few hundred milliseconds of them, and WAL order means it loses a suffix: the row is then where
 * one of the crash points leaves it (`sending` after the call, `sent` before the confirmation,
 * confirmed with its note pending), which the retry and the sweep finish with the same keys.
 * The request (the row's creation) still waits for the flush, and so does a note's lease (LEASE).
 */
const ASYNC_COMMIT = `(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`;

/**
 * The lease ($1 id, $2 lease until, $3 now), the organisation's provider, name and time zone, and
 * its connection (the ledger gateway's token) in one statement: one round trip. It waits for the
 * WAL flush only for a note: a `pending` note can be gathered into another note's batch
 * (note-batch.ts), so its lease must survive a PostgreSQL crash. Any other kind's lease lost in
 * such a crash leaves the row as it was before the lease (`pending`, or unleased `sending`/`sent`),
 * which only a lease picks up again: the next attempt repeats the call with the same key.
 */
const LEASE: Prepared = {
  name: 'wb_lease',
  text: `WITH leased AS (
          UPDATE writebacks SET
            status = CASE WHEN status = 'pending' THEN 'sending' ELSE status END,
            lease_until = $2::timestamptz, next_attempt_at = NULL, attempts = attempts + 1, updated_at = $3::timestamptz
          WHERE id = $1::uuid AND (
            status = 'pending'
            OR ((status IN ('sending', 'sent') OR (status = 'confirmed' AND note_status = 'pending'))
                AND (lease_until IS NULL OR lease_until < $3::timestamptz)))
            AND (note_batch_id IS NULL OR note_batch_id = id)
          RETURNING id, firm_id, organisation_id, kind, status, request, external_id, invoice_id, invoice_external_id, contact_id,
                    note_text, note_status, attempts, deferrals, result, reverses_id, note_batch_id, created_at)
        SELECT leased.*, CASE WHEN leased.kind = 'note' THEN NULL ELSE set_config('synchronous_commit', 'off', true) END AS commit_wait,
               o.provider AS org_provider, o.name AS org_name, o.timezone AS org_timezone, o.external_id AS org_tenant,
               c.id AS conn_id, c.status AS conn_status, c.provider AS conn_provider, c.access_token_enc AS conn_access, c.refresh_token_enc AS conn_refresh,
               c.access_token_expires_at AS conn_expires_at, c.grant_id AS conn_grant_id
        FROM leased LEFT JOIN organisations o ON o.id = leased.organisation_id LEFT JOIN connections c ON c.organisation_id = leased.organisation_id`,
};

/** `sent` stored ($1 id, $2 the ledger's id, $3 the answer as JSON text, $4 now). */
const MARK_SENT: Prepared = {
  name: 'wb_mark_sent',
  text: `UPDATE writebacks SET status = 'sent', external_id = $2, result = $3::jsonb, sent_at = $4::timestamptz, error = NULL, updated_at = $4::timestamptz
         FROM ${ASYNC_COMMIT} WHERE id = $1::uuid`,
};

/**
 * Confirmed, and its `writeback.confirmed` timeline entry, in one statement ($1 id, $2 now, $3 the
 * result as JSON text, $4 firm, $5 organisation, $6 invoice, $7 contact, $8 summary, $9 details as JSON text).
 */
const CONFIRM: Prepared = {
  name: 'wb_confirm',
  text: `WITH confirmed AS (
      UPDATE writebacks SET status = 'confirmed', confirmed_at = $2::timestamptz, result = $3::jsonb, error = NULL, updated_at = $2::timestamptz
      FROM ${ASYNC_COMMIT} WHERE id = $1::uuid RETURNING writebacks.id)
    INSERT INTO activities (firm_id, organisation_id, actor_type, kind, invoice_id, contact_id, summary, details)
    SELECT $4::uuid, $5::uuid, 'system', 'writeback.confirmed', $6::uuid, $7::uuid, $8::text, $9::jsonb
    FROM confirmed`,
};

/** The note recorded and the lease released ($1 id, $2 now). */
const NOTE_WRITTEN: Prepared = {
  name: 'wb_note_written',
  text: `UPDATE writebacks SET note_status = 'written', lease_until = NULL, updated_at = $2::timestamptz FROM ${ASYNC_COMMIT} WHERE id = $1::uuid`,
};

/** The lease released, nothing else ($1 id). */
const UNLEASE: Prepared = {
  name: 'wb_unlease',
  text: `UPDATE writebacks SET lease_until = NULL FROM ${ASYNC_COMMIT} WHERE id = $1::uuid`,
};

export async function executeWriteback(deps: WritebackDeps, writebackId: string): Promise<ExecuteResult> {
  const now = deps.now();
  const until = new Date(now.getTime() + (deps.leaseMs ?? WRITEBACK_LEASE_MS)).toISOString();
  const leased = await preparedRows<LeasedRow & { commit_wait: string | null; org_provider: 'xero' | 'quickbooks' | null; org_name: string | null; org_timezone: string | null; org_tenant: string | null } & ConnectionColumns>(deps.db, LEASE, [
    writebackId,
    until,
    now.toISOString(),
  ]);
  const leasedRow = leased[0];
  if (!leasedRow) return { outcome: 'not_claimable' };
  const { commit_wait: _commitWait, org_provider, org_name, org_timezone, org_tenant, conn_id, conn_status, conn_provider, conn_access, conn_refresh, conn_expires_at, conn_grant_id, ...row } = leasedRow;
  const connection: LoadedConnection | undefined =
    conn_id && conn_status && conn_provider && conn_access && conn_refresh && conn_expires_at && org_tenant
      ? { id: conn_id, status: conn_status, provider: conn_provider, accessTokenEnc: conn_access, refreshTokenEnc: conn_refresh, accessTokenExpiresAt: new Date(conn_expires_at), grantId: conn_grant_id, tenantId: org_tenant }
      : undefined;
  deps.crash?.('wb.after-lease');

  const org = org_provider && org_name !== null && org_timezone !== null ? { provider: org_provider, name: org_name, timezone: org_timezone } : null;
  if (!org || !deps.ledger) return release(deps, row, deps.ledger ? 'The organisation is gone.' : 'No ledger is configured on this server.', 3_600_000);

  try {
    // Send, read-back and note share the organisation's gate (server/ledger/gateway.ts).
    // Served by kind when calls are scarce: payments first, then credits and fees, pay links, notes.
    // Pay links and notes wait only briefly in the line: deferred, they free the worker for what matters more.
    const priority = WRITEBACK_PRIORITY[row.kind];
    const ledger = await deps.ledger.open(row.organisation_id, { purpose: 'writeback', priority, connection, ...(priority === 'link' || priority === 'note' ? { maxInlineWaitMs: LOW_PRIORITY_INLINE_WAIT_MS } : {}) });
    const writes = ledger.writes;
    const notes = () => ledger.notes;
    const parsed = parseRequest(row.kind, row.request);
    const request = row.kind === 'pay_link' ? await payLinkRequest(deps, row, parsed as RequestOf<'pay_link'>) : row.kind === 'refund' && row.status === 'sending' ? await refundRequest(deps, row, writes, parsed as RequestOf<'refund'>) : parsed;
    if (request === null) return release(deps, row, 'This server cannot build pay links (APP_URL or the pay-link key is missing).', 3_600_000);

    // A refund to the card: the provider refunds first (once, keyed by the card refund's id); the
    // ledger is written only once the card refund succeeded (decision 055).
    const cardRefundId = row.kind === 'refund' ? (request as RequestOf<'refund'>).cardRefundId : null;
    if (cardRefundId && row.status === 'sending') {
      const card = await advanceCardRefund(
        { db: deps.db, now: deps.now, log: deps.log, provider: deps.cards?.provider ?? null, mail: deps.cards?.mail ?? null, crash: deps.crash ? () => deps.crash!('wb.card-after-provider') : undefined },
        row.firm_id,
        row.id,
      );
      if (card.state === 'pending') return release(deps, row, card.why ?? 'Waiting for the card refund.', CARD_REFUND_WAIT_MS, { refund: true, deferred: true });
      if (card.state === 'failed') {
        await finish(deps, row.id, { status: 'cancelled', error: card.why ?? 'The card refund did not go through.' });
        return { outcome: 'failed' };
      }
    }

    let sent: LedgerDocument | null = row.result?.sent ?? null;
    let externalId = row.external_id;
    // `sent` being stored, when this attempt made the call: the read-back runs beside it (below).
    let storingSent: Promise<unknown> | null = null;
    if (row.status === 'sending') {
      // A note write-back's write is its note (key: the row id); other kinds are noted after confirmation.
      // A note is written with the other notes for its invoice that day (note-batch.ts).
      if (row.kind === 'note') {
        const text = await noteBatchText(deps.db, row, { timezone: org.timezone, provider: org.provider }, new Date(row.created_at));
        if (text === null) return { outcome: 'not_claimable' };
        await notes().addInvoiceNote({ invoiceExternalId: need(row.invoice_external_id, 'invoice'), text, key: row.id });
      } else sent = await perform(writes, row, request);
      deps.crash?.('wb.after-send');
      externalId = sent?.externalId ?? row.invoice_external_id;
      // A note confirms its batch's followers with it (one transaction); any other kind is one statement.
      storingSent =
        row.kind === 'note'
          ? deps.db.transaction(async (tx) => {
              await (tx as unknown as WritebackDeps['db'])
                .update(writebacks)
                .set({ status: 'sent', externalId, result: maskPayTokensIn({ sent }), sentAt: deps.now(), error: null, updatedAt: deps.now(), noteStatus: 'written' })
                .where(eq(writebacks.id, row.id));
              await confirmBatchFollowers(tx as unknown as WritebackDeps['db'], row.id, deps.now());
            })
          : preparedRows(deps.db, MARK_SENT, [row.id, externalId, JSON.stringify(maskPayTokensIn({ sent })), deps.now().toISOString()]);
    }

    // The note on the invoice, once the write is read back and confirmed (its own key).
    const wantsNote = () => row.note_status === 'pending' && !!row.note_text && !!row.invoice_external_id;
    const writeNote = () => notes().addInvoiceNote({ invoiceExternalId: row.invoice_external_id!, text: row.note_text!, key: noteKeyOf(row.id) });
    let noting: Promise<unknown> | null = null;
    if (row.status === 'sent' || storingSent) {
      const type = documentTypeOf(row.kind, request);
      const readId = row.kind === 'void' ? (request as RequestOf<'void'>).externalId : externalId;
      const allocation = row.kind === 'allocation' ? (request as RequestOf<'allocation'>) : null;
      // The read-back is a read: it runs while `sent` is stored (one database round trip off the
      // write-back's path). The crash points come after both, so what a crash leaves stored is
      // what it was when the read-back came after `sent`: the row `sent`, nothing else.
      // A writer whose answer was itself read from the ledger after its writes (this attempt's,
      // of this same document) has made the read-back already: not made twice (decision 065).
      const alreadyRead = storingSent !== null && sent !== null && isReadAfterWrite(sent) && !allocation && row.kind !== 'refund' && sent.type === type && sent.externalId === readId;
      const reading = alreadyRead
        ? Promise.resolve(sent)
        : allocation
        ? writes.readCredit(allocation.source, allocation.sourceExternalId)
        : row.kind === 'refund' && externalId
          ? writes.readRefund(externalId, (request as RequestOf<'refund'>).source ?? null)
          : type && readId
            ? writes.read(type, readId)
            : Promise.resolve(null);
      reading.catch(() => undefined); // awaited below; a crash point may come first
      if (storingSent) {
        await settleStoredFirst(storingSent, reading);
        deps.crash?.('wb.after-sent');
        row.status = 'sent';
        if (row.kind === 'note') row.note_status = 'written';
      }
      deps.crash?.('wb.before-confirm');
      const readBack = await reading;
      const problem = confirmationProblem(row.kind, request, readBack, sent);
      if (problem) {
        await finish(deps, row.id, { status: 'failed', error: `Written, but reading it back: ${problem}.`, result: maskPayTokensIn({ sent, readBack }) });
        await activity(deps, row, 'writeback.failed', `Could not confirm in ${providerName(org.provider)}: ${problem}`);
        return { outcome: 'failed' };
      }
      // A refund recorded in the ledger only (not to a card): the debtor is told once, now that it is read back (decision 055).
      if (row.kind === 'refund' && !cardRefundId) await tellDebtorOfRefund(deps, row, request as RequestOf<'refund'>);
      // Confirmed (read back): the note goes to the ledger while the confirmation and its timeline
      // entry are stored (one statement; never one without the other). A crash or a database
      // error before the confirmation is stored leaves the row `sent`: the next attempt reads it
      // back again and writes the note with the same key, which the ledger answers with the first.
      noting = wantsNote() ? writeNote() : null;
      const confirming = (async () => {
        await confirmWithActivity(deps, row, maskPayTokensIn({ sent, readBack }), confirmedSummary(row.kind, sent, org.provider));
        if (row.reverses_id) await deps.db.update(writebacks).set({ reversedById: row.id, updatedAt: deps.now() }).where(eq(writebacks.id, row.reverses_id));
        if (row.kind === 'plan_invoice' && externalId) await holdInstalmentInvoice(deps, row, externalId);
      })();
      // The lease stays held through the note step; it is released at the end.
      await settleStoredFirst(confirming, noting);
      deps.crash?.('wb.after-confirm');
      row.status = 'confirmed';
    }

    if (wantsNote()) {
      await (noting ?? writeNote());
      // The note recorded and the lease released in one statement.
      await preparedRows(deps.db, NOTE_WRITTEN, [row.id, deps.now().toISOString()]);
    } else await preparedRows(deps.db, UNLEASE, [row.id]);
    return { outcome: 'confirmed' };
  } catch (err) {
    if (err instanceof Error && err.name === 'SimulatedCrash') throw err;
    // Shown on the row and the timeline: the ledger's words, or a database error's code — never its SQL.
    const message = describeError(err);
    // An answer that only means "later" (429, 503, a timeout, no connection) is not a failed
    // attempt: the attempt is refunded and the row comes back after the provider's Retry-After
    // (already handed to the limiter, which holds the tenant until then) or a growing back-off.
    if (err instanceof LedgerError && err.retryable) return release(deps, row, message, err.options.retryAfterMs ?? deferralBackoffMs(row.deferrals), { refund: true, deferred: true });
    const giveUp = row.attempts >= MAX_WRITEBACK_ATTEMPTS;
    if (err instanceof ReauthRequiredError) return giveUp ? fail(deps, row, message) : release(deps, row, message, 3_600_000);
    // The ledger refused the write itself: a person has to look. A refused refund drops the cached
    // chart of accounts, so a retry after the chart was fixed reads it again (decision 056).
    if (err instanceof LedgerError && !err.retryable && err.code !== 'stale_object' && err.code !== 'unauthorized') {
      if (row.kind === 'refund') await forgetReceivableAccounts(deps.db, row.organisation_id).catch(() => undefined);
      return fail(deps, row, message);
    }
    if (giveUp) return fail(deps, row, message);
    return release(deps, row, message, err instanceof LedgerError ? (err.options.retryAfterMs ?? null) : null);
  }
}

/**
 * Waits for a database write and a ledger call that ran side by side. The write's failure wins (the
 * row is then still where it was, and the caller's error path treats it so); the ledger call's
 * outcome is left for the caller to await, after it has recorded that the write is stored.
 */
async function settleStoredFirst(stored: Promise<unknown>, ledger: Promise<unknown> | null): Promise<void> {
  ledger?.catch(() => undefined);
  const [write] = await Promise.allSettled([stored, ledger]);
  if (write.status === 'rejected') throw write.reason;
}

/** The refund email; a mail problem never holds up the ledger's confirmation (it is said on the timeline or in the log). */
async function tellDebtorOfRefund(deps: WritebackDeps, row: LeasedRow, r: RequestOf<'refund'>): Promise<void> {
  try {
    await notifyLedgerRefund({ db: deps.db, now: deps.now, mail: deps.cards?.mail ?? null, log: deps.log }, { id: row.id, firmId: row.firm_id, organisationId: row.organisation_id, contactId: row.contact_id, contactExternalId: r.contactExternalId, amount: r.amount, currency: r.currency });
  } catch (err) {
    deps.log.warn({ writebackId: row.id, err: describeError(err) }, 'refund email not sent');
  }
}

/**
 * How long a write-back waits after its `deferrals`-th "later" answer that named no Retry-After
 * (a 503 without one, a timeout, a dropped connection): 15 s doubling to at most 15 minutes. It is
 * never given up on for these; the error shows on the row meanwhile.
 */
export function deferralBackoffMs(deferrals: number): number {
  return Math.min(15 * 60_000, 15_000 * 2 ** Math.min(Math.max(deferrals, 0), 6));
}

/**
 * Write-backs a worker should pick up again: pending for longer than `quietMs` (their job was
 * lost), sending/sent with an expired lease (their worker died), confirmed with a note still
 * pending and no live lease — each only once past the retry time its last attempt asked for
 * (`next_attempt_at`: a Retry-After, the deferral back-off, a card refund pending at the
 * provider), so the sweep never runs a row earlier than its own delayed job would. Oldest first,
 * at most 500 per sweep.
 */
export async function stuckWritebacks(db: WritebackDeps['db'], now: Date, quietMs: number): Promise<string[]> {
  return (await stuckWritebackRows(db, now, quietMs)).map((r) => r.id);
}

/** The same, with each one's kind (its queue priority), most urgent kind first. */
export async function stuckWritebackRows(db: WritebackDeps['db'], now: Date, quietMs: number): Promise<{ id: string; kind: WritebackKind }[]> {
  const at = now.toISOString();
  const quiet = new Date(now.getTime() - quietMs).toISOString();
  return queryRows<{ id: string; kind: WritebackKind }>(
    db,
    sql`SELECT id, kind FROM writebacks
        WHERE ((status = 'pending' AND updated_at < ${quiet}::timestamptz)
           OR (status IN ('sending', 'sent') AND (lease_until IS NULL OR lease_until < ${at}::timestamptz) AND updated_at < ${quiet}::timestamptz)
           OR (status = 'confirmed' AND note_status = 'pending' AND (lease_until IS NULL OR lease_until < ${at}::timestamptz) AND updated_at < ${quiet}::timestamptz))
          -- Not before the retry time its last attempt asked for (cleared when it is leased again).
          AND (next_attempt_at IS NULL OR next_attempt_at <= ${at}::timestamptz)
          -- A note in another's batch is written by that one (note-batch.ts).
          AND (note_batch_id IS NULL OR note_batch_id = id)
        ORDER BY CASE kind WHEN 'payment' THEN 1 WHEN 'pay_link' THEN 3 WHEN 'note' THEN 4 ELSE 2 END, created_at LIMIT 500`,
  );
}

/**
 * A plan's instalment invoice is reminded by the plan (instalment reminders), so the reminder
 * sequences leave it alone: an exclusion hold on it, kept if one is there.
 */
async function holdInstalmentInvoice(deps: WritebackDeps, row: LeasedRow, invoiceExternalId: string): Promise<void> {
  await deps.db
    .insert(reminderInvoiceHolds)
    .values({ firmId: row.firm_id, organisationId: row.organisation_id, invoiceExternalId, excluded: true, reason: INSTALMENT_HOLD_REASON })
    .onConflictDoNothing({ target: [reminderInvoiceHolds.organisationId, reminderInvoiceHolds.invoiceExternalId] });
}

/**
 * A pay link's request with its URL: derived from the link row now (null when this server cannot
 * build links). A link gone since (erased) is an error a person has to see.
 */
async function payLinkRequest(deps: WritebackDeps, row: LeasedRow, r: RequestOf<'pay_link'>): Promise<ResolvedPayLinkRequest | null> {
  if ('url' in r) return r;
  if (!deps.payLinks) return null;
  const url = await payLinkUrl(deps.db, { firmId: row.firm_id, linkId: r.payLinkId }, deps.payLinks);
  if (url === undefined) throw new LedgerError('validation', 'The pay link no longer exists.');
  return url === null ? null : { url };
}

/**
 * A refund's request with the organisation's Accounts Receivable accounts (QuickBooks: a refund on
 * account credits A/R, whose id is the company's own — decision 056), from the cache or read once
 * through this same opened ledger. Nothing added for a ledger without them or a refund of a paid invoice.
 */
async function refundRequest(deps: WritebackDeps, row: LeasedRow, writes: LedgerWrites, r: RequestOf<'refund'>): Promise<RequestOf<'refund'> & { receivableAccounts?: LedgerAccount[] | null }> {
  if (!r.source || !writes.receivableAccounts) return r;
  return { ...r, receivableAccounts: await receivableAccountsFor(deps.db, row.organisation_id, writes, deps.now()) };
}

/** The ledger call for one kind; the row id is the idempotency key. */
async function perform(writes: LedgerWrites, row: LeasedRow, request: unknown): Promise<LedgerDocument | null> {
  const key = row.id;
  switch (row.kind) {
    case 'pay_link': {
      const r = request as ResolvedPayLinkRequest;
      const invoice = need(row.invoice_external_id, 'invoice');
      await writes.setPayLink({ key, invoiceExternalId: invoice, url: r.url });
      const doc = await writes.read('invoice', invoice);
      // The ledger's own online invoice, for the pay page's "View invoice" (a draft has none).
      const onlineUrl = await writes.onlineInvoiceUrl(invoice).catch(() => null);
      return doc ? { ...doc, onlineUrl } : doc;
    }
    case 'payment':
      return writes.createPayment({ key, ...(request as RequestOf<'payment'>) });
    case 'credit_note':
      return writes.createCreditNote({ key, ...(request as RequestOf<'credit_note'>) });
    case 'late_fee': {
      const r = request as RequestOf<'late_fee'>;
      if (r.mode === 'line') return writes.addInvoiceLines({ key, invoiceExternalId: r.invoiceExternalId, lines: r.lines });
      const { mode: _mode, ...invoice } = r;
      return writes.createInvoice({ key, ...invoice });
    }
    case 'plan_invoice':
      return writes.createInvoice({ key, ...(request as RequestOf<'plan_invoice'>) });
    case 'fee_invoice':
      return writes.createInvoice({ key, ...(request as RequestOf<'fee_invoice'>) });
    case 'void':
      return writes.voidDocument({ key, ...(request as RequestOf<'void'>) });
    case 'note':
      // Written by the caller through the ledger's notes (no document to create).
      return null;
    case 'allocation':
      return writes.allocateCredit({ key, ...(request as RequestOf<'allocation'>) });
    case 'authorise_invoice':
      return writes.authoriseInvoice({ key, invoiceExternalId: (request as RequestOf<'authorise_invoice'>).invoiceExternalId });
    case 'refund':
      return writes.createRefund({ key, ...(request as RequestOf<'refund'>) });
  }
}

function need(value: string | null, what: string): string {
  if (!value) throw new LedgerError('validation', `The write-back has no ${what}.`);
  return value;
}

async function finish(deps: WritebackDeps, id: string, set: Partial<typeof writebacks.$inferInsert>): Promise<void> {
  await deps.db
    .update(writebacks)
    .set({ ...set, leaseUntil: null, updatedAt: deps.now() })
    .where(eq(writebacks.id, id));
}

/**
 * Put the row back where the next attempt picks it up. A `sending` row goes back to `pending`:
 * both make the same call with the same key next time, and the ledger replays it if the earlier
 * call did land. The delay asked for is stored as `next_attempt_at`, so the sweep waits for it too.
 */
async function release(deps: WritebackDeps, row: LeasedRow, error: string, delayMs: number | null, options: { refund?: boolean; deferred?: boolean } = {}): Promise<ExecuteResult> {
  await deps.db
    .update(writebacks)
    .set({
      error,
      leaseUntil: null,
      nextAttemptAt: delayMs ? new Date(deps.now().getTime() + delayMs) : null,
      updatedAt: deps.now(),
      ...(row.status === 'sending' ? { status: 'pending' } : {}),
      ...(options.refund ? { attempts: sql`greatest(${writebacks.attempts} - 1, 0)` } : {}),
      ...(options.deferred ? { deferrals: sql`${writebacks.deferrals} + 1` } : {}),
    })
    .where(eq(writebacks.id, row.id));
  return { outcome: 'retry', delayMs, error };
}

/**
 * Give up: the row is marked failed with the ledger's words for a person to check (Retry uses the
 * same key). A note failing after a confirmed write leaves the write confirmed and marks only the
 * note failed, so the sweep stops picking it up.
 */
async function fail(deps: WritebackDeps, row: LeasedRow, error: string): Promise<ExecuteResult> {
  if (row.status === 'confirmed') {
    await finish(deps, row.id, { noteStatus: 'failed', error: `The note was not written: ${error}` });
    return { outcome: 'confirmed' };
  }
  await finish(deps, row.id, { status: 'failed', error });
  if (row.kind === 'note') await dissolveBatch(deps.db, row.id);
  await activity(deps, row, 'writeback.failed', `Write-back failed: ${error}`);
  return { outcome: 'failed' };
}

/** Marks the row confirmed and records its `writeback.confirmed` activity, in one statement. */
async function confirmWithActivity(deps: WritebackDeps, row: LeasedRow, result: unknown, summary: string): Promise<void> {
  await preparedRows(deps.db, CONFIRM, [row.id, deps.now().toISOString(), JSON.stringify(result), row.firm_id, row.organisation_id, row.invoice_id, row.contact_id, summary, JSON.stringify({ writebackId: row.id, kind: row.kind })]);
}

async function activity(deps: WritebackDeps, row: LeasedRow, kind: string, summary: string): Promise<void> {
  await deps.db.insert(activities).values({
    firmId: row.firm_id,
    organisationId: row.organisation_id,
    actorType: 'system',
    kind,
    invoiceId: row.invoice_id,
    contactId: row.contact_id,
    summary,
    details: { writebackId: row.id, kind: row.kind },
  });
}

const providerName = (p: string) => (p === 'xero' ? 'Xero' : 'QuickBooks');

function confirmedSummary(kind: WritebackKind, doc: LedgerDocument | null, provider: string): string {
  const where = providerName(provider);
  const what = doc?.number ? ` ${doc.number}` : '';
  switch (kind) {
    case 'pay_link':
      return `Pay link added to the invoice in ${where}`;
    case 'payment':
      return `Payment of ${doc?.total ?? ''} recorded in ${where}`;
    case 'credit_note':
      return `Credit note${what} for ${doc?.total ?? ''} created and allocated in ${where}`;
    case 'late_fee':
      return `Late fee${what} posted in ${where}`;
    case 'plan_invoice':
      return `Instalment invoice${what} for ${doc?.total ?? ''} created in ${where}`;
    case 'fee_invoice':
      return `Fee invoice${what} for ${doc?.total ?? ''} created in ${where}`;
    case 'void':
      return `Reversed in ${where}`;
    case 'note':
      return `Note added to the invoice in ${where}`;
    case 'allocation':
      return `Credit applied to the invoice in ${where}`;
    case 'authorise_invoice':
      return `Invoice${what} approved in ${where} after review`;
    case 'refund':
      return `Refund of ${doc?.total ?? ''} paid to the customer in ${where}`;
  }
}
