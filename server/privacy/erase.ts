/**
 * Erasing a debtor's personal data on request (GDPR Art. 17), in one transaction:
 *
 * - the suppression marker (`privacy_erasures`) first: from then on database triggers keep the
 *   contact's name, addresses, emails, phones and raw ledger payload empty whoever writes the row —
 *   a later sync's upsert included — keep the customer excluded from reminders with no addresses
 *   set in Arcus, and refuse to store their unsubscribe addresses (migration 0015);
 * - the contact de-identified ("Erased customer 3F9A1C"), the raw ledger payloads of their invoices,
 *   payments and credit notes dropped; the documents themselves, amounts and dates, are kept: the
 *   firm's clients must keep accounting records (Art. 17(3)(b)), and analytics stay to the cent;
 * - reminder emails sent to them lose recipients, subject and body; planned ones are skipped;
 * - timeline entries about them (notes, promises, disputes, replies) lose their text; letters lose
 *   their printed content (name, address), and one not yet posted is held back;
 * - pay links revoked; unsubscribes, customer-specific policies, scores and demo mailbox copies deleted;
 * - the reason and what was kept go into the erasure row and the audit log, without the name.
 *
 * The ledger itself (Xero, QuickBooks) is the firm's client's system: Arcus does not delete the
 * contact there; docs/privacy.md says so.
 */
import { sql } from 'drizzle-orm';
import { longDate } from '../../kernel/dates';
import { conflict } from '../../kernel/errors';
import { type Db, queryRows } from '../db/client';
import { privacyErasures } from '../db/schema';
import { type AuditActor, recordAudit } from './audit';
import { loadDebtor } from './debtor';
import { ERASURE_REASON_TEXT, type ErasureReason, erasureReference, retainedStatement } from './policy';

export interface ErasureResult {
  erasureId: string;
  reference: string;
  /** The customer as shown from now on. */
  name: string;
  kept: { invoices: number; payments: number; creditNotes: number };
  removed: { reminderEmails: number; timelineEntries: number; payLinks: number; mailbox: number };
  retained: string;
}

const ERASED_NOTE = 'Details removed: the customer’s personal data was erased.';

async function count(db: Db, q: ReturnType<typeof sql>): Promise<number> {
  const rows = await queryRows<{ n: number | string }>(db, q);
  return Number(rows[0]?.n ?? 0);
}

export async function eraseDebtor(db: Db, p: { firmId: string; contactId: string; reason: ErasureReason; actor: AuditActor; now: Date }): Promise<ErasureResult> {
  const d = await loadDebtor(db, p.firmId, p.contactId);
  if (d.erasedAt) throw conflict(`This customer’s personal data was already erased on ${longDate(d.erasedAt.slice(0, 10))}.`, 'already_erased');
  const { firmId, now } = p;
  const org = d.organisationId;
  const ext = d.externalId;
  const addresses = (Array.isArray(d.emails) ? (d.emails as { address?: unknown }[]) : []).map((e) => (typeof e.address === 'string' ? e.address.toLowerCase() : '')).filter(Boolean);

  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const kept = {
      invoices: await count(t, sql`SELECT count(*) AS n FROM invoices WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`),
      payments: await count(t, sql`SELECT count(*) AS n FROM payments WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`),
      creditNotes: await count(t, sql`SELECT count(*) AS n FROM credit_notes WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`),
    };
    const retained = retainedStatement(kept);
    const [marker] = await t
      .insert(privacyErasures)
      .values({ firmId, organisationId: org, contactExternalId: ext, reason: p.reason, retained, counts: kept, requestedByUserId: p.actor.userId, createdAt: now })
      .onConflictDoNothing()
      .returning({ id: privacyErasures.id });
    if (!marker) throw conflict('This customer’s personal data was already erased.', 'already_erased');
    const reference = erasureReference(marker.id);
    const name = `Erased customer ${reference}`;

    // The contact (the trigger would do the same; explicit here so the intent reads in one place).
    await t.execute(sql`UPDATE contacts SET name = ${name}, first_name = NULL, last_name = NULL, emails = '[]'::jsonb, phones = '[]'::jsonb, addresses = '[]'::jsonb, raw = NULL
      WHERE firm_id = ${firmId} AND organisation_id = ${org} AND external_id = ${ext}`);
    // Accounting records stay, with their amounts; the raw ledger payloads that name the contact go.
    for (const table of ['invoices', 'payments', 'credit_notes']) {
      await t.execute(sql`UPDATE ${sql.identifier(table)} SET raw = NULL WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} AND raw IS NOT NULL`);
    }
    const reminderEmails = await count(
      t,
      sql`WITH u AS (UPDATE reminder_sends SET recipients = '[]'::jsonb, rejected = '[]'::jsonb, subject_line = NULL, body_text = NULL, body_html = NULL, error = NULL,
            status = CASE WHEN status IN ('pending_approval', 'awaiting_client', 'claimed', 'failed_temporary') THEN 'skipped' ELSE status END,
            skip_reason = CASE WHEN status IN ('pending_approval', 'awaiting_client', 'claimed', 'failed_temporary') THEN 'Personal data erased' ELSE skip_reason END,
            updated_at = ${now}
          WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} RETURNING 1) SELECT count(*) AS n FROM u`,
    );
    const timelineEntries = await count(
      t,
      sql`WITH u AS (UPDATE activities SET summary = ${ERASED_NOTE},
            details = jsonb_strip_nulls(jsonb_build_object('erased', true, 'contactExternalId', details->>'contactExternalId', 'writebackId', details->>'writebackId', 'invoiceExternalId', details->>'invoiceExternalId'))
          WHERE firm_id = ${firmId} AND organisation_id = ${org} AND (contact_id = ${d.contactId} OR details->>'contactExternalId' = ${ext}) RETURNING 1) SELECT count(*) AS n FROM u`,
    );
    // A collector's follow-ups say what to do with the customer in free text.
    await t.execute(sql`UPDATE collector_tasks SET title = ${ERASED_NOTE}, updated_at = ${now} WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`);
    // Letters (server/letters/): the printed snapshot holds the name and address; a letter not yet posted is not printed.
    await t.execute(sql`UPDATE letters SET customer_name = ${name}, content = '{}'::jsonb, blocked_reason = CASE WHEN status = 'queued' THEN ${ERASED_NOTE} ELSE blocked_reason END,
      status = CASE WHEN status = 'queued' THEN 'blocked' ELSE status END, updated_at = ${now} WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`);
    const payLinks = await count(
      t,
      sql`WITH u AS (UPDATE pay_links SET revoked_at = coalesce(revoked_at, ${now}) WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext} RETURNING 1) SELECT count(*) AS n FROM u`,
    );
    await t.execute(sql`INSERT INTO reminder_customers (firm_id, organisation_id, contact_external_id, excluded, pause_reason, updated_at)
      VALUES (${firmId}, ${org}, ${ext}, true, 'Personal data erased', ${now})
      ON CONFLICT (organisation_id, contact_external_id) DO UPDATE SET excluded = true, recipients = NULL, pause_reason = 'Personal data erased', updated_at = excluded.updated_at`);
    await t.execute(sql`DELETE FROM reminder_unsubscribes WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`);
    await t.execute(sql`DELETE FROM reminder_policies WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`);
    await t.execute(sql`DELETE FROM customer_scores WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`);
    await t.execute(sql`DELETE FROM customer_score_history WHERE firm_id = ${firmId} AND organisation_id = ${org} AND contact_external_id = ${ext}`);
    const mailbox = addresses.length
      ? await count(
          t,
          sql`WITH u AS (DELETE FROM mailbox_messages WHERE firm_id = ${firmId}
                AND EXISTS (SELECT 1 FROM unnest(envelope_to) a WHERE lower(a) IN (${sql.join(addresses.map((a) => sql`${a}`), sql`, `)})) RETURNING 1) SELECT count(*) AS n FROM u`,
        )
      : 0;

    await recordAudit(
      t,
      p.actor,
      {
        firmId,
        organisationId: org,
        action: 'privacy.debtor_erased',
        summary: `Erased the personal data of a customer of ${d.organisationName} (now “${name}”) because ${ERASURE_REASON_TEXT[p.reason]}. ${retained}`,
        details: { erasureId: marker.id, reason: p.reason, legalBasis: 'GDPR Art. 17(3)(b)', kept, removed: { reminderEmails, timelineEntries, payLinks, mailbox } },
      },
      now,
    );
    return { erasureId: marker.id, reference, name, kept, removed: { reminderEmails, timelineEntries, payLinks, mailbox }, retained };
  });
}

export interface ErasureRow {
  id: string;
  reference: string;
  customer: string;
  organisationName: string;
  reason: string;
  retained: string;
  erasedAt: string;
  erasedBy: string | null;
}

/** The firm's erasures, newest first. */
export async function listErasures(db: Db, firmId: string): Promise<ErasureRow[]> {
  const rows = await queryRows<{ id: string; reason: ErasureReason; retained: string; created_at: string | Date; organisation_name: string; by: string | null }>(
    db,
    sql`SELECT e.id, e.reason, e.retained, e.created_at, o.name AS organisation_name, u.name AS by
      FROM privacy_erasures e JOIN organisations o ON o.id = e.organisation_id LEFT JOIN users u ON u.id = e.requested_by_user_id
      WHERE e.firm_id = ${firmId} ORDER BY e.created_at DESC LIMIT 500`,
  );
  return rows.map((r) => ({
    id: r.id,
    reference: erasureReference(r.id),
    customer: `Erased customer ${erasureReference(r.id)}`,
    organisationName: r.organisation_name,
    reason: ERASURE_REASON_TEXT[r.reason] ?? r.reason,
    retained: r.retained,
    erasedAt: new Date(r.created_at).toISOString(),
    erasedBy: r.by,
  }));
}
