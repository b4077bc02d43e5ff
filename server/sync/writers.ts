/**
 * Bulk writes of one page of ledger changes. The page's documents are staged (COPY on
 * PostgreSQL, one json_populate_recordset insert on PGlite) into session-local temp tables and
 * upserted by (organisation_id, external_id) with one INSERT … SELECT … ON CONFLICT per table,
 * RETURNING the row ids; their child rows (invoice lines, payment and credit-note allocations)
 * are then bulk-loaded straight into their tables with those ids, after removing the children of
 * documents that already existed. Nothing is written row by row. Every row carries firm_id.
 *
 * The upsert never lets an older version of a document overwrite a newer one
 * (ledger_updated_at guard), so a late page cannot undo a later edit.
 */
import { createHash } from 'node:crypto';
import type { NormContact, NormCreditNote, NormInvoice, NormLine, NormPayment, NormPrepayment } from '../../integrations/ledger/types';
import { fromMinor, toMinor } from '../../kernel/money';
import { maskPayTokens, maskPayTokensIn } from '../pay/url-at-rest';
import { type SqlConn, shareTempTables } from './sql';

export interface WriteScope {
  firmId: string;
  organisationId: string;
  /** Fills a currency the ledger left out (Xero payments on deleted invoices). */
  baseCurrency: string;
  /**
   * The page runs in deferred-settlement mode (migration 0073, docs/decisions/071): the invoice
   * upsert supplies each invoice's settlement columns itself, computed for the whole page in one
   * statement, because the row trigger leaves them alone in that mode.
   */
  deferredSettlement?: boolean;
}

/** Marker for credit-note allocations derived from QuickBooks payments. */
export const QBO_PAYMENT_ALLOCATION = 'qbo-payment:';

const STAGING = `
CREATE TEMP TABLE IF NOT EXISTS sync_stage_contacts (
  external_id text, name text, first_name text, last_name text, emails jsonb, phones jsonb, addresses jsonb,
  is_customer boolean, status text, ledger_updated_at timestamptz, raw jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sync_stage_invoices (
  external_id text, contact_external_id text, number text, reference text, issue_date date, due_date date, currency text,
  currency_rate numeric, sub_total numeric, total_tax numeric, total numeric, amount_due numeric, amount_paid numeric,
  amount_credited numeric, status text, fully_paid_on date, url text, ledger_updated_at timestamptz, raw jsonb, deposit numeric, lines_signature text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sync_stage_payments (
  external_id text, contact_external_id text, date date, currency text, currency_rate numeric, amount numeric, reference text,
  status text, ledger_updated_at timestamptz, raw jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sync_stage_credit_apps (
  credit_note_external_id text, contact_external_id text, date date, currency text) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sync_stage_credit_notes (
  external_id text, contact_external_id text, number text, date date, currency text, total numeric, remaining_credit numeric,
  status text, ledger_updated_at timestamptz, raw jsonb) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS sync_stage_prepayments (
  external_id text, kind text, contact_external_id text, date date, currency text, currency_rate numeric, total numeric,
  remaining_credit numeric, reference text, status text, ledger_updated_at timestamptz, raw jsonb) ON COMMIT DELETE ROWS;
`;

/** Create this session's staging tables (idempotent). */
export async function prepareStaging(conn: SqlConn): Promise<void> {
  for (const stmt of STAGING.split(';').map((s) => s.trim()).filter(Boolean)) await conn.query(stmt);
  await shareTempTables(conn);
}

const GUARD = 'WHERE t.ledger_updated_at IS NULL OR excluded.ledger_updated_at IS NULL OR excluded.ledger_updated_at >= t.ledger_updated_at';

/** Keep the newest version of each document in a batch (ON CONFLICT cannot touch a row twice). */
function newestById<T extends { externalId: string; ledgerUpdatedAt: Date | null }>(items: T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const prev = byId.get(item.externalId);
    if (!prev || (item.ledgerUpdatedAt?.getTime() ?? 0) >= (prev.ledgerUpdatedAt?.getTime() ?? 0)) byId.set(item.externalId, item);
  }
  return [...byId.values()];
}

function upsertedCount(rows: { n?: unknown }[]): number {
  return Number(rows[0]?.n ?? 0);
}

// ---- contacts ------------------------------------------------------------------------------------

export async function upsertContacts(conn: SqlConn, scope: WriteScope, items: NormContact[]): Promise<number> {
  const list = newestById(items);
  if (list.length === 0) return 0;
  await conn.load(
    'sync_stage_contacts',
    ['external_id', 'name', 'first_name', 'last_name', 'emails', 'phones', 'addresses', 'is_customer', 'status', 'ledger_updated_at', 'raw'],
    list.map((c) => [c.externalId, c.name, c.firstName, c.lastName, c.emails, c.phones, c.addresses, c.isCustomer, c.status, c.ledgerUpdatedAt, c.raw ?? null]),
  );
  const rows = await conn.query(
    `WITH up AS (
       INSERT INTO contacts AS t (firm_id, organisation_id, external_id, name, first_name, last_name, emails, phones, addresses, is_customer, status, ledger_updated_at, raw, deleted_at, synced_at)
       SELECT $1, $2, s.external_id, s.name, s.first_name, s.last_name, s.emails, s.phones, s.addresses, s.is_customer, s.status, s.ledger_updated_at, s.raw,
              CASE WHEN s.status = 'deleted' THEN coalesce(s.ledger_updated_at, now()) END, now()
       FROM sync_stage_contacts s
       ON CONFLICT (organisation_id, external_id) DO UPDATE SET
         name = excluded.name, first_name = excluded.first_name, last_name = excluded.last_name, emails = excluded.emails,
         phones = excluded.phones, addresses = excluded.addresses, is_customer = excluded.is_customer, status = excluded.status,
         ledger_updated_at = excluded.ledger_updated_at, raw = excluded.raw, deleted_at = excluded.deleted_at, synced_at = excluded.synced_at
       ${GUARD}
       RETURNING 1)
     SELECT count(*)::int AS n FROM up`,
    [scope.firmId, scope.organisationId],
  );
  return upsertedCount(rows);
}

// ---- invoices ------------------------------------------------------------------------------------

/** A decimal without trailing zeros ('100.50' → '100.5', '7.00' → '7'), so a re-serialised amount is not a change. */
const plainDecimal = (d: string) => (d.includes('.') ? d.replace(/0+$/, '').replace(/\.$/, '') : d);

/**
 * What an invoice's lines say (description, quantity, unit amount, line amount, account), hashed:
 * a changed signature between two syncs is a changed line. Null without lines (a version fetched
 * without them says nothing about them).
 */
export function linesSignature(lines: readonly NormLine[]): string | null {
  if (lines.length === 0) return null;
  const canonical = [...lines]
    .sort((a, b) => a.lineNo - b.lineNo)
    .map((l) => [l.description.trim(), plainDecimal(String(l.quantity)), plainDecimal(String(l.unitAmount)), plainDecimal(String(l.lineAmount)), l.accountCode ?? '']);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 32);
}

/**
 * Billing accuracy's "Amended" (migration 0057): the first sync that sees an issued invoice (still
 * issued) with another total, due date or lines than the stored version records when — the
 * ledger's last-updated time of the new version, else now. Edits while it was a draft, and voids
 * (their own reason), are not amendments; an invoice stored before 0057 has no line signature yet,
 * so only its total and due date are compared until it is next synced.
 */
const AMENDED = `amended_at = CASE
         WHEN t.amended_at IS NOT NULL THEN t.amended_at
         WHEN t.status IN ('authorised', 'paid') AND excluded.status IN ('authorised', 'paid')
           AND (t.total <> excluded.total OR t.due_date IS DISTINCT FROM excluded.due_date
             OR (t.lines_signature IS NOT NULL AND excluded.lines_signature IS NOT NULL AND t.lines_signature <> excluded.lines_signature))
         THEN coalesce(excluded.ledger_updated_at, now())
       END`;

/**
 * Deferred-settlement mode: the page's invoices' settlement (arcus_settlements_of, migration 0073:
 * the trigger's computation for a set) joined into the upsert, from the values as the columns
 * will hold them (so rounding to the columns' scales happens first, as it does before the trigger).
 */
const SUPPLIED_SETTLEMENT = {
  columns: ', settlement_days, settled_on, base_total, base_settled_cum',
  values: ', st.settlement_days, st.settled_on, st.base_total, st.base_settled_cum',
  join: `
     LEFT JOIN arcus_settlements_of(ARRAY(
       SELECT ROW($2::uuid, s2.external_id, s2.issue_date, s2.total::numeric(19, 4), s2.deposit::numeric(19, 4), s2.currency, s2.currency_rate::numeric(19, 10))::arcus_settlement_input
       FROM sync_stage_invoices s2)) st ON st.external_id = s.external_id`,
  update: `,
       settlement_days = excluded.settlement_days, settled_on = excluded.settled_on, base_total = excluded.base_total, base_settled_cum = excluded.base_settled_cum`,
};
const NO_SETTLEMENT = { columns: '', values: '', join: '', update: '' };

export async function upsertInvoices(conn: SqlConn, scope: WriteScope, items: NormInvoice[]): Promise<number> {
  const list = newestById(items);
  if (list.length === 0) return 0;
  await conn.load(
    'sync_stage_invoices',
    [
      'external_id', 'contact_external_id', 'number', 'reference', 'issue_date', 'due_date', 'currency', 'currency_rate', 'sub_total', 'total_tax', 'total',
      'amount_due', 'amount_paid', 'amount_credited', 'status', 'fully_paid_on', 'url', 'ledger_updated_at', 'raw', 'deposit', 'lines_signature',
    ],
    list.map((i) => {
      // The pay link Arcus wrote into the ledger comes back (Xero's Url, QuickBooks' customer memo): kept without its token.
      const url = maskPayTokens(i.url);
      const raw = maskPayTokensIn(i.raw ?? null);
      return [
        i.externalId, i.contactExternalId, i.number, i.reference, i.issueDate, i.dueDate, i.currency || scope.baseCurrency, i.currencyRate, i.subTotal, i.totalTax, i.total,
        i.amountDue, i.amountPaid, i.amountCredited, i.status, i.fullyPaidOn, url, i.ledgerUpdatedAt, raw, i.deposit ?? '0', linesSignature(i.lines),
      ];
    }),
  );
  const settlement = scope.deferredSettlement ? SUPPLIED_SETTLEMENT : NO_SETTLEMENT;
  const upserted = await conn.query<{ id: string; external_id: string; inserted: boolean }>(
    `INSERT INTO invoices AS t (firm_id, organisation_id, external_id, contact_external_id, contact_id, number, reference, issue_date, due_date, currency,
       currency_rate, sub_total, total_tax, total, amount_due, amount_paid, amount_credited, status, fully_paid_on, url, ledger_updated_at, raw, deposit, synced_at, lines_signature${settlement.columns})
     SELECT $1, $2, s.external_id, s.contact_external_id, c.id, s.number, s.reference, s.issue_date, s.due_date, s.currency,
       s.currency_rate, s.sub_total, s.total_tax, s.total, s.amount_due, s.amount_paid, s.amount_credited, s.status, s.fully_paid_on, s.url, s.ledger_updated_at, s.raw, s.deposit, now(), s.lines_signature${settlement.values}
     FROM sync_stage_invoices s
     LEFT JOIN contacts c ON c.organisation_id = $2 AND c.external_id = s.contact_external_id${settlement.join}
     ON CONFLICT (organisation_id, external_id) DO UPDATE SET
       contact_external_id = excluded.contact_external_id, contact_id = excluded.contact_id, number = excluded.number, reference = excluded.reference,
       issue_date = excluded.issue_date, due_date = excluded.due_date, currency = excluded.currency, currency_rate = excluded.currency_rate,
       sub_total = excluded.sub_total, total_tax = excluded.total_tax, total = excluded.total, amount_due = excluded.amount_due,
       amount_paid = excluded.amount_paid, amount_credited = excluded.amount_credited, status = excluded.status, fully_paid_on = excluded.fully_paid_on,
       url = excluded.url, ledger_updated_at = excluded.ledger_updated_at, raw = excluded.raw, deposit = excluded.deposit, synced_at = excluded.synced_at,
       ${AMENDED},
       lines_signature = coalesce(excluded.lines_signature, t.lines_signature)${settlement.update}
     ${GUARD}
     RETURNING t.id, t.external_id, (t.xmax = 0) AS inserted`,
    [scope.firmId, scope.organisationId],
  );
  // Lines of the upserted invoices are replaced: deleted where the invoice existed, then
  // loaded straight into invoice_lines with the invoice ids just returned.
  const replaced = upserted.filter((r) => !r.inserted).map((r) => r.id);
  if (replaced.length) await conn.query('DELETE FROM invoice_lines WHERE invoice_id = ANY($1::uuid[])', [replaced]);
  const byExternal = new Map(upserted.map((r) => [r.external_id, r.id]));
  const lines: unknown[][] = [];
  for (const i of list) {
    const invoiceId = byExternal.get(i.externalId);
    if (!invoiceId) continue;
    for (const l of i.lines) lines.push([scope.firmId, invoiceId, l.lineNo, l.externalId, l.description, l.quantity, l.unitAmount, l.lineAmount, l.taxAmount, l.taxCode ?? null, l.accountCode, l.tracking]);
  }
  await conn.load('invoice_lines', ['firm_id', 'invoice_id', 'line_no', 'external_id', 'description', 'quantity', 'unit_amount', 'line_amount', 'tax_amount', 'tax_code', 'account_code', 'tracking'], lines);
  return upserted.length;
}

// ---- payments ------------------------------------------------------------------------------------

export async function upsertPayments(conn: SqlConn, scope: WriteScope, items: NormPayment[]): Promise<number> {
  const list = newestById(items);
  if (list.length === 0) return 0;
  await conn.load(
    'sync_stage_payments',
    ['external_id', 'contact_external_id', 'date', 'currency', 'currency_rate', 'amount', 'reference', 'status', 'ledger_updated_at', 'raw'],
    list.map((p) => [p.externalId, p.contactExternalId, p.date, p.currency || scope.baseCurrency, p.currencyRate, p.amount, p.reference, p.status, p.ledgerUpdatedAt, p.raw ?? null]),
  );
  const upserted = await conn.query<{ id: string; external_id: string; inserted: boolean }>(
    `INSERT INTO payments AS t (firm_id, organisation_id, external_id, contact_external_id, date, currency, currency_rate, amount, reference, status, ledger_updated_at, raw, synced_at)
     SELECT $1, $2, s.external_id, s.contact_external_id, s.date, s.currency, s.currency_rate, s.amount, s.reference, s.status, s.ledger_updated_at, s.raw, now()
     FROM sync_stage_payments s
     ON CONFLICT (organisation_id, external_id) DO UPDATE SET
       contact_external_id = excluded.contact_external_id, date = excluded.date, currency = excluded.currency, currency_rate = excluded.currency_rate,
       amount = excluded.amount, reference = excluded.reference, status = excluded.status, ledger_updated_at = excluded.ledger_updated_at,
       raw = excluded.raw, synced_at = excluded.synced_at
     ${GUARD}
     RETURNING t.id, t.external_id, (t.xmax = 0) AS inserted`,
    [scope.firmId, scope.organisationId],
  );
  const byExternal = new Map(upserted.map((r) => [r.external_id, r.id]));
  const replaced = upserted.filter((r) => !r.inserted);
  if (replaced.length) {
    // Allocations of payments that existed are replaced (new payments have none to remove).
    await conn.query('DELETE FROM payment_allocations WHERE payment_id = ANY($1::uuid[])', [replaced.map((r) => r.id)]);
    await conn.query(`DELETE FROM credit_note_allocations WHERE organisation_id = $1 AND external_id LIKE '${QBO_PAYMENT_ALLOCATION}%' AND split_part(external_id, ':', 2) = ANY($2::text[])`, [
      scope.organisationId,
      replaced.map((r) => r.external_id),
    ]);
  }
  const allocations: unknown[][] = [];
  const credits: { payment: NormPayment; c: NonNullable<NormPayment['creditApplications']>[number] }[] = [];
  for (const p of list) {
    const paymentId = byExternal.get(p.externalId);
    // Not upserted (an older version than ours), or deleted: a deleted payment settles nothing.
    if (!paymentId || p.status === 'deleted') continue;
    const byInvoice = new Map<string, { amount: number; date: string }>();
    for (const a of p.allocations) {
      const prev = byInvoice.get(a.invoiceExternalId);
      byInvoice.set(a.invoiceExternalId, { amount: (prev?.amount ?? 0) + toMinor(a.amount, 4), date: prev && prev.date > a.date ? prev.date : a.date });
    }
    for (const [invoiceId, a] of byInvoice) allocations.push([scope.firmId, scope.organisationId, paymentId, invoiceId, fromMinor(a.amount, 4), a.date]);
    for (const c of p.creditApplications ?? []) credits.push({ payment: p, c });
  }
  await conn.load('payment_allocations', ['firm_id', 'organisation_id', 'payment_id', 'invoice_external_id', 'amount', 'date'], allocations);
  if (credits.length) await insertCreditApplications(conn, scope, credits);
  return upserted.length;
}

/**
 * QuickBooks credit applications become credit-note allocations
 * `qbo-payment:<payment>:<memo>:<invoice>`. A memo not synced yet gets a placeholder row (no
 * ledger time, so the memo's own upsert overwrites it).
 */
async function insertCreditApplications(conn: SqlConn, scope: WriteScope, credits: { payment: NormPayment; c: NonNullable<NormPayment['creditApplications']>[number] }[]): Promise<void> {
  const memos = new Map<string, { contact: string; date: string; currency: string }>();
  for (const { payment, c } of credits) if (!memos.has(c.creditNoteExternalId)) memos.set(c.creditNoteExternalId, { contact: payment.contactExternalId ?? '', date: c.date, currency: payment.currency || scope.baseCurrency });
  await conn.load(
    'sync_stage_credit_apps',
    ['credit_note_external_id', 'contact_external_id', 'date', 'currency'],
    [...memos].map(([id, m]) => [id, m.contact, m.date, m.currency]),
  );
  await conn.query(
    `INSERT INTO credit_notes (firm_id, organisation_id, external_id, contact_external_id, number, date, currency, total, remaining_credit, status)
     SELECT $1, $2, a.credit_note_external_id, a.contact_external_id, '', a.date, a.currency, 0, 0, 'authorised' FROM sync_stage_credit_apps a
     ON CONFLICT (organisation_id, external_id) DO NOTHING`,
    [scope.firmId, scope.organisationId],
  );
  const ids = await conn.query<{ id: string; external_id: string }>('SELECT id, external_id FROM credit_notes WHERE organisation_id = $1 AND external_id = ANY($2::text[])', [scope.organisationId, [...memos.keys()]]);
  const memoId = new Map(ids.map((r) => [r.external_id, r.id]));
  const rows = credits.map(({ payment, c }) => [
    scope.firmId,
    scope.organisationId,
    memoId.get(c.creditNoteExternalId),
    `${QBO_PAYMENT_ALLOCATION}${payment.externalId}:${c.creditNoteExternalId}:${c.invoiceExternalId}`,
    c.invoiceExternalId,
    c.amount,
    c.date,
  ]);
  await conn.load('credit_note_allocations', ['firm_id', 'organisation_id', 'credit_note_id', 'external_id', 'invoice_external_id', 'amount', 'date'], rows);
}

// ---- credit notes --------------------------------------------------------------------------------

export async function upsertCreditNotes(conn: SqlConn, scope: WriteScope, items: NormCreditNote[]): Promise<number> {
  const list = newestById(items);
  if (list.length === 0) return 0;
  await conn.load(
    'sync_stage_credit_notes',
    ['external_id', 'contact_external_id', 'number', 'date', 'currency', 'total', 'remaining_credit', 'status', 'ledger_updated_at', 'raw'],
    list.map((c) => [c.externalId, c.contactExternalId, c.number, c.date, c.currency || scope.baseCurrency, c.total, c.remainingCredit, c.status, c.ledgerUpdatedAt, c.raw ?? null]),
  );
  const upserted = await conn.query<{ id: string; external_id: string; inserted: boolean }>(
    `INSERT INTO credit_notes AS t (firm_id, organisation_id, external_id, contact_external_id, number, date, currency, total, remaining_credit, status, ledger_updated_at, raw, synced_at)
     SELECT $1, $2, s.external_id, s.contact_external_id, s.number, s.date, s.currency, s.total, s.remaining_credit, s.status, s.ledger_updated_at, s.raw, now()
     FROM sync_stage_credit_notes s
     ON CONFLICT (organisation_id, external_id) DO UPDATE SET
       contact_external_id = excluded.contact_external_id, number = excluded.number, date = excluded.date, currency = excluded.currency,
       total = excluded.total, remaining_credit = excluded.remaining_credit, status = excluded.status, ledger_updated_at = excluded.ledger_updated_at,
       raw = excluded.raw, synced_at = excluded.synced_at
     ${GUARD}
     RETURNING t.id, t.external_id, (t.xmax = 0) AS inserted`,
    [scope.firmId, scope.organisationId],
  );
  const replaced = upserted.filter((r) => !r.inserted).map((r) => r.id);
  // The memo's own allocations are replaced; those derived from QuickBooks payments stay.
  if (replaced.length) await conn.query(`DELETE FROM credit_note_allocations WHERE credit_note_id = ANY($1::uuid[]) AND external_id NOT LIKE '${QBO_PAYMENT_ALLOCATION}%'`, [replaced]);
  const byExternal = new Map(upserted.map((r) => [r.external_id, r.id]));
  const allocations: unknown[][] = [];
  for (const c of list) {
    const id = byExternal.get(c.externalId);
    if (!id) continue;
    for (const a of c.allocations) allocations.push([scope.firmId, scope.organisationId, id, a.externalId, a.invoiceExternalId, a.amount, a.date]);
  }
  await conn.load('credit_note_allocations', ['firm_id', 'organisation_id', 'credit_note_id', 'external_id', 'invoice_external_id', 'amount', 'date'], allocations);
  return upserted.length;
}

// ---- overpayments and prepayments (Xero) -------------------------------------------------------

/**
 * Xero overpayments and prepayments with their allocations (migration 0012). Allocations of
 * existing documents are replaced; a voided or deleted one keeps none (it settles nothing).
 */
export async function upsertPrepayments(conn: SqlConn, scope: WriteScope, items: NormPrepayment[]): Promise<number> {
  const list = newestById(items);
  if (list.length === 0) return 0;
  await conn.load(
    'sync_stage_prepayments',
    ['external_id', 'kind', 'contact_external_id', 'date', 'currency', 'currency_rate', 'total', 'remaining_credit', 'reference', 'status', 'ledger_updated_at', 'raw'],
    list.map((x) => [x.externalId, x.kind, x.contactExternalId, x.date, x.currency || scope.baseCurrency, x.currencyRate, x.total, x.remainingCredit, x.reference, x.status, x.ledgerUpdatedAt, x.raw ?? null]),
  );
  const upserted = await conn.query<{ id: string; external_id: string; inserted: boolean }>(
    `INSERT INTO prepayments AS t (firm_id, organisation_id, external_id, kind, contact_external_id, date, currency, currency_rate, total, remaining_credit, reference, status, ledger_updated_at, raw, synced_at)
     SELECT $1, $2, s.external_id, s.kind, s.contact_external_id, s.date, s.currency, s.currency_rate, s.total, s.remaining_credit, s.reference, s.status, s.ledger_updated_at, s.raw, now()
     FROM sync_stage_prepayments s
     ON CONFLICT (organisation_id, external_id) DO UPDATE SET
       kind = excluded.kind, contact_external_id = excluded.contact_external_id, date = excluded.date, currency = excluded.currency,
       currency_rate = excluded.currency_rate, total = excluded.total, remaining_credit = excluded.remaining_credit, reference = excluded.reference,
       status = excluded.status, ledger_updated_at = excluded.ledger_updated_at, raw = excluded.raw, synced_at = excluded.synced_at
     ${GUARD}
     RETURNING t.id, t.external_id, (t.xmax = 0) AS inserted`,
    [scope.firmId, scope.organisationId],
  );
  const replaced = upserted.filter((r) => !r.inserted).map((r) => r.id);
  if (replaced.length) await conn.query('DELETE FROM prepayment_allocations WHERE prepayment_id = ANY($1::uuid[])', [replaced]);
  const byExternal = new Map(upserted.map((r) => [r.external_id, r.id]));
  const allocations: unknown[][] = [];
  for (const x of list) {
    const id = byExternal.get(x.externalId);
    if (!id || x.status === 'voided' || x.status === 'deleted') continue;
    for (const a of x.allocations) allocations.push([scope.firmId, scope.organisationId, id, a.externalId, a.invoiceExternalId, a.amount, a.date]);
  }
  await conn.load('prepayment_allocations', ['firm_id', 'organisation_id', 'prepayment_id', 'external_id', 'invoice_external_id', 'amount', 'date'], allocations);
  return upserted.length;
}

// ---- deletions (QuickBooks CDC) --------------------------------------------------------------------

export async function markDeleted(conn: SqlConn, scope: WriteScope, entity: 'invoices' | 'payments' | 'creditNotes' | 'contacts', ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const org = scope.organisationId;
  switch (entity) {
    case 'invoices': {
      const r = await conn.query(`WITH d AS (UPDATE invoices SET status = 'deleted', amount_due = 0, synced_at = now() WHERE organisation_id = $1 AND external_id = ANY($2::text[]) RETURNING 1) SELECT count(*)::int AS n FROM d`, [org, ids]);
      return upsertedCount(r);
    }
    case 'payments': {
      const r = await conn.query(`WITH d AS (UPDATE payments SET status = 'deleted', synced_at = now() WHERE organisation_id = $1 AND external_id = ANY($2::text[]) RETURNING id) SELECT array_agg(id) AS ids, count(*)::int AS n FROM d`, [org, ids]);
      await conn.query(`DELETE FROM payment_allocations WHERE organisation_id = $1 AND payment_id IN (SELECT id FROM payments WHERE organisation_id = $1 AND external_id = ANY($2::text[]))`, [org, ids]);
      await conn.query(`DELETE FROM credit_note_allocations WHERE organisation_id = $1 AND external_id LIKE '${QBO_PAYMENT_ALLOCATION}%' AND split_part(external_id, ':', 2) = ANY($2::text[])`, [org, ids]);
      return upsertedCount(r);
    }
    case 'creditNotes': {
      const r = await conn.query(`WITH d AS (UPDATE credit_notes SET status = 'deleted', remaining_credit = 0, synced_at = now() WHERE organisation_id = $1 AND external_id = ANY($2::text[]) RETURNING id) SELECT count(*)::int AS n FROM d`, [org, ids]);
      await conn.query(`DELETE FROM credit_note_allocations WHERE organisation_id = $1 AND credit_note_id IN (SELECT id FROM credit_notes WHERE organisation_id = $1 AND external_id = ANY($2::text[]))`, [org, ids]);
      return upsertedCount(r);
    }
    case 'contacts': {
      const r = await conn.query(`WITH d AS (UPDATE contacts SET status = 'deleted', deleted_at = coalesce(deleted_at, now()), synced_at = now() WHERE organisation_id = $1 AND external_id = ANY($2::text[]) RETURNING 1) SELECT count(*)::int AS n FROM d`, [org, ids]);
      return upsertedCount(r);
    }
  }
}
