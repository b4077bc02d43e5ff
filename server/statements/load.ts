/**
 * What a customer's statement reads: one customer (contact) of one organisation, in one currency,
 * from the synced tables. The same settlement sources the balance invariant counts
 * (server/sync/balance-check.ts): payments not deleted, credit notes and overpayments/prepayments
 * not draft/voided/deleted, and the QuickBooks Deposit dated the issue day. Runs in the caller's
 * firm scope.
 */
import { sql } from 'drizzle-orm';
import type { CalendarDate } from '../../kernel/dates';
import { parseAmount } from '../../kernel/money';
import { type Db, queryRows } from '../db/client';
import type { StatementCredit, StatementInput, StatementInvoice } from './core';

export interface CustomerRef {
  firmId: string;
  organisationId: string;
  contactExternalId: string;
}

interface InvRow {
  external_id: string;
  number: string;
  reference: string;
  issue_date: CalendarDate;
  due_date: CalendarDate | null;
  total: string;
  deposit: string;
  is_fee: boolean;
}
interface AllocRow {
  source: 'payment' | 'credit' | 'prepayment' | 'deposit';
  source_id: string | null;
  invoice_external_id: string;
  date: CalendarDate;
  amount: string;
}
interface CreditRow {
  kind: StatementCredit['kind'];
  id: string;
  external_id: string;
  number: string;
  reference: string;
  date: CalendarDate;
  amount: string;
}

/** The currencies a customer has documents in, most used first. */
export async function customerCurrencies(db: Db, c: CustomerRef): Promise<string[]> {
  const rows = await queryRows<{ currency: string; n: string }>(
    db,
    sql`SELECT currency, count(*)::text AS n FROM (
          SELECT currency FROM invoices WHERE firm_id = ${c.firmId} AND organisation_id = ${c.organisationId} AND contact_external_id = ${c.contactExternalId} AND status NOT IN ('draft', 'submitted', 'voided', 'deleted')
          UNION ALL SELECT currency FROM credit_notes WHERE firm_id = ${c.firmId} AND organisation_id = ${c.organisationId} AND contact_external_id = ${c.contactExternalId} AND status NOT IN ('draft', 'submitted', 'voided', 'deleted')
          UNION ALL SELECT currency FROM prepayments WHERE firm_id = ${c.firmId} AND organisation_id = ${c.organisationId} AND contact_external_id = ${c.contactExternalId} AND status NOT IN ('voided', 'deleted')
          UNION ALL SELECT currency FROM payments WHERE firm_id = ${c.firmId} AND organisation_id = ${c.organisationId} AND contact_external_id = ${c.contactExternalId} AND status <> 'deleted'
        ) d GROUP BY currency ORDER BY count(*) DESC, currency`,
  );
  return rows.map((r) => r.currency);
}

/** One customer's documents in `currency`, as the pure core takes them. */
export async function loadStatementInput(db: Db, c: CustomerRef, currency: string): Promise<StatementInput> {
  const { firmId, organisationId, contactExternalId: contact } = c;
  const [invoiceRows, allocRows, creditRows] = await Promise.all([
    queryRows<InvRow>(
      db,
      sql`SELECT i.external_id, i.number, i.reference, i.issue_date::text AS issue_date, i.due_date::text AS due_date, i.total::text AS total, i.deposit::text AS deposit,
            EXISTS (SELECT 1 FROM writebacks w WHERE w.firm_id = i.firm_id AND w.organisation_id = i.organisation_id AND w.kind = 'late_fee' AND w.external_id = i.external_id) AS is_fee
          FROM invoices i
          WHERE i.firm_id = ${firmId} AND i.organisation_id = ${organisationId} AND i.contact_external_id = ${contact} AND i.currency = ${currency}
            AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted')`,
    ),
    // Every counted settlement of this customer's invoices, and every allocation of its credits (whatever invoice).
    queryRows<AllocRow>(
      db,
      sql`SELECT 'payment' AS source, p.id::text AS source_id, pa.invoice_external_id, pa.date::text AS date, pa.amount::text AS amount
            FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id
            WHERE pa.firm_id = ${firmId} AND pa.organisation_id = ${organisationId} AND p.status <> 'deleted' AND p.currency = ${currency}
              AND (p.contact_external_id = ${contact} OR pa.invoice_external_id IN (SELECT external_id FROM invoices WHERE organisation_id = ${organisationId} AND contact_external_id = ${contact}))
          UNION ALL
          SELECT 'credit', cn.id::text, ca.invoice_external_id, ca.date::text, ca.amount::text
            FROM credit_note_allocations ca JOIN credit_notes cn ON cn.id = ca.credit_note_id
            WHERE ca.firm_id = ${firmId} AND ca.organisation_id = ${organisationId} AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted') AND cn.currency = ${currency}
              AND (cn.contact_external_id = ${contact} OR ca.invoice_external_id IN (SELECT external_id FROM invoices WHERE organisation_id = ${organisationId} AND contact_external_id = ${contact}))
          UNION ALL
          SELECT 'prepayment', x.id::text, xa.invoice_external_id, xa.date::text, xa.amount::text
            FROM prepayment_allocations xa JOIN prepayments x ON x.id = xa.prepayment_id
            WHERE xa.firm_id = ${firmId} AND xa.organisation_id = ${organisationId} AND x.status NOT IN ('voided', 'deleted') AND x.currency = ${currency}
              AND (x.contact_external_id = ${contact} OR xa.invoice_external_id IN (SELECT external_id FROM invoices WHERE organisation_id = ${organisationId} AND contact_external_id = ${contact}))`,
    ),
    queryRows<CreditRow>(
      db,
      sql`SELECT 'payment' AS kind, p.id::text AS id, p.external_id, '' AS number, p.reference, p.date::text AS date, p.amount::text AS amount
            FROM payments p
            WHERE p.firm_id = ${firmId} AND p.organisation_id = ${organisationId} AND p.status <> 'deleted' AND p.currency = ${currency}
              AND (p.contact_external_id = ${contact}
                   OR (p.contact_external_id IS NULL AND EXISTS (SELECT 1 FROM payment_allocations pa JOIN invoices i ON i.organisation_id = pa.organisation_id AND i.external_id = pa.invoice_external_id
                                                                 WHERE pa.payment_id = p.id AND i.contact_external_id = ${contact})))
          UNION ALL
          SELECT 'credit', cn.id::text, cn.external_id, cn.number, '', cn.date::text, cn.total::text
            FROM credit_notes cn
            WHERE cn.firm_id = ${firmId} AND cn.organisation_id = ${organisationId} AND cn.contact_external_id = ${contact} AND cn.currency = ${currency} AND cn.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
          UNION ALL
          SELECT x.kind, x.id::text, x.external_id, '', x.reference, x.date::text, x.total::text
            FROM prepayments x
            WHERE x.firm_id = ${firmId} AND x.organisation_id = ${organisationId} AND x.contact_external_id = ${contact} AND x.currency = ${currency} AND x.status NOT IN ('voided', 'deleted')`,
    ),
  ]);
  const minor = (v: string) => parseAmount(v, currency, true);
  const ownInvoices = new Set(invoiceRows.map((r) => r.external_id));
  const settlementsOf = new Map<string, { date: CalendarDate; amount: number }[]>();
  const allocationsOf = new Map<string, { date: CalendarDate; amount: number }[]>();
  for (const a of allocRows) {
    const s = { date: a.date, amount: minor(a.amount) };
    if (ownInvoices.has(a.invoice_external_id)) settlementsOf.set(a.invoice_external_id, [...(settlementsOf.get(a.invoice_external_id) ?? []), s]);
    if (a.source_id) allocationsOf.set(`${a.source}:${a.source_id}`, [...(allocationsOf.get(`${a.source}:${a.source_id}`) ?? []), s]);
  }
  const invoices: StatementInvoice[] = invoiceRows.map((r) => {
    const deposit = minor(r.deposit);
    const settlements = [...(settlementsOf.get(r.external_id) ?? [])];
    if (deposit !== 0) settlements.push({ date: r.issue_date, amount: deposit });
    return { externalId: r.external_id, number: r.number, reference: r.reference, issueDate: r.issue_date, dueDate: r.due_date, total: minor(r.total), isFee: r.is_fee, deposit, settlements };
  });
  const credits: StatementCredit[] = creditRows.map((r) => ({
    kind: r.kind,
    externalId: r.external_id,
    number: r.number,
    reference: r.reference,
    date: r.date,
    amount: minor(r.amount),
    allocations: allocationsOf.get(`${r.kind === 'overpayment' || r.kind === 'prepayment' ? 'prepayment' : r.kind}:${r.id}`) ?? [],
    refunds: [],
  }));
  return { currency, invoices, credits };
}
