/**
 * Retention (per firm): the periods an admin sets in Settings › Privacy and the deletion they
 * drive. `applyRetention` runs as the firm (the `privacy.retention` job, once a day per firm) on the
 * clock it is given:
 *
 * - reminder emails sent before the email cut-off lose subject and body (the row — when, which
 *   step, which invoices — stays for the timeline and the send's exactly-once bookkeeping), and the
 *   demo mailbox's copies are deleted;
 * - timeline entries (activities) created before the timeline cut-off are deleted;
 * - customers with nothing open whose last invoice, payment or timeline entry is before the closed
 *   cut-off are erased exactly as on request (server/privacy/erase.ts), reason `retention`.
 *
 * Data newer than a cut-off, and every kind whose period is not set, are untouched.
 */
import { eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { firms, privacySettings } from '../db/schema';
import { type AuditActor, recordAudit, SYSTEM_ACTOR } from './audit';
import { eraseDebtor } from './erase';
import { NO_RETENTION, plural, type Retention, retentionCutoffs } from './policy';

export async function getRetention(db: Db, firmId: string): Promise<Retention & { lastRunAt: string | null }> {
  const [row] = await db.select().from(privacySettings).where(eq(privacySettings.firmId, firmId));
  if (!row) return { ...NO_RETENTION, lastRunAt: null };
  return { emailBodyDays: row.emailBodyDays, activityNoteDays: row.activityNoteDays, closedDebtorDays: row.closedDebtorDays, lastRunAt: row.lastRunAt?.toISOString() ?? null };
}

function describe(r: Retention): string {
  const one = (label: string, days: number | null) => `${label}: ${days === null ? 'kept' : plural(days, 'day')}`;
  return [one('email bodies', r.emailBodyDays), one('timeline', r.activityNoteDays), one('closed customers', r.closedDebtorDays)].join('; ');
}

export async function setRetention(db: Db, firmId: string, input: Retention, actor: AuditActor, now: Date): Promise<Retention & { lastRunAt: string | null }> {
  const before = await getRetention(db, firmId);
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await t
      .insert(privacySettings)
      .values({ firmId, ...input, updatedAt: now })
      .onConflictDoUpdate({ target: privacySettings.firmId, set: { ...input, updatedAt: now } });
    await recordAudit(t, actor, { firmId, action: 'privacy.retention_changed', summary: `Retention set to ${describe(input)} (was ${describe(before)})`, details: { from: before, to: input } }, now);
  });
  return getRetention(db, firmId);
}

export interface RetentionOutcome {
  emailBodies: number;
  mailbox: number;
  activities: number;
  erasedCustomers: number;
}

/** Customers of the firm with nothing open and nothing since `before` (a day), not yet erased. */
export async function closedDebtorsBefore(db: Db, firmId: string, before: string): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`SELECT c.id FROM contacts c
      WHERE c.firm_id = ${firmId}
        AND NOT EXISTS (SELECT 1 FROM privacy_erasures e WHERE e.organisation_id = c.organisation_id AND e.contact_external_id = c.external_id)
        AND EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = c.organisation_id AND i.contact_external_id = c.external_id)
        AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = c.organisation_id AND i.contact_external_id = c.external_id
                          AND i.amount_due <> 0 AND lower(i.status) IN ('draft', 'submitted', 'authorised'))
        AND greatest(
              (SELECT max(greatest(i.issue_date, coalesce(i.settled_on, i.issue_date), coalesce(i.fully_paid_on, i.issue_date))) FROM invoices i
                WHERE i.organisation_id = c.organisation_id AND i.contact_external_id = c.external_id),
              (SELECT max(p.date) FROM payments p WHERE p.organisation_id = c.organisation_id AND p.contact_external_id = c.external_id),
              (SELECT max(a.created_at)::date FROM activities a WHERE a.organisation_id = c.organisation_id AND a.contact_id = c.id)
            ) < ${before}::date
      ORDER BY c.id`,
  );
  return rows.map((r) => r.id);
}

export async function applyRetention(db: Db, firmId: string, now: Date): Promise<RetentionOutcome> {
  const settings = await getRetention(db, firmId);
  const cut = retentionCutoffs(settings, now);
  const out: RetentionOutcome = { emailBodies: 0, mailbox: 0, activities: 0, erasedCustomers: 0 };
  const n = async (q: ReturnType<typeof sql>) => Number((await queryRows<{ n: number | string }>(db, q))[0]?.n ?? 0);
  if (cut.emailBodiesBefore) {
    out.emailBodies = await n(sql`WITH u AS (UPDATE reminder_sends SET subject_line = NULL, body_text = NULL, body_html = NULL
        WHERE firm_id = ${firmId} AND coalesce(sent_at, claimed_at) < ${cut.emailBodiesBefore}
          AND status NOT IN ('claimed', 'sending', 'pending_approval', 'awaiting_client', 'failed_temporary')
          AND (subject_line IS NOT NULL OR body_text IS NOT NULL OR body_html IS NOT NULL) RETURNING 1) SELECT count(*) AS n FROM u`);
    out.mailbox = await n(sql`WITH d AS (DELETE FROM mailbox_messages WHERE firm_id = ${firmId} AND received_at < ${cut.emailBodiesBefore} RETURNING 1) SELECT count(*) AS n FROM d`);
  }
  if (cut.activitiesBefore) {
    out.activities = await n(sql`WITH d AS (DELETE FROM activities WHERE firm_id = ${firmId} AND created_at < ${cut.activitiesBefore} RETURNING 1) SELECT count(*) AS n FROM d`);
  }
  if (cut.closedDebtorsBefore) {
    for (const contactId of await closedDebtorsBefore(db, firmId, cut.closedDebtorsBefore)) {
      await eraseDebtor(db, { firmId, contactId, reason: 'retention', actor: SYSTEM_ACTOR, now });
      out.erasedCustomers++;
    }
  }
  await db.update(privacySettings).set({ lastRunAt: now }).where(eq(privacySettings.firmId, firmId));
  const total = out.emailBodies + out.mailbox + out.activities + out.erasedCustomers;
  if (total > 0) {
    await recordAudit(
      db,
      SYSTEM_ACTOR,
      {
        firmId,
        action: 'privacy.retention_applied',
        summary: `Retention: removed ${plural(out.emailBodies + out.mailbox, 'email body', 'email bodies')}, deleted ${plural(out.activities, 'timeline entry', 'timeline entries')}, erased ${plural(out.erasedCustomers, 'closed customer')}`,
        details: { ...out },
      },
      now,
    );
  }
  return out;
}

/** Firms with a retention period set (the daily tick's list; as the system). */
export async function firmsWithRetention(db: Db): Promise<string[]> {
  const rows = await db
    .select({ firmId: privacySettings.firmId })
    .from(privacySettings)
    .innerJoin(firms, eq(firms.id, privacySettings.firmId))
    .where(sql`${privacySettings.emailBodyDays} IS NOT NULL OR ${privacySettings.activityNoteDays} IS NOT NULL OR ${privacySettings.closedDebtorDays} IS NOT NULL`);
  return rows.map((r) => r.firmId);
}
