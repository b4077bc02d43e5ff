/**
 * Billing review (issue #21): which invoices await dispatch, their findings kept up to date after
 * each sync (and on demand), the queue in words, and the review's steps — ask for approval, approve
 * (a different person: one `authorise_invoice` write-back), send back with a comment. See README.md.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { addDays, longDate, todayIn } from '../../kernel/dates';
import { conflict, forbidden, notFound } from '../../kernel/errors';
import { formatMoneyIn, parseAmount } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { billingReviewDecisions, billingReviewItems } from '../db/schema';
import { type RequestDeps, requestWritebacksIn } from '../writebacks/request';
import { agreedTermsFromXero, type BillingPolicy, type Finding, type PastInvoice, runChecks } from './checks';
import { loadPolicies } from './policies';

/** A QuickBooks invoice not yet emailed is reviewed while it is this young (older ones were printed or sent another way). */
export const QBO_REVIEW_WINDOW_DAYS = 30;

export type ReviewStatus = 'to_review' | 'awaiting_approval' | 'approved' | 'sent_back' | 'closed';
export const STATUS_WORDS: Record<ReviewStatus, string> = {
  to_review: 'To review',
  awaiting_approval: 'Awaiting approval',
  approved: 'Approved',
  sent_back: 'Sent back',
  closed: 'Left review',
};

interface CandidateRow {
  id: string;
  external_id: string;
  number: string;
  reference: string;
  issue_date: string;
  due_date: string | null;
  currency: string;
  total: string;
  total_tax: string;
  contact_external_id: string;
  version: string | null;
}

/**
 * Recomputes the findings of every invoice of the organisation awaiting dispatch: Xero drafts and
 * invoices awaiting approval; QuickBooks invoices not yet emailed (EmailStatus NotSet) issued in
 * the last 30 days and still owing. New ones become "To review"; a sent-back one whose invoice
 * changed in the ledger is to review again; ones no longer awaiting dispatch leave the queue.
 */
export async function refreshReview(db: Db, scope: { firmId: string; organisationId: string }, now: Date): Promise<{ items: number; withFindings: number }> {
  const [org] = await queryRows<{ provider: 'xero' | 'quickbooks'; timezone: string }>(db, sql`SELECT provider, timezone FROM organisations WHERE id = ${scope.organisationId} AND firm_id = ${scope.firmId}`);
  if (!org) throw notFound('That organisation does not exist.');
  const today = todayIn(org.timezone, now);
  const candidates = await queryRows<CandidateRow>(
    db,
    org.provider === 'xero'
      ? sql`SELECT id::text, external_id, number, reference, issue_date::text, due_date::text, currency, total::text, total_tax::text, contact_external_id, ledger_updated_at::text AS version
            FROM invoices WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND status IN ('draft', 'submitted')`
      : sql`SELECT id::text, external_id, number, reference, issue_date::text, due_date::text, currency, total::text, total_tax::text, contact_external_id, ledger_updated_at::text AS version
            FROM invoices WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND status = 'authorised'
              AND coalesce(raw->>'EmailStatus', '') = 'NotSet' AND settled_on IS NULL AND issue_date >= ${addDays(today, -QBO_REVIEW_WINDOW_DAYS)}::date`,
  );
  const contactIds = [...new Set(candidates.map((c) => c.contact_external_id))];
  const [contacts, history, bounced, types, tax, policies] = await Promise.all([
    queryRows<{ external_id: string; emails: unknown; raw: unknown }>(db, sql`SELECT external_id, emails, raw FROM contacts WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND external_id = ANY(${textArray(contactIds)})`),
    queryRows<{ external_id: string; contact_external_id: string; number: string; issue_date: string; currency: string; total: string }>(
      db,
      sql`SELECT external_id, contact_external_id, number, issue_date::text, currency, total::text FROM invoices
          WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND contact_external_id = ANY(${textArray(contactIds)}) AND status NOT IN ('voided', 'deleted')
            AND issue_date >= ${addDays(today, -730)}::date`,
    ),
    queryRows<{ address: string; bounced_at: Date | string }>(db, sql`SELECT address, bounced_at FROM bounced_addresses WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId}`),
    queryRows<{ contact_external_id: string; segment: string | null }>(db, sql`SELECT contact_external_id, segment FROM reminder_customers WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND contact_external_id = ANY(${textArray(contactIds)})`),
    queryRows<{ considered: number; with_tax: number }>(
      db,
      sql`SELECT count(*)::int AS considered, count(*) FILTER (WHERE total_tax > 0)::int AS with_tax FROM invoices
          WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND total > 0 AND issue_date >= ${addDays(today, -365)}::date`,
    ),
    candidates.length ? loadPolicies(db, scope.firmId) : Promise.resolve([] as BillingPolicy[]),
  ]);
  const contactOf = new Map(contacts.map((c) => [c.external_id, c]));
  const typeOf = new Map(types.map((t) => [t.contact_external_id, t.segment?.trim() || null]));
  const bouncedDays = bounced.map((b) => ({ address: b.address, on: todayIn(org.timezone, new Date(b.bounced_at)) }));
  const organisation = { invoicesConsidered: tax[0]?.considered ?? 0, invoicesWithTax: tax[0]?.with_tax ?? 0 };

  let withFindings = 0;
  for (const c of candidates) {
    const contact = contactOf.get(c.contact_external_id);
    const emails = emailsOf(contact?.emails);
    const past: PastInvoice[] = history
      .filter((h) => h.contact_external_id === c.contact_external_id && h.external_id !== c.external_id)
      .map((h) => ({ externalId: h.external_id, number: h.number, issueDate: h.issue_date, currency: h.currency, total: parseAmount(h.total, h.currency, true) }));
    const findings = runChecks({
      invoice: { externalId: c.external_id, number: c.number, reference: c.reference, issueDate: c.issue_date, dueDate: c.due_date, currency: c.currency, total: parseAmount(c.total, c.currency, true), totalTax: parseAmount(c.total_tax, c.currency, true) },
      customer: {
        emails,
        bounced: bouncedDays.filter((b) => emails.some((e) => e.toLowerCase() === b.address.toLowerCase())),
        agreedTermsDays: org.provider === 'xero' ? agreedTermsFromXero(contact?.raw) : null,
        customerType: typeOf.get(c.contact_external_id) ?? null,
        history: past,
      },
      organisation,
      policies,
    });
    if (findings.length) withFindings++;
    await db.execute(sql`
      INSERT INTO billing_review_items (firm_id, organisation_id, invoice_id, invoice_external_id, findings, invoice_version, checked_at)
      VALUES (${scope.firmId}::uuid, ${scope.organisationId}::uuid, ${c.id}::uuid, ${c.external_id}, ${JSON.stringify(findings)}::jsonb, ${c.version}, ${now.toISOString()}::timestamptz)
      ON CONFLICT (organisation_id, firm_id, invoice_external_id) DO UPDATE SET
        findings = EXCLUDED.findings, checked_at = EXCLUDED.checked_at, invoice_id = EXCLUDED.invoice_id,
        status = CASE
          WHEN billing_review_items.status = 'closed' THEN 'to_review'
          WHEN billing_review_items.status = 'sent_back' AND billing_review_items.invoice_version IS DISTINCT FROM EXCLUDED.invoice_version THEN 'to_review'
          ELSE billing_review_items.status END,
        invoice_version = EXCLUDED.invoice_version, updated_at = EXCLUDED.checked_at`);
  }
  // No longer awaiting dispatch (approved in the ledger, deleted, sent): out of the queue. Approved items stay as they are.
  await db.execute(sql`
    UPDATE billing_review_items SET status = 'closed', updated_at = ${now.toISOString()}::timestamptz
    WHERE firm_id = ${scope.firmId} AND organisation_id = ${scope.organisationId} AND status IN ('to_review', 'awaiting_approval', 'sent_back')
      AND NOT (invoice_external_id = ANY(${textArray(candidates.map((c) => c.external_id))}))`);
  return { items: candidates.length, withFindings };
}

/** A text array as one parameter (drizzle would spread a JS array into a row). */
const textArray = (values: readonly string[]) => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

function emailsOf(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .map((e) => (typeof e === 'string' ? e : typeof e === 'object' && e && typeof (e as { address?: unknown }).address === 'string' ? (e as { address: string }).address : ''))
    .map((a) => a.trim())
    .filter((a) => a.includes('@'));
}

export interface ReviewItemView {
  id: string;
  organisationId: string;
  organisationName: string;
  ledgerName: string;
  invoiceId: string;
  invoiceText: string;
  customerName: string;
  amountText: string;
  issuedText: string;
  dueText: string;
  status: ReviewStatus;
  statusText: string;
  findings: { text: string }[];
  /** "Asked for approval by Dana Smith on 7 December 2026"; null before anyone asked. */
  requestedText: string | null;
  /** The sender-back's comment, with who and when. */
  commentText: string | null;
  actions: ('request' | 'approve' | 'send_back')[];
  /** Why "Approve" is not offered to this person, in a sentence; null when nothing needs saying. */
  approveNote: string | null;
}

interface ItemRow {
  id: string;
  organisation_id: string;
  organisation_name: string;
  provider: string;
  timezone: string;
  invoice_id: string;
  number: string;
  currency: string;
  total: string;
  issue_date: string;
  due_date: string | null;
  customer_name: string | null;
  status: ReviewStatus;
  findings: Finding[];
  requested_by_user_id: string | null;
  requested_by_name: string | null;
  requested_at: Date | string | null;
  decided_by_name: string | null;
  decided_at: Date | string | null;
  comment: string | null;
}

export const SELF_APPROVAL = 'You asked for this approval, so another person must approve it (peer review).';

/** The queue: invoices awaiting dispatch of one organisation, or of the firm, those with findings first. */
export async function listReview(db: Db, viewer: { firmId: string; userId: string; mayApprove: boolean; mayRequest: boolean }, organisationId: string | null): Promise<ReviewItemView[]> {
  const rows = await queryRows<ItemRow>(
    db,
    sql`SELECT r.id::text, r.organisation_id::text, o.name AS organisation_name, o.provider, o.timezone, r.invoice_id::text, i.number, i.currency, i.total::text,
               i.issue_date::text, i.due_date::text, c.name AS customer_name, r.status, r.findings, r.requested_by_user_id::text,
               ru.name AS requested_by_name, r.requested_at, du.name AS decided_by_name, r.decided_at, r.comment
        FROM billing_review_items r
        JOIN organisations o ON o.id = r.organisation_id AND o.firm_id = r.firm_id
        JOIN invoices i ON i.id = r.invoice_id
        LEFT JOIN contacts c ON c.organisation_id = r.organisation_id AND c.external_id = i.contact_external_id
        LEFT JOIN users ru ON ru.id = r.requested_by_user_id
        LEFT JOIN users du ON du.id = r.decided_by_user_id
        WHERE r.firm_id = ${viewer.firmId} AND r.status IN ('to_review', 'awaiting_approval', 'sent_back')
          ${organisationId ? sql`AND r.organisation_id = ${organisationId}` : sql``}
        ORDER BY jsonb_array_length(r.findings) DESC, i.issue_date, i.number, r.id`,
  );
  return rows.map((r) => {
    const when = (at: Date | string | null) => (at ? longDate(todayIn(r.timezone, new Date(at))) : '');
    const own = r.requested_by_user_id === viewer.userId;
    const actions: ReviewItemView['actions'] = [];
    if (viewer.mayRequest && r.status !== 'awaiting_approval') actions.push('request');
    if (viewer.mayApprove && r.status === 'awaiting_approval' && !own) actions.push('approve');
    if (viewer.mayRequest || viewer.mayApprove) actions.push('send_back');
    return {
      id: r.id,
      organisationId: r.organisation_id,
      organisationName: r.organisation_name,
      ledgerName: r.provider === 'quickbooks' ? 'QuickBooks' : 'Xero',
      invoiceId: r.invoice_id,
      invoiceText: r.number ? `Invoice ${r.number}` : 'Invoice without a number',
      customerName: r.customer_name ?? 'A customer no longer in the ledger',
      amountText: formatMoneyIn(parseAmount(r.total, r.currency, true), r.currency, 'en-GB'),
      issuedText: longDate(r.issue_date),
      dueText: r.due_date ? longDate(r.due_date) : 'No due date',
      status: r.status,
      statusText: STATUS_WORDS[r.status],
      findings: (r.findings ?? []).map((f) => ({ text: f.text })),
      requestedText: r.status === 'awaiting_approval' && r.requested_at ? `Asked for approval by ${r.requested_by_name ?? 'a former member'} on ${when(r.requested_at)}` : null,
      commentText: r.status === 'sent_back' && r.comment ? `Sent back by ${r.decided_by_name ?? 'a former member'} on ${when(r.decided_at)}: ${r.comment}` : null,
      actions,
      approveNote: r.status === 'awaiting_approval' && own ? SELF_APPROVAL : null,
    };
  });
}

export const DecisionSchema = z
  .object({
    comment: z.string().trim().max(1000, { message: 'Keep the comment under 1,000 characters.' }).optional(),
  })
  .strict();
export const SendBackSchema = z
  .object({
    comment: z.string().trim().min(1, { message: 'Say what needs changing.' }).max(1000, { message: 'Keep the comment under 1,000 characters.' }),
  })
  .strict();

type Auth = { firmId: string; userId: string };

async function lockedItem(tx: Db, auth: Auth, itemId: string) {
  const [item] = await queryRows<{ id: string; organisation_id: string; invoice_id: string; invoice_external_id: string; status: ReviewStatus; requested_by_user_id: string | null; writeback_id: string | null }>(
    tx,
    sql`SELECT id::text, organisation_id::text, invoice_id::text, invoice_external_id, status, requested_by_user_id::text, writeback_id::text
        FROM billing_review_items WHERE firm_id = ${auth.firmId} AND id = ${itemId}::uuid FOR UPDATE`,
  );
  if (!item) throw notFound('That invoice is not in the review queue. Reload the page.');
  return item;
}

async function decision(tx: Db, auth: Auth, organisationId: string, itemId: string, action: 'requested' | 'approved' | 'sent_back', comment: string | null, now: Date) {
  await tx.insert(billingReviewDecisions).values({ firmId: auth.firmId, organisationId, itemId, action, userId: auth.userId, comment, decidedAt: now });
}

/** "Ask for approval": the person who reviewed it asks another to approve it. */
export async function requestApproval(db: Db, auth: Auth, itemId: string, comment: string | null, now: Date): Promise<{ status: ReviewStatus }> {
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const item = await lockedItem(tx, auth, itemId);
    if (item.status === 'awaiting_approval') return { status: item.status };
    if (item.status !== 'to_review' && item.status !== 'sent_back') throw conflict(`This invoice is ${STATUS_WORDS[item.status].toLowerCase()} and cannot be sent for approval. Reload the page.`, 'review_not_open');
    await tx
      .update(billingReviewItems)
      .set({ status: 'awaiting_approval', requestedByUserId: auth.userId, requestedAt: now, comment: null, decidedByUserId: null, decidedAt: null, updatedAt: now })
      .where(and(eq(billingReviewItems.firmId, auth.firmId), eq(billingReviewItems.id, itemId)));
    await decision(tx, auth, item.organisation_id, itemId, 'requested', comment || null, now);
    return { status: 'awaiting_approval' as const };
  });
}

/**
 * "Approve": by anyone allowed to approve except the person who asked (peer review). One
 * `authorise_invoice` write-back per invoice (source key `review:<invoice id>`); approving again
 * answers the first approval and writes nothing more.
 */
export async function approveReview(deps: RequestDeps, auth: Auth, itemId: string, now: Date): Promise<{ created: boolean; writebackId: string }> {
  let result: { created: boolean; writebackId: string; queue: boolean } | null = null;
  await deps.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const item = await lockedItem(tx, auth, itemId);
    if (item.status === 'approved' && item.writeback_id) {
      result = { created: false, writebackId: item.writeback_id, queue: false };
      return;
    }
    if (item.status !== 'awaiting_approval') throw conflict('Ask for approval first: a second person approves what the first has reviewed.', 'review_not_requested');
    if (item.requested_by_user_id === auth.userId) throw forbidden(SELF_APPROVAL, 'self_approval');
    const [inv] = await queryRows<{ number: string; contact_external_id: string; contact_id: string | null }>(
      tx,
      sql`SELECT number, contact_external_id, contact_id::text FROM invoices WHERE firm_id = ${auth.firmId} AND id = ${item.invoice_id}::uuid`,
    );
    if (!inv) throw notFound('The invoice is no longer in the ledger. Reload the page.');
    const [wb] = await requestWritebacksIn(
      tx,
      [
        {
          firmId: auth.firmId,
          organisationId: item.organisation_id,
          kind: 'authorise_invoice',
          sourceKey: `review:${item.invoice_id}`,
          invoiceId: item.invoice_id,
          invoiceExternalId: item.invoice_external_id,
          contactId: inv.contact_id,
          contactExternalId: inv.contact_external_id,
          request: { invoiceExternalId: item.invoice_external_id, reviewId: item.id },
          noteText: 'Arcus: billing review approved by a second person',
          requestedBy: 'user',
          userId: auth.userId,
          preApproved: true,
          summary: `Approve invoice ${inv.number || 'without a number'} after billing review`,
        },
      ],
      now,
    );
    await tx
      .update(billingReviewItems)
      .set({ status: 'approved', writebackId: wb!.id, decidedByUserId: auth.userId, decidedAt: now, updatedAt: now })
      .where(and(eq(billingReviewItems.firmId, auth.firmId), eq(billingReviewItems.id, itemId)));
    await decision(tx, auth, item.organisation_id, itemId, 'approved', null, now);
    result = { created: wb!.created, writebackId: wb!.id, queue: wb!.created && wb!.status === 'pending' };
  });
  const r = result as unknown as { created: boolean; writebackId: string; queue: boolean };
  if (r.queue) await deps.enqueueExecute(r.writebackId, 0, 'authorise_invoice');
  return { created: r.created, writebackId: r.writebackId };
}

/** "Send back": to whoever prepares the invoice, with what needs changing; it is to review again once the invoice changes in the ledger. */
export async function sendBack(db: Db, auth: Auth, itemId: string, comment: string, now: Date): Promise<{ status: ReviewStatus }> {
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const item = await lockedItem(tx, auth, itemId);
    if (item.status !== 'to_review' && item.status !== 'awaiting_approval' && item.status !== 'sent_back') throw conflict(`This invoice is ${STATUS_WORDS[item.status].toLowerCase()} and cannot be sent back. Reload the page.`, 'review_not_open');
    await tx
      .update(billingReviewItems)
      .set({ status: 'sent_back', comment, decidedByUserId: auth.userId, decidedAt: now, updatedAt: now })
      .where(and(eq(billingReviewItems.firmId, auth.firmId), eq(billingReviewItems.id, itemId)));
    await decision(tx, auth, item.organisation_id, itemId, 'sent_back', comment, now);
    return { status: 'sent_back' as const };
  });
}
