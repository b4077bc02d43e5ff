/**
 * The organisation dashboard (decision 050) — the engine over the invoices read from the settlement
 * summary, the customers' part from the Customers list's SQL — equals the path it replaced (the whole
 * ledger and every customer in memory, `getDashboardInMemory`) on random seeded ledgers with part
 * payments, overpayments, reversals, credit notes, deleted payments, voided credits, other currencies
 * at odd rates and sub-cent amounts: every KPI, the aging, the 24-month series, the needs-help verdict,
 * the top overdue customers and the counts, for several periods and both base currencies.
 */
import { beforeAll, expect, it } from 'vitest';
import { getDashboard, getDashboardInMemory } from '../../server/analytics/dashboard';
import { getOrganisation, type OrganisationInfo } from '../../server/analytics/organisations';
import type { Database } from '../../server/db/client';
import type { Period } from '../../server/domain/metrics';
import { seedRandomLedger } from '../analytics/random-ledger';
import { seedInvoices, seedOrganisation } from '../analytics/seed';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

describeWith('pg', 'the organisation dashboard from SQL equals the in-memory dashboard', () => {
  let database: Database;
  let firmId: string;
  const orgs: OrganisationInfo[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database, 'admin')).firm.id;
    for (const [i, baseCurrency] of ['USD', 'GBP'].entries()) {
      const seed = 952 + i;
      const org = await seedOrganisation(database.db, firmId, { name: `Dashboard org ${i}`, baseCurrency });
      await seedRandomLedger(database.db, firmId, org.id, { seed, invoices: 220, baseCurrency, start: '2023-06-01', days: 700 });
      // A customer with no contact row, and overdue ties broken by name.
      await seedInvoices(
        database.db,
        firmId,
        org.id,
        [
          { externalId: `ghost-${seed}`, contact: `nobody-${seed}`, issue: '2024-01-10', due: '2024-01-20', total: '777.00' },
          { externalId: `tie-${seed}-a`, contact: `c${seed}-1`, issue: '2020-01-10', due: '2020-01-20', total: '0.01' },
        ],
        baseCurrency,
      );
      orgs.push((await getOrganisation(database.db, firmId, org.id))!);
    }
  });

  const periods: Period[] = [
    { from: '2023-09-01', to: '2023-11-29' },
    { from: '2024-03-05', to: '2024-06-02' },
    { from: '2024-10-01', to: '2024-12-31' },
    { from: '2025-07-01', to: '2025-09-28' },
  ];

  it.each(periods)('from $from to $to: every figure, the series, the top overdue and the counts are equal', async (period) => {
    let withOverdue = 0;
    for (const organisation of orgs) {
      const params = { firmId, organisation, period, thresholds: { dsoIncreasePct: 5, ceiBelow: 80 }, site: 'xero' as const };
      const expected = await getDashboardInMemory(database.db, params);
      const actual = await getDashboard(database.db, params);
      expect(actual, `${organisation.name} ${period.to}`).toEqual(expected);
      if (expected.topOverdue.length > 0) withOverdue += 1;
    }
    expect(withOverdue).toBeGreaterThan(0);
  });

  it('covers what it claims to: other currencies, open invoices, a customer with no contact', async () => {
    const d = await getDashboard(database.db, { firmId, organisation: orgs[0]!, period: periods[1]!, thresholds: {} });
    expect(d.foreignCurrencies.length).toBeGreaterThan(0);
    expect(d.counts.openInvoices).toBeGreaterThan(0);
    expect(d.counts.customers).toBe(9);
    expect(d.series).toHaveLength(24);
  });
});
