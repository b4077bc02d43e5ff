/**
 * Exchange rates found in the firm's own ledgers: for each currency, the most recent synced
 * invoice (issued on or before a day) that prices it against the reporting currency — an invoice
 * in that currency at an organisation whose base is the reporting currency (direct), or an
 * invoice in the reporting currency at an organisation whose base is that currency (inverse).
 * The rate itself is worked out by `rateFromDocument` (server/domain/reporting-rates.ts).
 *
 * Counted: invoices not draft, awaiting approval, voided or deleted, with a positive `currency_rate` other than
 * exactly 1 — the column's default, which a ledger that gave no rate leaves behind, so a 1
 * between two different currencies cannot be told from "no rate". Ties on the issue date go to
 * the direct rate (no rounding), then to the invoice the ledger changed last.
 * Served by invoices_org_currency_issue_idx (migration 0032), one pair at a time.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import type { CalendarDate } from '../../kernel/dates';
import type { LedgerDocument } from '../domain/reporting-rates';

interface Row {
  currency: string;
  provider: 'xero' | 'quickbooks';
  organisation_name: string;
  number: string;
  issue_date: string;
  currency_rate: string;
  direct: boolean;
}

export async function latestLedgerRates(db: Db, params: { firmId: string; reportingCurrency: string; currencies: readonly string[]; asOf: CalendarDate }): Promise<Map<string, LedgerDocument>> {
  const { firmId, reportingCurrency: r, asOf } = params;
  const wanted = [...new Set(params.currencies)].filter((c) => c !== r);
  const out = new Map<string, LedgerDocument>();
  if (wanted.length === 0) return out;
  const list = sql.join(
    wanted.map((c) => sql`${c}`),
    sql`, `,
  );
  // One ordered lookup per (organisation, currency) pair — invoices_org_currency_issue_idx
  // (migration 0032) answers each with its first row — instead of reading every invoice in the
  // reporting currency: the cost grows with organisations, not invoices. Within one pair `direct`
  // is fixed, so the pair's top row under the global order is its top row here.
  const rows = await queryRows<Row>(
    db,
    sql`WITH orgs AS (
          SELECT o.id, o.firm_id, o.provider, o.name, o.base_currency FROM organisations o
          WHERE o.firm_id = ${firmId} AND (o.base_currency = ${r} OR o.base_currency IN (${list}))
        ), pairs AS (
          SELECT o.*, c.cur AS invoice_currency, c.cur AS currency, true AS direct
          FROM orgs o CROSS JOIN unnest(ARRAY[${list}]::text[]) AS c(cur) WHERE o.base_currency = ${r}
          UNION ALL
          SELECT o.*, ${r}::text AS invoice_currency, o.base_currency AS currency, false AS direct
          FROM orgs o WHERE o.base_currency IN (${list})
        )
        SELECT DISTINCT ON (p.currency) p.currency, p.direct, p.provider, p.name AS organisation_name, i.number,
               i.issue_date::text AS issue_date, i.currency_rate::text AS currency_rate
        FROM pairs p
        CROSS JOIN LATERAL (
          SELECT i.number, i.issue_date, i.currency_rate, i.ledger_updated_at, i.external_id
          FROM invoices i
          WHERE i.firm_id = p.firm_id AND i.organisation_id = p.id AND i.currency = p.invoice_currency
            AND i.issue_date <= ${asOf}
            AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
            AND i.currency_rate > 0 AND i.currency_rate <> 1
          ORDER BY i.issue_date DESC, i.ledger_updated_at DESC NULLS LAST, i.external_id
          LIMIT 1
        ) i
        ORDER BY p.currency, i.issue_date DESC, p.direct DESC, i.ledger_updated_at DESC NULLS LAST, i.external_id`,
  );
  for (const row of rows) {
    out.set(row.currency, {
      provider: row.provider,
      organisationName: row.organisation_name,
      number: row.number,
      issueDate: row.issue_date,
      currencyRate: row.currency_rate,
      direction: row.direct ? 'direct' : 'inverse',
    });
  }
  return out;
}
