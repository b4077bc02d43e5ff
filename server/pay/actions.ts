/**
 * The debtor's own actions on a pay link: promise a payment date, or raise a dispute. Both are
 * `activities` rows with actor_type 'debtor' and the in-motion kinds (server/scoring/in-motion.ts),
 * so the collector's worklist shows them and the reminder planner pauses: a promise holds
 * reminders through its date (also as `reminder_invoice_holds.paused_until`), a dispute until a
 * later `dispute.resolved` for the same invoice or customer (server/reminders/load.ts).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { activities, reminderInvoiceHolds } from '../db/schema';
import { addDays, type CalendarDate, isCalendarDate, longDate } from '../../kernel/dates';
import { invalidField, validationFailed } from '../../kernel/errors';
import { formatDate } from '../reminders/render';
import { INVOICE_DISPUTED, PROMISE_RECORDED } from '../scoring/in-motion';
import { PROMISE_MAX_DAYS } from './summary';
import type { LinkView } from './view';


export const PromiseInput = z.object({
  date: z.string().refine(isCalendarDate, { message: 'Choose the date you will pay on.' }),
  invoiceIds: z.array(z.uuid({ message: 'Choose invoices from this page.' })).min(1, { message: 'Choose at least one invoice.' }).max(200).optional(),
});

export const DISPUTE_REASONS = ['incorrect_amount', 'not_received', 'quality', 'already_paid', 'duplicate', 'other'] as const;
export const DISPUTE_REASON_TEXT: Record<(typeof DISPUTE_REASONS)[number], string> = {
  incorrect_amount: 'the amount is wrong',
  not_received: 'goods or services not received',
  quality: 'a problem with the goods or service',
  already_paid: 'already paid',
  duplicate: 'invoiced twice',
  other: 'another reason',
};

export const DisputeInput = z.object({
  reason: z.enum(DISPUTE_REASONS, { message: 'Choose what is wrong.' }),
  details: z.string().trim().max(1000, { message: 'Please keep this to 1,000 characters or fewer.' }).optional().default(''),
  invoiceId: z.uuid({ message: 'Choose an invoice from this page.' }).optional(),
});

/** The invoices an action names, checked against the link; null = the whole customer (statement links). */
function targets(view: LinkView, ids: readonly string[] | undefined): LinkView['invoices'] | null {
  if (view.link.scope === 'invoice') return view.invoices;
  if (!ids) return null;
  const byId = new Map(view.invoices.map((i) => [i.id, i]));
  const out = ids.map((id) => byId.get(id));
  if (out.some((i) => !i)) throw invalidField('invoiceIds', 'One of the invoices chosen is not on this page. Reload the page and choose again.');
  return out as LinkView['invoices'];
}

export async function recordPromise(db: Db, view: LinkView, input: z.infer<typeof PromiseInput>, now: Date): Promise<{ promisedDate: CalendarDate; invoiceIds: string[] }> {
  const latest = addDays(view.today, PROMISE_MAX_DAYS);
  if (input.date < view.today || input.date > latest) throw invalidField('date', `Choose a date between ${longDate(view.today)} and ${longDate(latest)}.`);
  const chosen = targets(view, input.invoiceIds);
  const covered = (chosen ?? view.invoices).filter((i) => i.status === 'authorised');
  if (covered.length === 0) throw validationFailed('There is nothing left to pay on the invoices chosen.');
  const when = formatDate(input.date, view.org.countryCode);
  const base = { firmId: view.link.firmId, organisationId: view.org.id, actorType: 'debtor', kind: PROMISE_RECORDED, contactId: view.customer.contactId, createdAt: now };
  const details = (extra: Record<string, unknown>) => ({ promisedDate: input.date, contactExternalId: view.link.contactExternalId, source: 'pay_link', payLinkId: view.link.id, ...extra });
  await db.transaction(async (tx) => {
    if (chosen === null) {
      await tx.insert(activities).values({ ...base, invoiceId: null, summary: `${view.customer.name} promised to pay by ${when} (pay link)`, details: details({ invoiceExternalIds: covered.map((i) => i.externalId) }) });
    } else {
      await tx.insert(activities).values(chosen.map((i) => ({ ...base, invoiceId: i.id, summary: `${view.customer.name} promised to pay ${i.number || 'the invoice'} by ${when} (pay link)`, details: details({ invoiceExternalId: i.externalId }) })));
    }
    await tx
      .insert(reminderInvoiceHolds)
      .values(covered.map((i) => ({ firmId: view.link.firmId, organisationId: view.org.id, invoiceExternalId: i.externalId, pausedUntil: input.date, reason: `Promised to pay by ${input.date} (pay link)`, updatedAt: now })))
      .onConflictDoUpdate({
        target: [reminderInvoiceHolds.organisationId, reminderInvoiceHolds.invoiceExternalId],
        // Never shortens a longer pause a collector set.
        set: { pausedUntil: sql`greatest(${reminderInvoiceHolds.pausedUntil}, excluded.paused_until)`, reason: sql`excluded.reason`, updatedAt: now },
        setWhere: sql`${reminderInvoiceHolds.firmId} = ${view.link.firmId}`,
      });
  });
  return { promisedDate: input.date, invoiceIds: covered.map((i) => i.id) };
}

export async function recordDispute(db: Db, view: LinkView, input: z.infer<typeof DisputeInput>, now: Date): Promise<{ invoiceIds: string[] | null }> {
  const chosen = targets(view, input.invoiceId ? [input.invoiceId] : undefined);
  if (view.link.scope === 'invoice' && input.invoiceId && input.invoiceId !== view.link.invoiceId) throw invalidField('invoiceId', 'That invoice is not on this page. Reload the page and try again.');
  const reason = DISPUTE_REASON_TEXT[input.reason];
  const what = chosen?.length === 1 ? chosen[0]!.number || 'an invoice' : 'their invoices';
  await db.insert(activities).values(
    (chosen ?? [null]).map((i) => ({
      firmId: view.link.firmId,
      organisationId: view.org.id,
      actorType: 'debtor',
      kind: INVOICE_DISPUTED,
      contactId: view.customer.contactId,
      invoiceId: i?.id ?? null,
      summary: `${view.customer.name} disputed ${what}: ${reason} (pay link)`,
      details: { reason: input.reason, text: input.details, contactExternalId: view.link.contactExternalId, invoiceExternalId: i?.externalId ?? null, source: 'pay_link', payLinkId: view.link.id },
      createdAt: now,
    })),
  );
  return { invoiceIds: chosen ? chosen.map((i) => i.id) : null };
}
