/**
 * The end of a complete run, in one transaction: derived fields (contact links, QuickBooks'
 * fully-paid dates), a full sync's reconciliation (documents the ledger no longer lists are
 * marked deleted — QuickBooks' query path cannot see deletions, only CDC can), the checkpoints
 * advanced to the newest change seen per entity, the portfolio's rollups of the organisation
 * brought up to date (and the dashboard's per-customer state, decision 064), the run marked succeeded, and one sync.completed activity. If anything here fails, nothing moves and the run is re-done.
 */
import { SYNC_ENTITY_TYPES, type SyncEntityType } from '../../integrations/ledger/types';
import type { ClaimedRun, SyncCounts, SyncState } from './runs';
import type { SqlConn } from './sql';
import { QBO_PAYMENT_ALLOCATION } from './writers';

/** Invoices whose contact arrived after them get linked. */
export async function linkContacts(conn: SqlConn, organisationId: string): Promise<void> {
  await conn.query(
    `UPDATE invoices i SET contact_id = c.id FROM contacts c
     WHERE i.organisation_id = $1 AND i.contact_id IS NULL AND c.organisation_id = $1 AND c.external_id = i.contact_external_id`,
    [organisationId],
  );
}

/**
 * QuickBooks invoices do not say when they were paid in full: the last settlement date — a
 * payment, a credit memo applied through a payment, or the invoice's own Deposit (its issue date).
 */
export async function deriveQboPaidDates(conn: SqlConn, organisationId: string): Promise<void> {
  await conn.query(
    `WITH settled AS (
       SELECT invoice_external_id, max(date) AS last FROM (
         SELECT invoice_external_id, date FROM payment_allocations WHERE organisation_id = $1
         UNION ALL
         SELECT invoice_external_id, date FROM credit_note_allocations WHERE organisation_id = $1
         UNION ALL
         SELECT external_id, issue_date FROM invoices WHERE organisation_id = $1 AND deposit <> 0
       ) x GROUP BY invoice_external_id)
     UPDATE invoices i SET fully_paid_on = CASE WHEN i.status = 'paid' THEN s.last END
     FROM settled s
     WHERE i.organisation_id = $1 AND i.external_id = s.invoice_external_id
       AND i.fully_paid_on IS DISTINCT FROM (CASE WHEN i.status = 'paid' THEN s.last END)`,
    [organisationId],
  );
  await conn.query(
    `UPDATE invoices i SET fully_paid_on = NULL
     WHERE i.organisation_id = $1 AND i.fully_paid_on IS NOT NULL
       AND (i.status <> 'paid' OR i.deposit = 0 AND NOT EXISTS (SELECT 1 FROM payment_allocations a WHERE a.organisation_id = $1 AND a.invoice_external_id = i.external_id)
            AND NOT EXISTS (SELECT 1 FROM credit_note_allocations a WHERE a.organisation_id = $1 AND a.invoice_external_id = i.external_id))`,
    [organisationId],
  );
}

/**
 * QuickBooks invoices say only TotalAmt and Balance; a credit memo reaches an invoice through a
 * payment that links both (often a zero-amount one), stored as `qbo-payment:` credit-note
 * allocations. The invoice's amountCredited is what those apply, and amountPaid the rest of
 * TotalAmt − Balance (cash and the Deposit). Voided and deleted invoices keep their zeros.
 */
export async function deriveQboCredited(conn: SqlConn, organisationId: string): Promise<void> {
  await conn.query(
    `UPDATE invoices i SET amount_credited = x.credited, amount_paid = greatest(i.total - i.amount_due - x.credited, 0)
     FROM (
       SELECT inv.id, coalesce(sum(ca.amount), 0) AS credited
       FROM invoices inv
       LEFT JOIN (credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted'))
         ON ca.organisation_id = inv.organisation_id AND ca.invoice_external_id = inv.external_id
       WHERE inv.organisation_id = $1 AND inv.status NOT IN ('voided', 'deleted')
       GROUP BY inv.id
     ) x
     WHERE i.id = x.id
       AND (i.amount_credited IS DISTINCT FROM x.credited OR i.amount_paid IS DISTINCT FROM greatest(i.total - i.amount_due - x.credited, 0))`,
    [organisationId],
  );
}

/** After a full read: whatever this run did not see is gone from the ledger. Returns how many. */
export async function reconcileFullSync(conn: SqlConn, organisationId: string, startedAt: Date): Promise<number> {
  const at = startedAt.toISOString();
  let n = 0;
  const count = (rows: { n?: unknown }[]) => Number(rows[0]?.n ?? 0);
  n += count(
    await conn.query(
      `WITH d AS (UPDATE invoices SET status = 'deleted', amount_due = 0 WHERE organisation_id = $1 AND synced_at < $2 AND status <> 'deleted' RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [organisationId, at],
    ),
  );
  n += count(
    await conn.query(
      `WITH d AS (UPDATE payments SET status = 'deleted' WHERE organisation_id = $1 AND synced_at < $2 AND status <> 'deleted' RETURNING id, external_id),
            a AS (DELETE FROM payment_allocations WHERE payment_id IN (SELECT id FROM d) RETURNING 1),
            c AS (DELETE FROM credit_note_allocations WHERE organisation_id = $1 AND external_id LIKE '${QBO_PAYMENT_ALLOCATION}%'
                    AND split_part(external_id, ':', 2) IN (SELECT external_id FROM d) RETURNING 1)
       SELECT (SELECT count(*) FROM d)::int AS n, (SELECT count(*) FROM a) + (SELECT count(*) FROM c) AS children`,
      [organisationId, at],
    ),
  );
  n += count(
    await conn.query(
      `WITH d AS (UPDATE credit_notes SET status = 'deleted', remaining_credit = 0 WHERE organisation_id = $1 AND synced_at < $2 AND status <> 'deleted' RETURNING id),
            a AS (DELETE FROM credit_note_allocations WHERE credit_note_id IN (SELECT id FROM d) RETURNING 1)
       SELECT (SELECT count(*) FROM d)::int AS n, (SELECT count(*) FROM a) AS children`,
      [organisationId, at],
    ),
  );
  n += count(
    await conn.query(
      `WITH d AS (UPDATE prepayments SET status = 'deleted', remaining_credit = 0 WHERE organisation_id = $1 AND synced_at < $2 AND status <> 'deleted' RETURNING id),
            a AS (DELETE FROM prepayment_allocations WHERE prepayment_id IN (SELECT id FROM d) RETURNING 1)
       SELECT (SELECT count(*) FROM d)::int AS n, (SELECT count(*) FROM a) AS children`,
      [organisationId, at],
    ),
  );
  n += count(
    await conn.query(
      `WITH d AS (UPDATE contacts SET status = 'deleted', deleted_at = coalesce(deleted_at, now()) WHERE organisation_id = $1 AND synced_at < $2 AND status <> 'deleted' RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [organisationId, at],
    ),
  );
  return n;
}

/** The next checkpoint per entity: the newest change seen, or the old checkpoint. */
export function nextCheckpoints(run: Pick<ClaimedRun, 'cursor'>): Record<SyncEntityType, string | null> {
  const out = {} as Record<SyncEntityType, string | null>;
  for (const e of SYNC_ENTITY_TYPES) {
    const start = run.cursor.start[e] ?? null;
    const high = run.cursor.highWater[e] ?? null;
    out[e] = high && (!start || Date.parse(high) > Date.parse(start)) ? high : start;
  }
  return out;
}

function describeCounts(c: SyncCounts): string {
  const parts = [`${c.invoices} invoice${c.invoices === 1 ? '' : 's'}`, `${c.payments} payment${c.payments === 1 ? '' : 's'}`, `${c.creditNotes} credit note${c.creditNotes === 1 ? '' : 's'}`, `${c.contacts} contact${c.contacts === 1 ? '' : 's'}`];
  if (c.overpayments) parts.push(`${c.overpayments} overpayment${c.overpayments === 1 ? '' : 's'}`);
  if (c.prepayments) parts.push(`${c.prepayments} prepayment${c.prepayments === 1 ? '' : 's'}`);
  if (c.deleted) parts.push(`${c.deleted} removed`);
  return parts.join(', ');
}

export interface FinishResult {
  durationMs: number;
  checkpoints: Record<SyncEntityType, string | null>;
}

/**
 * Derive, reconcile, advance the checkpoints, close the run and log the activity — atomically.
 * Null when the run was already closed: a worker that was only slow, not dead, can be found
 * stalled and its job run again elsewhere (docs/decisions/011, 051), and both copies reach the
 * end; the run row is locked first, so the second one finishes nothing and the organisation has
 * one sync.completed for the run.
 */
export async function finishRun(conn: SqlConn, run: ClaimedRun, params: { counts: SyncCounts; apiCalls: number; progress: number; full: boolean }): Promise<FinishResult | null> {
  return conn.transaction(async (c) => {
    const [row] = (await c.query<{ status: string }>('SELECT status FROM sync_runs WHERE id = $1 FOR UPDATE', [run.runId])) as { status: string }[];
    if (!row || row.status === 'succeeded' || row.status === 'failed') return null;
    await linkContacts(c, run.organisationId);
    if (params.full) params.counts.deleted += await reconcileFullSync(c, run.organisationId, run.startedAt);
    if (run.provider === 'quickbooks') {
      await deriveQboPaidDates(c, run.organisationId);
      await deriveQboCredited(c, run.organisationId);
    }
    // The portfolio's rollups of this organisation, from the earliest day this run's changes reached (docs/decisions/027).
    await c.query('SELECT arcus_refresh_pending_rollup($1, $2)', [run.firmId, run.organisationId]);
    // The dashboard's per-customer state: the customers this run's changes marked, at its state day (decision 064).
    await c.query('SELECT arcus_refresh_customer_overdue($1, $2, NULL)', [run.firmId, run.organisationId]);
    const checkpoints = nextCheckpoints(run);
    const [{ now }] = (await c.query<{ now: Date }>('SELECT now() AS now')) as [{ now: Date }];
    const patch: SyncState = { checkpoints, lastRunId: run.runId, ...(params.full ? { lastFullSyncAt: new Date(now).toISOString() } : {}) };
    await c.query(`UPDATE organisations SET sync_state = sync_state || $2::jsonb, last_sync_at = now(), updated_at = now() WHERE id = $1`, [run.organisationId, JSON.stringify(patch)]);
    const cursor = { ...run.cursor, positions: {}, done: [...SYNC_ENTITY_TYPES], heartbeatAt: new Date(now).toISOString() };
    await c.query(`UPDATE sync_runs SET status = 'succeeded', finished_at = now(), counts = $2::jsonb, api_calls = $3, progress = $4, cursor = $5::jsonb, deferred_until = NULL WHERE id = $1`, [
      run.runId,
      JSON.stringify(params.counts),
      params.apiCalls,
      params.progress,
      JSON.stringify(cursor),
    ]);
    const durationMs = Math.max(0, new Date(now).getTime() - run.startedAt.getTime());
    const label = run.provider === 'xero' ? 'Xero' : 'QuickBooks';
    await c.query(
      `INSERT INTO activities (firm_id, organisation_id, actor_type, kind, summary, details) VALUES ($1, $2, 'system', 'sync.completed', $3, $4::jsonb)`,
      [
        run.firmId,
        run.organisationId,
        `Synced ${run.organisationName} from ${label}: ${describeCounts(params.counts)} (${params.apiCalls} API call${params.apiCalls === 1 ? '' : 's'}, ${(durationMs / 1000).toFixed(1)} s)`,
        JSON.stringify({ runId: run.runId, kind: run.kind, counts: params.counts, apiCalls: params.apiCalls, durationMs }),
      ],
    );
    return { durationMs, checkpoints };
  });
}
