/**
 * Monthly commission statements (docs/decisions/036): computing a month for an organisation's
 * salespeople (idempotent — a draft is replaced, an approved or exported statement is frozen and
 * what it missed lands on the next month computed), reading them in words, the client contact's
 * approval, the salesperson's own.
 */
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import { longDate, todayIn } from '../../kernel/dates';
import { conflict, invalidField, notFound } from '../../kernel/errors';
import { currencyExponent, fromMinor, type Minor, toMinor } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import { commissionPlans, commissionStatementLines, commissionStatements, organisations, salespeople } from '../db/schema';
import { getSettings, orgOf, type OrgRow } from './config';
import { type Collection, computeStatement, type HeldItem, type InvoiceHistory, type LineKind, monthRange, type Plan, type Reversal } from './core';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const isMonth = (m: string): boolean => /^\d{4}-(0[1-9]|1[0-2])$/.test(m);
export const monthWords = (m: string): string => `${MONTHS[Number(m.slice(5, 7)) - 1]} ${m.slice(0, 4)}`;

export const STATUS_WORDS: Record<string, string> = {
  draft: 'Waiting for the client’s approval',
  approved: 'Approved by the client',
  exported: 'Exported to payroll',
};
export const KIND_WORDS: Record<LineKind, string> = {
  commission: 'Commission on cash collected',
  clawback: 'Clawback: a credit note reversed a paid invoice',
  release: 'Held-back commission released',
  forfeit: 'Held-back commission forfeited: the invoice was reversed',
};

interface SourceRow {
  key: string;
  invoice_external_id: string;
  invoice_number: string;
  contact_external_id: string;
  date: string;
  due_date: string | null;
  amount: string;
}

interface LineRow {
  salesperson_id: string;
  month: string;
  status: string;
  kind: LineKind;
  source_key: string;
  invoice_external_id: string;
  invoice_number: string;
  base: string;
  held: string;
  payable: string;
  release_month: string | null;
}

/** Who sold each invoice: an invoice assignment, else the customer's, else the tracking option naming a salesperson. */
async function attribution(db: Db, firmId: string, organisationId: string, category: string | null, people: { id: string; name: string; ledgerName: string | null }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (category) {
    const byName = new Map<string, string>();
    for (const p of people) byName.set((p.ledgerName ?? p.name).trim().toLowerCase(), p.id);
    // The option of the category on the invoice's largest line (ties: the first line).
    const rows = await queryRows<{ ext: string; option: string }>(
      db,
      sql`SELECT DISTINCT ON (i.external_id) i.external_id AS ext, t->>'option' AS option
          FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id AND l.firm_id = i.firm_id,
            jsonb_array_elements(CASE WHEN jsonb_typeof(l.tracking) = 'array' THEN l.tracking ELSE '[]'::jsonb END) t
          WHERE i.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND lower(t->>'name') = lower(${category})
          ORDER BY i.external_id, abs(l.line_amount) DESC, l.line_no`,
    );
    for (const r of rows) {
      const id = byName.get((r.option ?? '').trim().toLowerCase());
      if (id) out.set(r.ext, id);
    }
  }
  const assigned = await queryRows<{ salesperson_id: string; contact_external_id: string | null; invoice_external_id: string | null }>(
    db,
    sql`SELECT salesperson_id, contact_external_id, invoice_external_id FROM commission_assignments WHERE firm_id = ${firmId} AND organisation_id = ${organisationId}`,
  );
  const byCustomer = new Map(assigned.filter((a) => a.contact_external_id).map((a) => [a.contact_external_id!, a.salesperson_id]));
  if (byCustomer.size) {
    const invs = await queryRows<{ ext: string; contact: string }>(db, sql`SELECT external_id AS ext, contact_external_id AS contact FROM invoices WHERE firm_id = ${firmId} AND organisation_id = ${organisationId}`);
    for (const i of invs) if (byCustomer.has(i.contact)) out.set(i.ext, byCustomer.get(i.contact)!);
  }
  for (const a of assigned) if (a.invoice_external_id) out.set(a.invoice_external_id, a.salesperson_id);
  return out;
}

export interface ComputeParams {
  firmId: string;
  organisationId: string;
  month: string;
  now: Date;
}

/** Computes (or recomputes) the month's statement of every salesperson with a plan; answers their ids. */
export async function computeMonth(db: Db, p: ComputeParams): Promise<string[]> {
  if (!isMonth(p.month)) throw invalidField('month', 'Choose a month.');
  const org = await orgOf(db, p.firmId, p.organisationId);
  const today = todayIn(org.timezone, p.now);
  if (`${p.month}-01` > today) throw invalidField('month', `Choose a month that has started: today is ${longDate(today)}.`);
  const settings = await getSettings(db, p.firmId, org.id);
  const exp = currencyExponent(org.baseCurrency);
  const minor = (v: string): Minor => toMinor(v, exp, true);
  const { from, to } = monthRange(p.month);

  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    // One computation of an organisation's commissions at a time.
    await t.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`commissions:${org.id}`}))`);
    const people = await t
      .select({ id: salespeople.id, name: salespeople.name, ledgerName: salespeople.ledgerName, plan: commissionPlans.plan })
      .from(salespeople)
      .innerJoin(commissionPlans, and(eq(commissionPlans.salespersonId, salespeople.id), eq(commissionPlans.firmId, salespeople.firmId)))
      .where(and(eq(salespeople.firmId, p.firmId), eq(salespeople.organisationId, org.id)))
      .orderBy(asc(salespeople.name));
    const who = await attribution(t, p.firmId, org.id, settings.source === 'tracking' ? settings.trackingCategory : null, people);
    const existing = await t
      .select({ id: commissionStatements.id, salespersonId: commissionStatements.salespersonId, status: commissionStatements.status })
      .from(commissionStatements)
      .where(and(eq(commissionStatements.firmId, p.firmId), eq(commissionStatements.organisationId, org.id), eq(commissionStatements.month, p.month)));
    const drafts = existing.filter((s) => s.status === 'draft').map((s) => s.id);
    if (drafts.length) await t.delete(commissionStatements).where(and(eq(commissionStatements.firmId, p.firmId), inArray(commissionStatements.id, drafts)));
    const frozen = new Set(existing.filter((s) => s.status !== 'draft').map((s) => s.salespersonId));

    const lines = await queryRows<LineRow>(
      t,
      sql`SELECT s.salesperson_id, s.month, s.status, l.kind, l.source_key, l.invoice_external_id, l.invoice_number, l.base::text, l.held::text, l.payable::text, l.release_month
          FROM commission_statement_lines l JOIN commission_statements s ON s.id = l.statement_id AND s.firm_id = l.firm_id
          WHERE l.firm_id = ${p.firmId} AND l.organisation_id = ${org.id}`,
    );
    const consumed = new Set(lines.map((l) => l.source_key));
    const frozenMonths = new Set(lines.filter((l) => l.status !== 'draft').map((l) => `${l.salesperson_id}|${l.month}`));
    for (const s of await t.select({ sp: commissionStatements.salespersonId, month: commissionStatements.month }).from(commissionStatements).where(and(eq(commissionStatements.firmId, p.firmId), eq(commissionStatements.organisationId, org.id), ne(commissionStatements.status, 'draft'))))
      frozenMonths.add(`${s.sp}|${s.month}`);

    // Cash (payment allocations of payments not deleted) and reversals (credit-note allocations), in the base currency.
    // Source keys are the ledger's ids (payment and invoice; credit note and allocation), never our row ids: a sync
    // replaces allocation rows (new ids), and a key that moved would commission the same cash twice.
    const cash = await queryRows<SourceRow>(
      t,
      sql`SELECT 'pay:' || p.external_id || ':' || pa.invoice_external_id AS key, i.external_id AS invoice_external_id, i.number AS invoice_number, i.contact_external_id, pa.date::text AS date, i.due_date::text AS due_date, pa.amount::text AS amount
          FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id AND p.firm_id = pa.firm_id
            JOIN invoices i ON i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id AND i.firm_id = pa.firm_id
          WHERE pa.firm_id = ${p.firmId} AND pa.organisation_id = ${org.id} AND pa.date < ${to} AND p.status <> 'deleted' AND i.currency = ${org.baseCurrency} AND pa.amount > 0`,
    );
    const credits = await queryRows<SourceRow>(
      t,
      sql`SELECT 'cn:' || c.external_id || ':' || a.external_id AS key, i.external_id AS invoice_external_id, i.number AS invoice_number, i.contact_external_id, a.date::text AS date, i.due_date::text AS due_date, a.amount::text AS amount
          FROM credit_note_allocations a JOIN credit_notes c ON c.id = a.credit_note_id AND c.firm_id = a.firm_id
            JOIN invoices i ON i.organisation_id = a.organisation_id AND i.external_id = a.invoice_external_id AND i.firm_id = a.firm_id
          WHERE a.firm_id = ${p.firmId} AND a.organisation_id = ${org.id} AND a.date < ${to} AND c.status NOT IN ('voided', 'deleted') AND i.currency = ${org.baseCurrency} AND a.amount > 0`,
    );
    // This month's, and earlier ones a frozen statement of their month missed (synced late).
    const due = (personId: string, r: SourceRow) => !consumed.has(r.key) && who.get(r.invoice_external_id) === personId && (r.date >= from || frozenMonths.has(`${personId}|${r.date.slice(0, 7)}`));

    const ids: string[] = [];
    for (const person of people) {
      if (frozen.has(person.id)) continue;
      const plan = person.plan as Plan;
      const mine = lines.filter((l) => l.salesperson_id === person.id);
      const history = new Map<string, InvoiceHistory>();
      for (const l of mine) {
        const h = history.get(l.invoice_external_id) ?? { collected: 0, paid: 0 };
        const base = l.kind === 'commission' || l.kind === 'clawback' ? minor(l.base) : 0;
        history.set(l.invoice_external_id, { collected: h.collected + base, paid: h.paid + minor(l.payable) });
      }
      const held: HeldItem[] = mine
        .filter((l) => l.kind === 'commission' && minor(l.held) > 0 && !consumed.has(`release:${l.source_key}`) && !consumed.has(`forfeit:${l.source_key}`))
        .map((l) => ({ key: l.source_key, invoiceExternalId: l.invoice_external_id, invoiceNumber: l.invoice_number, amount: minor(l.held), releaseMonth: l.release_month ?? p.month }));
      const collections: Collection[] = cash.filter((r) => due(person.id, r)).map((r) => ({ key: r.key, invoiceExternalId: r.invoice_external_id, invoiceNumber: r.invoice_number, date: r.date, dueDate: r.due_date, amount: minor(r.amount) }));
      const reversals: Reversal[] = credits.filter((r) => due(person.id, r)).map((r) => ({ key: r.key, invoiceExternalId: r.invoice_external_id, invoiceNumber: r.invoice_number, date: r.date, amount: minor(r.amount) }));
      const s = computeStatement({ plan, month: p.month, collections, reversals, history, held });
      const d = (v: Minor) => fromMinor(v, exp);
      const [row] = await t
        .insert(commissionStatements)
        .values({
          firmId: p.firmId,
          organisationId: org.id,
          salespersonId: person.id,
          month: p.month,
          currency: org.baseCurrency,
          plan,
          collected: d(s.totals.collected),
          earned: d(s.totals.earned),
          held: d(s.totals.held),
          released: d(s.totals.released),
          forfeited: d(s.totals.forfeited),
          clawedBack: d(s.totals.clawedBack),
          total: d(s.totals.total),
          computedAt: p.now,
        })
        .returning({ id: commissionStatements.id });
      if (s.lines.length) {
        await t.insert(commissionStatementLines).values(
          s.lines.map((l, i) => ({
            firmId: p.firmId,
            organisationId: org.id,
            statementId: row!.id,
            lineNo: i + 1,
            kind: l.kind,
            sourceKey: l.key,
            invoiceExternalId: l.invoiceExternalId,
            invoiceNumber: l.invoiceNumber,
            date: l.date,
            base: d(l.base),
            commission: d(l.commission),
            held: d(l.held),
            payable: d(l.payable),
            releaseMonth: l.releaseMonth,
          })),
        );
      }
      ids.push(row!.id);
    }
    return ids;
  });
}

export interface StatementView {
  id: string;
  organisationId: string;
  organisationName: string;
  salespersonName: string;
  month: string;
  monthText: string;
  currency: string;
  status: string;
  statusText: string;
  canApprove: boolean;
  totals: { collected: string; earned: string; held: string; released: string; forfeited: string; clawedBack: string; total: string };
  lines: { lineNo: number; kindText: string; invoiceNumber: string; dateText: string; base: string; commission: string; held: string; payable: string; releaseText: string | null }[];
}

const dec = (v: string, currency: string) => fromMinor(toMinor(v, currencyExponent(currency), true), currencyExponent(currency));

/** Statements in words, with their lines. `where` narrows them (by id, organisation, month, person, user). */
export async function statementViews(db: Db, firmId: string, where: { ids?: string[]; organisationIds?: string[]; month?: string; userId?: string }): Promise<StatementView[]> {
  const conds = [eq(commissionStatements.firmId, firmId)];
  if (where.ids) conds.push(inArray(commissionStatements.id, where.ids.length ? where.ids : ['00000000-0000-0000-0000-000000000000']));
  if (where.organisationIds) conds.push(inArray(commissionStatements.organisationId, where.organisationIds.length ? where.organisationIds : ['00000000-0000-0000-0000-000000000000']));
  if (where.month) conds.push(eq(commissionStatements.month, where.month));
  if (where.userId) conds.push(eq(salespeople.userId, where.userId));
  const rows = await db
    .select({ s: commissionStatements, person: salespeople.name, org: organisations.name })
    .from(commissionStatements)
    .innerJoin(salespeople, and(eq(salespeople.id, commissionStatements.salespersonId), eq(salespeople.firmId, commissionStatements.firmId)))
    .innerJoin(organisations, eq(organisations.id, commissionStatements.organisationId))
    .where(and(...conds))
    .orderBy(sql`${commissionStatements.month} DESC`, asc(organisations.name), asc(salespeople.name));
  if (!rows.length) return [];
  const lines = await db
    .select()
    .from(commissionStatementLines)
    .where(and(eq(commissionStatementLines.firmId, firmId), inArray(commissionStatementLines.statementId, rows.map((r) => r.s.id))))
    .orderBy(asc(commissionStatementLines.lineNo));
  return rows.map(({ s, person, org }) => {
    const c = s.currency;
    return {
      id: s.id,
      organisationId: s.organisationId,
      organisationName: org,
      salespersonName: person,
      month: s.month,
      monthText: monthWords(s.month),
      currency: c,
      status: s.status,
      statusText: STATUS_WORDS[s.status] ?? s.status,
      canApprove: s.status === 'draft',
      totals: { collected: dec(s.collected, c), earned: dec(s.earned, c), held: dec(s.held, c), released: dec(s.released, c), forfeited: dec(s.forfeited, c), clawedBack: dec(s.clawedBack, c), total: dec(s.total, c) },
      lines: lines
        .filter((l) => l.statementId === s.id)
        .map((l) => ({
          lineNo: l.lineNo,
          kindText: KIND_WORDS[l.kind as LineKind] ?? 'Commission',
          invoiceNumber: l.invoiceNumber,
          dateText: longDate(l.date),
          base: dec(l.base, c),
          commission: dec(l.commission, c),
          held: dec(l.held, c),
          payable: dec(l.payable, c),
          releaseText: l.releaseMonth ? `Held back until ${monthWords(l.releaseMonth)}` : null,
        })),
    };
  });
}

export async function statementView(db: Db, firmId: string, id: string): Promise<StatementView> {
  const [v] = await statementViews(db, firmId, { ids: [id] });
  if (!v) throw notFound('No such statement.');
  return v;
}

/** The client contact approves a draft statement of one of their organisations (404 for any other). */
export async function approveStatement(db: Db, auth: { firmId: string; userId: string; organisationIds: readonly string[] | null }, id: string, now: Date): Promise<StatementView> {
  const [s] = await db
    .select({ organisationId: commissionStatements.organisationId, status: commissionStatements.status })
    .from(commissionStatements)
    .where(and(eq(commissionStatements.firmId, auth.firmId), eq(commissionStatements.id, id)));
  if (!s || !(auth.organisationIds ?? []).includes(s.organisationId)) throw notFound('No such statement.');
  const done = await db
    .update(commissionStatements)
    .set({ status: 'approved', approvedAt: now, approvedByUserId: auth.userId })
    .where(and(eq(commissionStatements.firmId, auth.firmId), eq(commissionStatements.id, id), eq(commissionStatements.status, 'draft')))
    .returning({ id: commissionStatements.id });
  if (!done.length) throw conflict('This statement was approved already.');
  return statementView(db, auth.firmId, id);
}

export async function organisationOrThrow(db: Db, firmId: string, id: string): Promise<OrgRow> {
  return orgOf(db, firmId, id);
}
