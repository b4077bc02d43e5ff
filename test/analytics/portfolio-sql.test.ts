/**
 * The portfolio's SQL figures against the pure engine on the same data: for several
 * organisations (different base currencies, invoices in other currencies at odd rates, every
 * awkward settlement case) and several periods, every figure and ratio must match to the cent;
 * and the rollups the portfolio reads (portfolio-rollups.ts) give the same figures.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { toBaseMetricInvoices, loadLedgerInvoices } from '../../server/analytics/ledger-invoices';
import { dsoOf, ratiosFromFigures, overduePct } from '../../server/analytics/figures';
import { comparePeriod } from '../../server/analytics/period';
import { queryPortfolioRollups } from '../../server/analytics/portfolio-rollups';
import { queryPortfolioFigures } from '../../server/analytics/portfolio-sql';
import { type Database, queryRows } from '../../server/db/client';
import { addDays, diffDays, maxDate } from '../../kernel/dates';
import { computeMetrics, type Period } from '../../server/domain/metrics';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { seedRandomLedger } from './random-ledger';
import { seedOrganisation } from './seed';

describeWith('pg', 'portfolio SQL figures equal the metrics engine', () => {
  let database: Database;
  let firmId: string;
  const orgs: { id: string; baseCurrency: string }[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database)).firm.id;
    const bases = ['USD', 'GBP', 'USD', 'EUR', 'JPY'];
    for (const [i, baseCurrency] of bases.entries()) {
      const org = await seedOrganisation(database.db, firmId, { name: `Org ${i}`, baseCurrency });
      await seedRandomLedger(database.db, firmId, org.id, { seed: 100 + i, invoices: 90, baseCurrency, start: '2024-01-01', days: 540 });
      orgs.push({ id: org.id, baseCurrency });
    }
    // An organisation with no invoices at all.
    const empty = await seedOrganisation(database.db, firmId, { name: 'Empty' });
    orgs.push({ id: empty.id, baseCurrency: 'USD' });
  });

  const periods: Period[] = [
    { from: '2024-01-01', to: '2024-03-31' },
    { from: '2024-06-18', to: '2024-09-15' },
    { from: '2024-10-03', to: '2025-01-01' },
    { from: '2024-07-01', to: '2025-06-30' },
    { from: '2025-06-01', to: '2025-06-30' },
    { from: '2026-01-01', to: '2026-03-31' },
  ];

  it.each(periods)('for $from .. $to', async (period) => {
    const compare = comparePeriod(period);
    const sqlFigures = new Map((await queryPortfolioFigures(database.db, { firmId, period, compare })).map((f) => [f.organisationId, f]));
    // The rollups (the portfolio's default source) give the same figures; test/analytics/portfolio-rollups.test.ts adds later changes.
    for (const r of await queryPortfolioRollups(database.db, { firmId, period, compare })) {
      const f = sqlFigures.get(r.organisationId);
      if (f) expect(r).toEqual(f);
      else expect([r.current.arEnd, r.current.arOpen, r.current.creditSales, r.compare.arEnd, r.compare.creditSales, r.openInvoices]).toEqual([0, 0, 0, 0, 0, 0]);
    }
    let compared = 0;
    for (const org of orgs) {
      const base = toBaseMetricInvoices(await loadLedgerInvoices(database.db, { firmId, organisationId: org.id }), org.baseCurrency);
      const engine = computeMetrics(base, period);
      const engineCompare = computeMetrics(base, compare);
      const f = sqlFigures.get(org.id);
      if (!f) {
        // No invoice relevant to the period: the engine must see nothing either.
        expect([engine.arEnd, engine.arOpen, engine.creditSales, engineCompare.arEnd, engineCompare.creditSales]).toEqual([0, 0, 0, 0, 0]);
        continue;
      }
      compared += 1;
      expect(f.current).toEqual({ days: engine.days, creditSales: engine.creditSales, arOpen: engine.arOpen, arEnd: engine.arEnd, aging: engine.aging });
      expect(f.current.aging.current).toBe(engine.currentArEnd);
      const ratios = ratiosFromFigures(f.current);
      expect(ratios).toEqual({ dso: engine.dso, bestPossibleDso: engine.bestPossibleDso, add: engine.add, cei: engine.cei, overduePct: overduePct(engine.arEnd, engine.currentArEnd) });
      expect(f.compare.arEnd).toBe(engineCompare.arEnd);
      expect(f.compare.creditSales).toBe(engineCompare.creditSales);
      expect(dsoOf(f.compare.arEnd, f.compare.creditSales, f.compare.days)).toBe(engineCompare.dso);
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('keeps the per-invoice settlement summary equal to the allocations (the engine settled date, base amounts)', async () => {
    for (const org of orgs) {
      const ledger = await loadLedgerInvoices(database.db, { firmId, organisationId: org.id });
      const base = new Map(toBaseMetricInvoices(ledger, org.baseCurrency).map((b) => [b.id, b]));
      const stored = await queryRows<{ id: string; settled_on: string | null; days: string; cums: string; base_total: string }>(
        database.db,
        sql`select id, settled_on, settlement_days::text as days, base_settled_cum::text as cums, base_total::text from invoices where organisation_id = ${org.id}`,
      );
      const byId = new Map(stored.map((r) => [r.id, r]));
      for (const inv of ledger) {
        // Document currency: the settled date.
        const perDay = new Map<string, number>();
        for (const s of inv.settlements) perDay.set(s.date, (perDay.get(s.date) ?? 0) + s.amount);
        let cum = 0;
        let settled: string | null = null;
        for (const [d, a] of [...perDay].sort(([x], [y]) => (x < y ? -1 : 1))) {
          cum += a;
          if (inv.total - cum <= 0) settled ??= maxDate(d, inv.issueDate); // never before the issue date
          else settled = null;
        }
        if (inv.total === 0) settled = inv.issueDate;
        // Base currency: the converted invoice the engine sees, summed by day.
        const b = base.get(inv.id)!;
        const basePerDay = new Map<string, number>();
        for (const s of b.settlements) basePerDay.set(s.date, (basePerDay.get(s.date) ?? 0) + s.amount);
        let baseCum = 0;
        const days: string[] = [];
        const cums: number[] = [];
        for (const [d, a] of [...basePerDay].sort(([x], [y]) => (x < y ? -1 : 1))) {
          baseCum += a;
          days.push(d);
          cums.push(baseCum);
        }
        const row = byId.get(inv.id)!;
        expect(row.days).toBe(`{${days.join(',')}}`);
        expect(row.cums).toBe(`{${cums.join(',')}}`);
        expect(Number(row.base_total)).toBe(b.total);
        expect(row.settled_on).toBe(settled);
      }
    }
  });

  it('answers a long period and a one-day period too', async () => {
    for (const period of [{ from: '2023-01-01', to: '2025-12-31' }, { from: '2024-12-31', to: '2024-12-31' }]) {
      const compare = comparePeriod(period);
      const figures = await queryPortfolioFigures(database.db, { firmId, period, compare });
      for (const f of figures) {
        const org = orgs.find((o) => o.id === f.organisationId)!;
        const base = toBaseMetricInvoices(await loadLedgerInvoices(database.db, { firmId, organisationId: org.id }), org.baseCurrency);
        const e = computeMetrics(base, period);
        expect([f.current.arEnd, f.current.arOpen, f.current.creditSales]).toEqual([e.arEnd, e.arOpen, e.creditSales]);
        expect(ratiosFromFigures(f.current).cei).toBe(e.cei);
        expect(f.current.days).toBe(diffDays(period.from, period.to) + 1);
        expect(addDays(period.to, -90)).toBe(compare.to);
      }
    }
  });
});
