/**
 * Monthly fee statements (migration 0036): computed from the plan and the month's facts (drafts
 * recomputed freely; approved ones never change), approved by a manager or administrator, and then
 * invoiced in the practice ledger through the write-back engine with the source key
 * `fee:<organisation>:<month>` — one invoice per client and month however often approval, a retry
 * or a worker runs (docs/decisions/035-service-fees.md).
 */
import { and, eq, sql } from 'drizzle-orm';
import { addDays, longDate, todayIn } from '../../kernel/dates';
import { conflict, invalidField, notFound } from '../../kernel/errors';
import { formatAmount, type Minor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { feePlans, feeStatements, organisations } from '../db/schema';
import { monthRange, type ReportMonth } from '../reports/schedule';
import { requestWritebacksIn } from '../writebacks/request';
import type { WritebackKind } from '../writebacks/types';
import { computeFee, type FeeFacts, type FeePlan, moneyText, monthsOfHistory, type WorkingLine } from './core';
import { loadFeeFacts } from './facts';
import { feeOrganisation, getFeePlan, getPracticeLedger } from './plans';

export const FEE_STATUSES = ['draft', 'approved', 'invoiced', 'no_fee'] as const;
export type FeeStatus = (typeof FEE_STATUSES)[number];
/** Days the client has to pay the firm's invoice. */
export const FEE_PAYMENT_DAYS = 14;

export const feeSourceKey = (organisationId: string, month: ReportMonth) => `fee:${organisationId}:${month}`;
export const monthWords = (month: ReportMonth) => longDate(`${month}-01`).replace(/^1 /, '');

export interface StatementView {
  organisationId: string;
  organisationName: string;
  month: ReportMonth;
  monthName: string;
  currency: string;
  amount: Minor;
  amountText: string;
  working: { label: string; detail: string; amountText: string }[];
  status: FeeStatus;
  /** The state in words, including the invoice's progress once approved. */
  statusText: string;
  computedText: string;
  canApprove: boolean;
}

interface Row {
  organisation_id: string;
  organisation_name: string;
  period: string;
  currency: string;
  amount: string;
  working: WorkingLine[];
  status: FeeStatus;
  computed_at: Date;
  approved_at: Date | null;
  wb_status: string | null;
  wb_error: string | null;
}

const WB_WORDS: Record<string, string> = {
  pending: 'the invoice is waiting to be written',
  sending: 'the invoice is being written',
  sent: 'the invoice is written and being checked',
  failed: 'the invoice could not be written; see Ledger changes',
  rejected: 'the invoice was rejected in Ledger changes',
  cancelled: 'the invoice was cancelled in Ledger changes',
  awaiting_approval: 'the invoice is waiting in Ledger changes',
  awaiting_client: 'the invoice is waiting in Ledger changes',
};

function view(r: Row, practiceName: string | null): StatementView {
  const amount = Number(r.amount);
  const statusText =
    r.status === 'draft'
      ? 'Draft: waiting for approval'
      : r.status === 'no_fee'
        ? 'Approved: no fee this month, so no invoice'
        : r.status === 'invoiced'
          ? `Invoiced in ${practiceName ?? 'the practice ledger'}`
          : `Approved: ${WB_WORDS[r.wb_status ?? 'pending'] ?? 'the invoice is on its way'}`;
  return {
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    month: r.period,
    monthName: monthWords(r.period),
    currency: r.currency,
    amount,
    amountText: moneyText(amount, r.currency),
    working: r.working.map((l) => ({ label: l.label, detail: l.detail, amountText: moneyText(l.amount, r.currency) })),
    status: r.status,
    statusText,
    computedText: `Worked out on ${longDate(r.computed_at.toISOString().slice(0, 10))}`,
    canApprove: r.status === 'draft',
  };
}

/** Approved statements whose invoice the ledger has confirmed become invoiced (one statement). */
async function settleInvoiced(db: Db, firmId: string): Promise<void> {
  await db.execute(sql`UPDATE fee_statements s SET status = 'invoiced', invoiced_at = w.updated_at
    FROM writebacks w
    WHERE s.firm_id = ${firmId} AND s.status = 'approved' AND w.firm_id = s.firm_id AND w.id = s.writeback_id AND w.status = 'confirmed'`);
}

/** The firm's statements for a month (optionally one organisation's), by organisation name. */
export async function listStatements(db: Db, p: { firmId: string; month: ReportMonth; organisationId?: string }): Promise<StatementView[]> {
  await settleInvoiced(db, p.firmId);
  const practice = await getPracticeLedger(db, p.firmId);
  const one = p.organisationId ? sql` AND s.organisation_id = ${p.organisationId}` : sql``;
  const rows = await queryRows<Row>(
    db,
    sql`SELECT s.organisation_id, o.name AS organisation_name, s.period, s.currency, s.amount::text AS amount, s.working, s.status, s.computed_at, s.approved_at, w.status AS wb_status, w.error AS wb_error
      FROM fee_statements s
      JOIN organisations o ON o.id = s.organisation_id AND o.firm_id = s.firm_id
      LEFT JOIN writebacks w ON w.id = s.writeback_id AND w.firm_id = s.firm_id
      WHERE s.firm_id = ${p.firmId} AND s.period = ${p.month}${one}
      ORDER BY o.name, s.organisation_id`,
  );
  return rows.map((r) => view({ ...r, computed_at: new Date(r.computed_at) }, practice?.name ?? null));
}

/**
 * Computes the month's statement for each organisation with a plan (or the one asked for): a new
 * draft, or the draft recomputed; an approved or invoiced statement is left as it is. A month that
 * has not started in the organisation's time zone is skipped. Running it again changes nothing
 * but a draft's figures when the ledger changed.
 */
export async function computeStatements(db: Db, p: { firmId: string; month: ReportMonth; now: Date; organisationId?: string }): Promise<{ computed: number; unchanged: number; problems: string[] }> {
  const plans = await db
    .select({ organisationId: feePlans.organisationId, plan: feePlans.plan, currency: feePlans.currency })
    .from(feePlans)
    .where(and(eq(feePlans.firmId, p.firmId), ...(p.organisationId ? [eq(feePlans.organisationId, p.organisationId)] : [])));
  let computed = 0;
  let unchanged = 0;
  const problems: string[] = [];
  for (const stored of plans) {
    const org = await feeOrganisation(db, p.firmId, stored.organisationId);
    if (!org) continue;
    if (`${p.month}-01` > todayIn(org.timezone, p.now)) continue;
    if (org.baseCurrency !== stored.currency) {
      // One client's stale plan does not stop the others: it is skipped and said so.
      problems.push(`${org.name}’s currency is now ${org.baseCurrency}, but its fee plan is in ${stored.currency}: save the plan again.`);
      continue;
    }
    const plan = stored.plan as FeePlan;
    const facts: FeeFacts = await loadFeeFacts(db, { firmId: p.firmId, org, month: p.month, history: monthsOfHistory(plan) });
    const fee = computeFee(plan, facts);
    const values = { currency: org.baseCurrency, amount: fee.total, working: fee.lines, facts, computedAt: p.now };
    const rows = await db
      .insert(feeStatements)
      .values({ firmId: p.firmId, organisationId: org.id, period: p.month, status: 'draft', ...values })
      .onConflictDoUpdate({ target: [feeStatements.organisationId, feeStatements.firmId, feeStatements.period], set: values, setWhere: eq(feeStatements.status, 'draft') })
      .returning({ status: feeStatements.status });
    if (rows.length) computed++;
    else unchanged++;
  }
  return { computed, unchanged, problems };
}

export interface ApproveDeps {
  db: Db;
  enqueueExecute(writebackId: string, attempt?: number, kind?: WritebackKind): Promise<void>;
}

/**
 * Approves a draft statement and, in the same transaction, requests its invoice in the practice
 * ledger (pre-approved: this is the approval). Approving again, or an approved statement, returns
 * it as it is; the source key makes a second request return the first write-back.
 */
export async function approveStatement(deps: ApproveDeps, p: { firmId: string; organisationId: string; month: ReportMonth; userId: string | null; now: Date }): Promise<StatementView> {
  const org = await feeOrganisation(deps.db, p.firmId, p.organisationId);
  if (!org) throw notFound('No such organisation.');
  const [current] = await deps.db
    .select({ status: feeStatements.status, amount: feeStatements.amount, currency: feeStatements.currency, working: feeStatements.working })
    .from(feeStatements)
    .where(and(eq(feeStatements.firmId, p.firmId), eq(feeStatements.organisationId, org.id), eq(feeStatements.period, p.month)));
  if (!current) throw notFound(`There is no fee for ${monthWords(p.month)} yet. Work it out first.`, 'no_fee_statement');
  if (current.status === 'draft') {
    const today = todayIn(org.timezone, p.now);
    const { to } = monthRange(p.month);
    if (today <= to) throw invalidField('month', `Approve ${monthWords(p.month)}’s fee once the month has ended, from ${longDate(addDays(to, 1))}.`);
    const created = await deps.db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Db;
      if (current.amount === 0) {
        await tx
          .update(feeStatements)
          .set({ status: 'no_fee', approvedAt: p.now, approvedByUserId: p.userId })
          .where(and(eq(feeStatements.firmId, p.firmId), eq(feeStatements.organisationId, org.id), eq(feeStatements.period, p.month), eq(feeStatements.status, 'draft')));
        return null;
      }
      const practice = await getPracticeLedger(tx, p.firmId);
      if (!practice) throw conflict('Choose the practice ledger in Fees first: the fee is invoiced there.', 'no_practice_ledger');
      const plan = await getFeePlan(tx, p.firmId, org.id);
      if (!plan?.ledgerContactExternalId) throw conflict(`Choose who ${org.name} is in ${practice.name} first: the invoice is made out to that customer.`, 'no_fee_customer');
      const approved = await tx
        .update(feeStatements)
        .set({ status: 'approved', approvedAt: p.now, approvedByUserId: p.userId })
        .where(and(eq(feeStatements.firmId, p.firmId), eq(feeStatements.organisationId, org.id), eq(feeStatements.period, p.month), eq(feeStatements.status, 'draft')))
        .returning({ period: feeStatements.period });
      if (approved.length === 0) return null; // approved meanwhile by someone else, who requested the invoice
      const date = todayIn(practice.timezone, p.now);
      const lines = (current.working as WorkingLine[])
        .filter((l) => l.amount > 0)
        .map((l) => ({ description: `${l.label}, ${monthWords(p.month)}: ${l.detail}`.slice(0, 400), amount: formatAmount(l.amount, current.currency) }));
      const [wb] = await requestWritebacksIn(
        tx,
        [
          {
            firmId: p.firmId,
            organisationId: practice.organisationId,
            kind: 'fee_invoice',
            sourceKey: feeSourceKey(org.id, p.month),
            contactExternalId: plan.ledgerContactExternalId,
            amount: formatAmount(current.amount, current.currency),
            currency: current.currency,
            request: { contactExternalId: plan.ledgerContactExternalId, date, dueDate: addDays(date, FEE_PAYMENT_DAYS), reference: `Credit control, ${monthWords(p.month)}`, currency: current.currency, lines },
            requestedBy: 'user',
            userId: p.userId,
            preApproved: true,
            summary: `Fee invoice for ${org.name}, ${monthWords(p.month)}: ${moneyText(current.amount, current.currency)}`,
          },
        ],
        p.now,
      );
      await tx
        .update(feeStatements)
        .set({ writebackId: wb!.id })
        .where(and(eq(feeStatements.firmId, p.firmId), eq(feeStatements.organisationId, org.id), eq(feeStatements.period, p.month)));
      return wb!.created && wb!.status === 'pending' ? wb!.id : null;
    });
    if (created) await deps.enqueueExecute(created, 0, 'fee_invoice');
  }
  const [v] = await listStatements(deps.db, { firmId: p.firmId, month: p.month, organisationId: org.id });
  return v!;
}

/** Organisations of the firm that have a fee plan (for the CLI and the firm list). */
export async function organisationsWithPlans(db: Db, firmId: string): Promise<string[]> {
  const rows = await db
    .select({ id: feePlans.organisationId })
    .from(feePlans)
    .innerJoin(organisations, and(eq(organisations.id, feePlans.organisationId), eq(organisations.firmId, feePlans.firmId)))
    .where(eq(feePlans.firmId, firmId));
  return rows.map((r) => r.id);
}
