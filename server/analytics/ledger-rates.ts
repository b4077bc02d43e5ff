/**
 * Exchange rates found in the firm's own ledgers: for each currency, the most recent synced
 * invoice (issued on or before a day) that prices it against the reporting currency — an invoice
 * in that currency at an organisation whose base is the reporting currency (direct), or an
 * invoice in the reporting currency at an organisation whose base is that currency (inverse).
 * The rate itself is worked out by `rateFromDocument` (server/domain/reporting-rates.ts).
 *
 * Counted: invoices not draft, voided or deleted, with a positive `currency_rate` other than
 * exactly 1 — the column's default, which a ledger that gave no rate leaves behind, so a 1
 * between two different currencies cannot be told from "no rate". Ties on the issue date go to
 * the direct rate (no rounding), then to the invoice the ledger changed last.
 * Served by invoices_firm_currency_issue_idx (migration 0018).
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
  const rows = await queryRows<Row>(
    db,
    sql`SELECT DISTINCT ON (d.currency) d.*
        FROM (
          SELECT CASE WHEN o.base_currency = ${r} THEN i.currency ELSE o.base_currency END AS currency,
                 o.base_currency = ${r} AS direct, o.provider, o.name AS organisation_name, i.number,
                 i.issue_date::text AS issue_date, i.currency_rate::text AS currency_rate,
                 i.ledger_updated_at, i.external_id
          FROM invoices i
          JOIN organisations o ON o.id = i.organisation_id AND o.firm_id = i.firm_id
          WHERE i.firm_id = ${firmId} AND i.issue_date <= ${asOf}
            AND i.status NOT IN ('draft', 'voided', 'deleted')
            AND i.currency_rate > 0 AND i.currency_rate <> 1
            AND ((o.base_currency = ${r} AND i.currency IN (${list})) OR (i.currency = ${r} AND o.base_currency IN (${list})))
        ) d
        ORDER BY d.currency, d.issue_date DESC, d.direct DESC, d.ledger_updated_at DESC NULLS LAST, d.external_id`,
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
