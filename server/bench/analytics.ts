/**
 * Analytics on PostgreSQL at scale: 500 organisations × 2,000 invoices (1M, times --scale in
 * organisations) with payments, allocations and some credit notes, loaded with COPY into a
 * scratch database `arcus_bench_analytics` migrated by the production migrator. Times, in the
 * same run:
 * - baseline: one plain aggregate scan of the same invoices (median of 5);
 * - rollups: building every organisation's portfolio rollups from its invoices (migration 0032,
 *   as the first read after a bulk load does), and bringing one organisation's rollups up to date
 *   after a sync paid one of its open invoices today (the finish step's work; median, p95 of 20);
 * - portfolio: getPortfolio(), the function behind GET /api/portfolio, from the rollups (its
 *   default) and from one pass over the invoices (the previous path), alternating in the same
 *   run (median, p95 of 20 each);
 * - dashboard: getDashboard(), the function behind GET /api/organisations/:id/dashboard, for
 *   random organisations (median, p95 of 50).
 * The functions are called directly (not over HTTP), so the figures exclude JSON encoding
 * and the session lookup. Prints, never asserts; drops the database at the end.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { addDays, fromDayNumber, toDayNumber } from '../../kernel/dates';
import { mulRate } from '../../kernel/money';
import { getDashboard } from '../analytics/dashboard';
import { getOrganisation } from '../analytics/organisations';
import { comparePeriod } from '../analytics/period';
import { getPortfolio, type PortfolioSource } from '../analytics/portfolio';
import { queryPortfolioRollups, refreshPendingRollups } from '../analytics/portfolio-rollups';
import { openPostgres } from '../db/client';
import { withFirm } from '../db/firm-scope';
import { DEFAULT_HELP_THRESHOLDS } from '../domain/metrics';
import { mulberry32 } from '../domain/random';
import { benchDbName, dropLeftBehind } from './scratch-db';
import type { Bench, BenchFigure } from './types';

/** This run's own database (scratch-db.ts): two runs at once do not drop each other's. */
const DB_NAME = benchDbName('arcus_bench_analytics');
export const AS_OF = '2026-06-30';
const HISTORY_DAYS = 730;
const INVOICES_PER_ORG = 2000;
const CUSTOMERS_PER_ORG = 100;

export function adminUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

function benchUrl(): string {
  const u = new URL(adminUrl());
  u.pathname = `/${DB_NAME}`;
  return u.toString();
}

export async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** COPY text rows through one client, in ~1 MB writes with backpressure. */
export async function copyInto(client: pg.PoolClient, table: string, columns: string[], rows: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
  });
  let buf = '';
  for (const row of rows) {
    buf += row;
    if (buf.length > 1_000_000) {
      if (!stream.write(buf)) await new Promise((r) => stream.once('drain', r));
      buf = '';
    }
  }
  stream.end(buf);
  await done;
}

const cents = (n: number) => `${Math.trunc(n / 100)}.${String(n % 100).padStart(2, '0')}`;

export interface Generated {
  orgIds: string[];
  invoices: number;
  allocations: number;
}

/**
 * Writes the firm's ledger data; the invoices' settlement summary is computed here, as the triggers would.
 * `shape`: invoices and customers per organisation (the large-organisation bench makes one big one).
 */
export async function generate(pool: pg.Pool, firmId: string, orgCount: number, shape = { invoicesPerOrg: INVOICES_PER_ORG, customersPerOrg: CUSTOMERS_PER_ORG }): Promise<Generated> {
  const { invoicesPerOrg, customersPerOrg } = shape;
  const rand = mulberry32(20260630);
  const asOfDay = toDayNumber(AS_OF);
  const start = asOfDay - HISTORY_DAYS + 1;
  const bases = ['USD', 'USD', 'USD', 'USD', 'USD', 'USD', 'USD', 'GBP', 'EUR', 'NZD'];
  const orgs = Array.from({ length: orgCount }, (_, i) => ({ id: randomUUID(), base: bases[i % bases.length]!, provider: i % 3 === 0 ? 'quickbooks' : 'xero' }));
  const client = await pool.connect();
  let invoiceCount = 0;
  let allocationCount = 0;
  try {
    await copyInto(
      client,
      'organisations',
      ['id', 'firm_id', 'provider', 'external_id', 'name', 'base_currency', 'timezone'],
      orgs.map((o, i) => `${o.id}\t${firmId}\t${o.provider}\ttenant-${i}\tClient ${String(i + 1).padStart(3, '0')}\t${o.base}\tUTC\n`),
    );
    await copyInto(
      client,
      'contacts',
      ['firm_id', 'organisation_id', 'external_id', 'name', 'emails'],
      (function* () {
        for (const o of orgs) for (let c = 0; c < customersPerOrg; c++) yield `${firmId}\t${o.id}\tc-${c}\tCustomer ${c}\t[{"address": "ap${c}@customer.example", "primary": true}]\n`;
      })(),
    );
    const invoiceRows: string[] = [];
    const paymentRows: string[] = [];
    const allocationRows: string[] = [];
    const creditRows: string[] = [];
    const creditAllocRows: string[] = [];
    const flush = async () => {
      await copyInto(
        client,
        'invoices',
        ['firm_id', 'organisation_id', 'external_id', 'contact_external_id', 'number', 'issue_date', 'due_date', 'currency', 'currency_rate', 'total', 'amount_due', 'amount_paid', 'status', 'settled_on', 'settlement_days', 'base_total', 'base_settled_cum'],
        invoiceRows,
      );
      await copyInto(client, 'payments', ['id', 'firm_id', 'organisation_id', 'external_id', 'date', 'currency', 'amount', 'status'], paymentRows);
      await copyInto(client, 'payment_allocations', ['firm_id', 'organisation_id', 'payment_id', 'invoice_external_id', 'amount', 'date'], allocationRows);
      await copyInto(client, 'credit_notes', ['id', 'firm_id', 'organisation_id', 'external_id', 'contact_external_id', 'date', 'currency', 'total', 'remaining_credit', 'status'], creditRows);
      await copyInto(client, 'credit_note_allocations', ['firm_id', 'organisation_id', 'credit_note_id', 'external_id', 'invoice_external_id', 'amount', 'date'], creditAllocRows);
      for (const a of [invoiceRows, paymentRows, allocationRows, creditRows, creditAllocRows]) a.length = 0;
    };
    for (const o of orgs) {
      // Each customer has a habit: days late on average (some pay early, some very late).
      const habits = Array.from({ length: customersPerOrg }, () => Math.floor(rand() * rand() * 90) - 5);
      for (let n = 0; n < invoicesPerOrg; n++) {
        const customer = Math.floor(rand() * customersPerOrg);
        const issueDay = start + Math.floor(rand() * HISTORY_DAYS);
        const terms = rand() < 0.7 ? 30 : rand() < 0.5 ? 14 : 45;
        const noDue = rand() < 0.02;
        const dueDay = issueDay + (noDue ? 0 : terms);
        const total = 5_000 + Math.floor(rand() * 2_000_000);
        const foreign = rand() < 0.08;
        const currency = foreign ? (o.base === 'USD' ? 'CAD' : 'USD') : o.base;
        const rate = foreign ? '1.2345000000' : '1';
        const ext = `inv-${n}`;
        // Settlements: [day, amount, from a credit note]
        const s: [number, number, boolean][] = [];
        const r = rand();
        const payDay = dueDay + habits[customer]! + Math.floor((rand() - 0.5) * 20);
        if (r < 0.86) s.push([payDay, total, false]);
        else if (r < 0.93) {
          const part = Math.floor(total * (0.2 + rand() * 0.6));
          s.push([payDay - 10, part, false], [payDay + 25, total - part, false]);
        } else if (r < 0.96) s.push([payDay, Math.floor(total / 3), false]);
        const credit = rand() < 0.03 && s.length > 0 ? Math.floor(total * 0.1) : 0;
        if (credit) {
          s[s.length - 1]![1] -= credit;
          s.push([issueDay + 5, credit, true]);
        }
        const kept = s.filter(([d]) => d <= asOfDay).sort((a, b) => a[0] - b[0]);
        // Settlement summary, as migration 0002's trigger computes it.
        const days: number[] = [];
        const cums: number[] = [];
        let cum = 0;
        for (const [d, a] of kept) {
          cum += a;
          if (days[days.length - 1] === d) cums[cums.length - 1] = cum;
          else {
            days.push(d);
            cums.push(cum);
          }
        }
        let settled: number | null = null;
        for (let i = days.length - 1; i >= 0 && total - cums[i]! <= 0; i--) settled = Math.max(days[i]!, issueDay);
        const paid = kept.reduce((x, [, a]) => x + a, 0);
        const status = total - paid <= 0 ? 'paid' : 'authorised';
        // In the organisation's base currency, as the trigger converts (mulRate, cumulatively).
        const baseTotal = foreign ? mulRate(total, rate) : total;
        const baseCums = foreign ? cums.map((c) => mulRate(c, rate)) : cums;
        invoiceRows.push(
          `${firmId}\t${o.id}\t${ext}\tc-${customer}\tINV-${n}\t${fromDayNumber(issueDay)}\t${noDue ? '\\N' : fromDayNumber(dueDay)}\t${currency}\t${rate}\t${cents(total)}\t${cents(Math.max(0, total - paid))}\t${cents(paid)}\t${status}\t${settled === null ? '\\N' : fromDayNumber(settled)}\t{${days.map(fromDayNumber).join(',')}}\t${baseTotal}\t{${baseCums.join(',')}}\n`,
        );
        invoiceCount += 1;
        kept.forEach(([d, a, isCredit], i) => {
          const date = fromDayNumber(d);
          if (isCredit) {
            const id = randomUUID();
            creditRows.push(`${id}\t${firmId}\t${o.id}\tcn-${n}\tc-${customer}\t${date}\t${currency}\t${cents(a)}\t0\tauthorised\n`);
            creditAllocRows.push(`${firmId}\t${o.id}\t${id}\tcn-${n}-0\t${ext}\t${cents(a)}\t${date}\n`);
          } else {
            const id = randomUUID();
            paymentRows.push(`${id}\t${firmId}\t${o.id}\tpay-${n}-${i}\t${date}\t${currency}\t${cents(a)}\tauthorised\n`);
            allocationRows.push(`${firmId}\t${o.id}\t${id}\t${ext}\t${cents(a)}\t${date}\n`);
          }
          allocationCount += 1;
        });
        if (invoiceRows.length >= 100_000) await flush();
      }
    }
    await flush();
  } finally {
    client.release();
  }
  return { orgIds: orgs.map((o) => o.id), invoices: invoiceCount, allocations: allocationCount };
}

export function stats(ms: number[]): { median: number; p95: number; n: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { n: s.length, median: s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2, p95: at(0.95) };
}

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export const TRIGGERS: [string, string][] = [
  ['invoices', 'invoices_settlement'],
  ['payment_allocations', 'payment_allocations_settlement_insert'],
  ['credit_note_allocations', 'credit_note_allocations_settlement_insert'],
];

export const analyticsBench: Bench = {
  name: 'analytics',
  summary: 'Portfolio and organisation dashboard on PostgreSQL (500 organisations × 2,000 invoices), against a plain aggregate scan',
  async run({ scale }) {
    const orgCount = Math.max(2, Math.round(500 * scale));
    await dropLeftBehind(adminUrl(), 'arcus_bench_analytics');
    await admin(`CREATE DATABASE ${DB_NAME}`);
    const database = openPostgres(benchUrl(), { max: 4, unscoped: 'system' });
    try {
      await database.migrate();
      const pool = database.pool!;
      const [{ id: firmId }] = (await pool.query<{ id: string }>(`INSERT INTO firms (name, reporting_currency) VALUES ('Bench firm', 'USD') RETURNING id`)).rows as [{ id: string }];
      await pool.query(`INSERT INTO exchange_rates (firm_id, currency, reporting_currency, rate_to_reporting, as_of) VALUES ($1, 'GBP', 'USD', '1.27', '2020-01-01'), ($1, 'EUR', 'USD', '1.085', '2020-01-01')`, [firmId]);
      // Triggers off for the bulk load (the generator writes the settlement summary itself);
      // a sample is recomputed by the triggers below and must come out the same.
      for (const [t, trg] of TRIGGERS) await pool.query(`ALTER TABLE ${t} DISABLE TRIGGER ${trg}`);
      const t0 = Date.now();
      const gen = await generate(pool, firmId, orgCount);
      for (const [t, trg] of TRIGGERS) await pool.query(`ALTER TABLE ${t} ENABLE TRIGGER ${trg}`);
      const sample = `SELECT id, settled_on, settlement_days::text d, base_total, base_settled_cum::text c FROM invoices WHERE id IN (SELECT id FROM invoices ORDER BY id LIMIT 500) ORDER BY id`;
      const before = (await pool.query(sample)).rows;
      await pool.query(`UPDATE invoices SET settled_on = settled_on WHERE id IN (SELECT id FROM invoices ORDER BY id LIMIT 500)`);
      const after = (await pool.query(sample)).rows;
      if (JSON.stringify(before) !== JSON.stringify(after)) throw new Error('bench data: the generated settlement summary differs from the trigger’s');
      await pool.query('VACUUM ANALYZE');
      const loadSeconds = (Date.now() - t0) / 1000;
      console.log(`  loaded ${gen.invoices.toLocaleString('en')} invoices, ${gen.allocations.toLocaleString('en')} allocations in ${orgCount} organisations (${loadSeconds.toFixed(0)} s)`);

      const plain = async () => pool.query('SELECT organisation_id, sum(amount_due) FROM invoices WHERE firm_id = $1 GROUP BY 1', [firmId]);
      await plain();
      const plainMs: number[] = [];
      for (let i = 0; i < 5; i++) plainMs.push(await time(plain));
      const period = { from: addDays(AS_OF, -89), to: AS_OF };
      // The rollups of every organisation, built as the first read after the bulk load would.
      const buildMs = await time(() => withFirm(firmId, () => refreshPendingRollups(database.db, firmId)));
      const [{ n: rollupRows }] = (await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM portfolio_rollups')).rows as [{ n: string }];
      // A sync pays one open invoice today, its finish step brings the organisation up to date.
      const refreshMs: number[] = [];
      const open = (await pool.query<{ organisation_id: string; external_id: string; amount_due: string }>(`SELECT DISTINCT ON (organisation_id) organisation_id, external_id, amount_due FROM invoices WHERE firm_id = $1 AND settled_on IS NULL ORDER BY organisation_id, issue_date LIMIT 20`, [firmId])).rows;
      for (const [i, inv] of open.entries()) {
        const paymentId = randomUUID();
        await pool.query(`INSERT INTO payments (id, firm_id, organisation_id, external_id, date, currency, amount, status) VALUES ($1, $2, $3, $4, $5, 'USD', $6, 'authorised')`, [paymentId, firmId, inv.organisation_id, `bench-pay-${i}`, AS_OF, inv.amount_due]);
        await pool.query(`INSERT INTO payment_allocations (firm_id, organisation_id, payment_id, invoice_external_id, amount, date) VALUES ($1, $2, $3, $4, $5, $6)`, [firmId, inv.organisation_id, paymentId, inv.external_id, inv.amount_due, AS_OF]);
        refreshMs.push(await time(() => withFirm(firmId, () => database.db.execute(sql`SELECT arcus_refresh_pending_rollup(${firmId}, ${inv.organisation_id})`))));
      }
      // The app's queries run as the firm (row-level security); the plain-scan baseline as the system.
      const portfolioFrom = (source: PortfolioSource) => () => withFirm(firmId, () => getPortfolio(database.db, { firmId, period, reportingCurrency: 'USD', thresholds: DEFAULT_HELP_THRESHOLDS, source }));
      const fromRollups = portfolioFrom('rollups');
      const fromInvoices = portfolioFrom('invoices');
      const [a, b] = await Promise.all([fromRollups(), fromInvoices()]);
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('bench data: the portfolio from rollups differs from the one-pass SQL');
      const portfolioMs: number[] = [];
      const rollupMs: number[] = [];
      const figuresMs: number[] = [];
      const compare = comparePeriod(period);
      for (let i = 0; i < 20; i++) {
        rollupMs.push(await time(fromRollups));
        portfolioMs.push(await time(fromInvoices));
        figuresMs.push(await time(() => withFirm(firmId, () => queryPortfolioRollups(database.db, { firmId, period, compare }))));
      }
      const rand = mulberry32(7);
      const dashboardMs: number[] = [];
      for (let i = 0; i < 51; i++) {
        const org = (await withFirm(firmId, () => getOrganisation(database.db, firmId, gen.orgIds[Math.floor(rand() * gen.orgIds.length)]!)))!;
        const ms = await time(() => withFirm(firmId, () => getDashboard(database.db, { firmId, organisation: org, period, thresholds: DEFAULT_HELP_THRESHOLDS })));
        if (i > 0) dashboardMs.push(ms); // the first call warms up
      }
      const p = stats(plainMs);
      const pf = stats(portfolioMs);
      const pr = stats(rollupMs);
      const rf = stats(refreshMs);
      const fq = stats(figuresMs);
      const db = stats(dashboardMs);
      const base = { label: 'plain aggregate scan, median', value: p.median };
      const n = gen.invoices.toLocaleString('en');
      const figures: BenchFigure[] = [
        { bench: 'analytics', figure: `plain scan: SELECT organisation_id, sum(amount_due) … GROUP BY 1, ${n} invoices, median of 5`, value: p.median, unit: 'ms' },
        { bench: 'analytics', figure: `rollups: build for ${orgCount} organisations (${Number(rollupRows).toLocaleString('en')} rows), once`, value: buildMs, unit: 'ms' },
        { bench: 'analytics', figure: `rollups: one organisation brought up to date after a payment today, median of ${rf.n}`, value: rf.median, unit: 'ms' },
        { bench: 'analytics', figure: `rollups: the same, p95 of ${rf.n}`, value: rf.p95, unit: 'ms' },
        { bench: 'analytics', figure: `portfolio from rollups (${orgCount} organisations, ${n} invoices), median of 20`, value: pr.median, unit: 'ms', baseline: base, ratio: pr.median / p.median },
        { bench: 'analytics', figure: `portfolio from rollups, p95 of 20`, value: pr.p95, unit: 'ms', baseline: base, ratio: pr.p95 / p.median, target: 'p95 under 100 ms at 1M invoices, 300 ms at 10M' },
        { bench: 'analytics', figure: `of which the rollup figures query (queryPortfolioRollups), median of 20`, value: fq.median, unit: 'ms' },
        { bench: 'analytics', figure: `the rollup figures query, p95 of 20`, value: fq.p95, unit: 'ms' },
        { bench: 'analytics', figure: `portfolio, one pass over the invoices (before rollups), median of 20`, value: pf.median, unit: 'ms', baseline: base, ratio: pf.median / p.median },
        { bench: 'analytics', figure: `portfolio, one pass over the invoices, p95 of 20`, value: pf.p95, unit: 'ms', baseline: base, ratio: pf.p95 / p.median },
        { bench: 'analytics', figure: `organisation dashboard (~${INVOICES_PER_ORG.toLocaleString('en')} invoices, 24-month series), median of 50`, value: db.median, unit: 'ms', baseline: base, ratio: db.median / p.median },
        { bench: 'analytics', figure: `organisation dashboard, p95 of 50`, value: db.p95, unit: 'ms', baseline: base, ratio: db.p95 / p.median, target: 'p95 under 200 ms' },
      ];
      return figures;
    } finally {
      await database.close();
      // ARCUS_BENCH_KEEP=1 keeps the database for EXPLAIN ANALYZE.
      if (process.env.ARCUS_BENCH_KEEP !== '1') await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    }
  },
};
