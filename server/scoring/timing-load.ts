/**
 * What the forecast knows about when an open invoice will be paid beyond the model (decision
 * 039): a live promise to pay (the latest `promise.recorded` for the invoice, or for its customer
 * while the invoice was open, with a date still ahead) and an active payment plan's instalments
 * (covered invoices oldest first: each is due when the instalments due so far cover it).
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import type { CalendarDate } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { PROMISE_RECORDED } from './in-motion';

/** By invoice id: the day it is promised or planned to be paid (after `day`). */
export async function loadPlannedDates(db: Db, firmId: string, organisationIds: readonly string[], day: CalendarDate): Promise<Map<string, CalendarDate>> {
  const out = new Map<string, CalendarDate>();
  if (organisationIds.length === 0) return out;
  const orgs = sql.join(
    organisationIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  // Promises: per open invoice, the latest promise on it or on its customer (recorded while it was open).
  const promised = await queryRows<{ invoice_id: string; promised: string }>(
    db,
    sql`SELECT DISTINCT ON (i.id) i.id AS invoice_id, a.details->>'promisedDate' AS promised
        FROM activities a
        JOIN invoices i ON i.firm_id = a.firm_id AND i.organisation_id = a.organisation_id
          AND (i.id = a.invoice_id OR (a.invoice_id IS NULL AND i.contact_external_id = coalesce((SELECT c.external_id FROM contacts c WHERE c.id = a.contact_id), a.details->>'contactExternalId')
               AND i.issue_date <= a.created_at::date))
        WHERE a.firm_id = ${firmId} AND a.organisation_id IN (${orgs}) AND a.kind = ${PROMISE_RECORDED}
          AND a.details->>'promisedDate' ~ '^\\d{4}-\\d{2}-\\d{2}$'
          AND i.settled_on IS NULL AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
        ORDER BY i.id, a.created_at DESC`,
  );
  for (const r of promised) if (r.promised > day) out.set(r.invoice_id, r.promised);
  // Active plans: instalments still due, against the covered invoices' open balances, oldest first.
  const plans = await queryRows<{ plan_id: string; invoice_ids: string[] | string; due: string[] | string; amounts: string[] | string }>(
    db,
    sql`SELECT p.id AS plan_id, p.invoice_ids,
          array_agg(x.due_date::text ORDER BY x.seq) AS due, array_agg(x.amount::text ORDER BY x.seq) AS amounts
        FROM payment_plans p JOIN payment_plan_instalments x ON x.plan_id = p.id AND x.firm_id = p.firm_id
        WHERE p.firm_id = ${firmId} AND p.organisation_id IN (${orgs}) AND p.status = 'active' AND x.status = 'due'
        GROUP BY p.id, p.invoice_ids`,
  );
  const list = (v: string[] | string) => (Array.isArray(v) ? v : v.replace(/[{}"]/g, '').split(',').filter(Boolean));
  for (const plan of plans) {
    const ids = list(plan.invoice_ids);
    if (ids.length === 0) continue;
    const balances = await queryRows<{ id: string; amount_due: string }>(
      db,
      sql`SELECT id, amount_due::text AS amount_due FROM invoices WHERE firm_id = ${firmId} AND id IN (${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )}) AND settled_on IS NULL`,
    );
    const due = new Map(balances.map((b) => [b.id, toMinor(b.amount_due, 2, true)]));
    const dates = list(plan.due);
    const amounts = list(plan.amounts).map((a) => toMinor(a, 2, true));
    let k = 0;
    let paid = 0;
    let need = 0;
    for (const id of ids) {
      const owed = due.get(id);
      if (owed === undefined) continue;
      need += owed;
      while (k < dates.length && paid < need) paid += amounts[k++]!;
      if (paid >= need && k > 0 && dates[k - 1]! > day) out.set(id, dates[k - 1]!);
    }
  }
  return out;
}
