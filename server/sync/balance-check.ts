/**
 * The balance invariant over one organisation's synced tables (the pure check is
 * balance-invariant.ts): every counted invoice with its ledger balance (amount_due as synced),
 * the trigger-kept settled_on, and its counted settlements under the triggers' rules (migrations
 * 0002, 0012; 0013: a QuickBooks Deposit counts on the invoice's issue date). `arcus sync` reports the invoices that fail; the sync property test asserts none do.
 */
import { sql } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import { type Db, queryRows } from '../db/client';
import { checkBalances, type InvariantInvoice, type Violation } from './balance-invariant';

export interface BalanceReport {
  /** Invoices checked (those the analytics count). */
  checked: number;
  /** Invoices whose balance Arcus cannot explain. */
  unexplained: Violation[];
}

interface InvoiceRow {
  id: string;
  external_id: string;
  number: string;
  status: string;
  issue_date: CalendarDate;
  total: string;
  amount_due: string;
  fully_paid_on: CalendarDate | null;
  settled_on: CalendarDate | null;
}

interface SettlementRow {
  invoice_external_id: string;
  date: CalendarDate;
  amount: string;
}

function cents(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`amount outside the exact range: ${text}`);
  return n;
}

/** Check one organisation. Runs in the caller's scope (its firm, or the system). */
export async function checkOrganisationBalances(db: Db, scope: { firmId: string; organisationId: string }): Promise<BalanceReport> {
  const { firmId, organisationId } = scope;
  // Cents computed in SQL: round(x, 2) rounds half away from zero, as the triggers do.
  const [rows, settlements] = await Promise.all([
    queryRows<InvoiceRow>(
      db,
      sql`SELECT i.id::text, i.external_id, i.number, i.status, i.issue_date::text AS issue_date, (round(i.total, 2) * 100)::bigint::text AS total,
            (round(i.amount_due, 2) * 100)::bigint::text AS amount_due, i.fully_paid_on::text AS fully_paid_on, i.settled_on::text AS settled_on
          FROM invoices i
          WHERE i.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted')`,
    ),
    queryRows<SettlementRow>(
      db,
      sql`SELECT pa.invoice_external_id, pa.date::text AS date, (round(pa.amount, 2) * 100)::bigint::text AS amount
          FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
          WHERE pa.firm_id = ${firmId} AND pa.organisation_id = ${organisationId} AND p.status <> 'deleted'
        UNION ALL
        SELECT ca.invoice_external_id, ca.date::text, (round(ca.amount, 2) * 100)::bigint::text
          FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
          WHERE ca.firm_id = ${firmId} AND ca.organisation_id = ${organisationId} AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
        UNION ALL
        SELECT xa.invoice_external_id, xa.date::text, (round(xa.amount, 2) * 100)::bigint::text
          FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
          WHERE xa.firm_id = ${firmId} AND xa.organisation_id = ${organisationId} AND x.status NOT IN ('voided', 'deleted')
        UNION ALL
        SELECT i.external_id, i.issue_date::text, (round(i.deposit, 2) * 100)::bigint::text
          FROM invoices i
          WHERE i.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND i.deposit <> 0`,
    ),
  ]);
  const byInvoice = new Map<string, InvariantInvoice['settlements']>();
  for (const s of settlements) {
    const list = byInvoice.get(s.invoice_external_id) ?? [];
    list.push({ date: s.date, amount: cents(s.amount) });
    byInvoice.set(s.invoice_external_id, list);
  }
  const invoices: InvariantInvoice[] = rows.map((r) => ({
    id: r.id,
    externalId: r.external_id,
    number: r.number,
    status: r.status,
    issueDate: r.issue_date,
    total: cents(r.total),
    amountDue: cents(r.amount_due),
    fullyPaidOn: r.fully_paid_on,
    settledOn: r.settled_on,
    settlements: byInvoice.get(r.external_id) ?? [],
  }));
  return { checked: invoices.length, unexplained: checkBalances(invoices) };
}
