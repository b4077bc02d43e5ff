/**
 * A reply waiting for a collector pauses the customer's reminders: the customer pause reminders
 * already honour (`reminder_customers.paused_until`, checked by the planner and again at send
 * time, skip reason "customer paused"), set with a reason of its own so it is lifted only when it
 * is still ours — a pause a collector set by hand is never shortened or lifted. The pause runs
 * REPLY_PAUSE_DAYS at most, so a reply nobody looks at does not stop a customer's reminders for ever.
 */
import { sql } from 'drizzle-orm';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';

export const REPLY_PAUSE_REASON = 'A reply is waiting for a collector';
export const REPLY_PAUSE_DAYS = 30;

type Customer = { firmId: string; organisationId: string; contactExternalId: string };

export async function pauseForReply(db: Db, c: Customer, today: CalendarDate): Promise<void> {
  const until = addDays(today, REPLY_PAUSE_DAYS);
  await queryRows(
    db,
    sql`INSERT INTO reminder_customers (firm_id, organisation_id, contact_external_id, paused_until, pause_reason)
        VALUES (${c.firmId}::uuid, ${c.organisationId}::uuid, ${c.contactExternalId}, ${until}::date, ${REPLY_PAUSE_REASON})
        ON CONFLICT (organisation_id, contact_external_id) DO UPDATE
          SET paused_until = EXCLUDED.paused_until, pause_reason = EXCLUDED.pause_reason, updated_at = now()
          WHERE reminder_customers.paused_until IS NULL OR reminder_customers.paused_until < ${today}::date OR reminder_customers.pause_reason = ${REPLY_PAUSE_REASON}
        RETURNING id`,
  );
}

/** Lift our pause once no reply of the customer waits any more. */
export async function liftReplyPause(db: Db, c: Customer): Promise<void> {
  await queryRows(
    db,
    sql`UPDATE reminder_customers SET paused_until = NULL, pause_reason = NULL, updated_at = now()
         WHERE organisation_id = ${c.organisationId}::uuid AND contact_external_id = ${c.contactExternalId} AND pause_reason = ${REPLY_PAUSE_REASON}
           AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.firm_id = ${c.firmId}::uuid AND r.organisation_id = ${c.organisationId}::uuid AND r.contact_external_id = ${c.contactExternalId} AND r.status = 'suggested')
        RETURNING id`,
  );
}
