/**
 * Issue #19: a statement's closing balance equals the ledger's for every customer. A Xero and a
 * QuickBooks organisation are synced from the sandbox ledger over HTTP; for every customer and
 * currency, the billing ledger's last running balance, the activity statement's closing balance
 * and the open-items statement's closing balance all equal what the ledger itself says, read from
 * the documents it sent (docs/decisions/040): Xero Σ Invoice.AmountDue − Σ CreditNote.RemainingCredit
 * − Σ Overpayment/Prepayment.RemainingCredit; QuickBooks Σ Invoice.Balance − Σ CreditMemo.RemainingCredit
 * − Σ Payment.UnappliedAmt.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAmount } from '../../kernel/money';
import { queryRows } from '../../server/db/client';
import { activityStatement, billingLedger, openItemsStatement } from '../../server/statements/core';
import { customerCurrencies, loadStatementInput } from '../../server/statements/load';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

let fx: SyncFixture;
const orgs: { provider: 'xero' | 'quickbooks'; organisationId: string }[] = [];

describeWith('pg', 'statement closing balance = the ledger’s balance, every customer', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({
      seed: 11,
      companies: [
        { provider: 'xero', customers: 20, invoices: 200, foreignCurrencies: { USD: '1.6530' } },
        { provider: 'quickbooks', customers: 20, invoices: 200 },
      ],
    });
    for (const [i, provider] of (['xero', 'quickbooks'] as const).entries()) {
      const { organisationId } = await fx.connect(provider, fx.companyIds[i]!);
      orgs.push({ provider, organisationId });
    }
    fx.advance(61_000);
    for (const o of orgs) {
      const { runId } = await createOrReuseRun(fx.db, { organisationId: o.organisationId, kind: 'full' });
      expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
    }
  }, 180_000);
  afterAll(async () => fx?.close());

  /** The ledger's own figures per (customer, currency), from the raw documents it sent. */
  async function ledgerBalances(provider: 'xero' | 'quickbooks', organisationId: string): Promise<Map<string, string>> {
    // xero-node keeps Xero's fields in camelCase (amountDue, remainingCredit); QuickBooks' JSON is as sent.
    const x = provider === 'xero';
    const due = x ? sql`raw->>'amountDue'` : sql`raw->>'Balance'`;
    const remaining = x ? sql`raw->>'remainingCredit'` : sql`raw->>'RemainingCredit'`;
    const rows = await queryRows<{ contact: string; currency: string; amount: string; sign: number }>(
      fx.db,
      sql`SELECT contact_external_id AS contact, currency, ${due} AS amount, 1 AS sign FROM invoices WHERE organisation_id = ${organisationId} AND status NOT IN ('draft', 'voided', 'deleted')
          UNION ALL SELECT contact_external_id, currency, ${remaining}, -1 FROM credit_notes WHERE organisation_id = ${organisationId} AND status NOT IN ('draft', 'voided', 'deleted')
          UNION ALL SELECT contact_external_id, currency, ${remaining}, -1 FROM prepayments WHERE organisation_id = ${organisationId} AND status NOT IN ('voided', 'deleted')
          UNION ALL SELECT contact_external_id, currency, raw->>'UnappliedAmt', -1 FROM payments WHERE organisation_id = ${organisationId} AND status <> 'deleted' AND raw ? 'UnappliedAmt'`,
    );
    const sums = new Map<string, number>();
    for (const r of rows) {
      if (r.amount == null) continue;
      const key = `${r.contact}|${r.currency}`;
      sums.set(key, (sums.get(key) ?? 0) + r.sign * parseAmount(String(r.amount), r.currency, true));
    }
    return new Map([...sums].map(([k, v]) => [k, String(v)]));
  }

  for (const provider of ['xero', 'quickbooks'] as const) {
    it(`${provider}: every customer's closing balance is the ledger's`, async () => {
      const { organisationId } = orgs.find((o) => o.provider === provider)!;
      const expected = await ledgerBalances(provider, organisationId);
      const customers = await queryRows<{ external_id: string }>(fx.db, sql`SELECT external_id FROM contacts WHERE organisation_id = ${organisationId}`);
      const firmId = fx.firmId;
      let compared = 0;
      let withOpenCredit = 0;
      const actual = new Map<string, string>();
      for (const c of customers) {
        for (const currency of await customerCurrencies(fx.db, { firmId, organisationId, contactExternalId: c.external_id })) {
          const input = await loadStatementInput(fx.db, { firmId, organisationId, contactExternalId: c.external_id }, currency);
          const ledger = billingLedger(input);
          const last = ledger.at(-1)?.balance ?? 0;
          const open = openItemsStatement(input, '2999-12-31');
          const activity = activityStatement(input, '2000-01-01', '2999-12-31');
          expect(open.closing).toBe(last);
          expect(activity.closing).toBe(last);
          expect(activity.opening).toBe(0);
          if (open.unapplied !== 0) withOpenCredit++;
          actual.set(`${c.external_id}|${currency}`, String(last));
          compared++;
        }
      }
      expect(compared).toBeGreaterThanOrEqual(15);
      // Some customer has credit not yet applied, so the comparison covers it.
      expect(withOpenCredit).toBeGreaterThan(0);
      const nonZero = (m: Map<string, string>) => new Map([...m].filter(([, v]) => v !== '0'));
      expect(nonZero(actual)).toEqual(nonZero(expected));
    }, 60_000);
  }
});
