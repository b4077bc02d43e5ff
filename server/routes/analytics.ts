/**
 * Receivables analytics API (all under /api, scoped by the caller's firm; reads need any role,
 * writes to settings, targets and exchange rates need admin). Every table also answers as CSV
 * with `?format=csv`. See server/analytics/README.md for the definitions and decisions.
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound, unprocessable } from '../../kernel/errors';
import { type CsvColumn, sendCsv, streamCsv } from '../analytics/csv';
import { CUSTOMERS_CSV, DATA_QUALITY_CSV, INVOICES_CSV, PORTFOLIO_CSV, RATES_CSV, SEGMENTS_CSV, TARGETS_CSV } from '../analytics/csv-columns';
import { getCustomerDetail } from '../analytics/customer-detail';
import { CustomerListQuerySchema, type ListedCustomer, listCustomers, loadCustomerRisk, pageListed } from '../analytics/customer-list';
import { pageCustomers, servedBySql } from '../analytics/customer-list-sql';
import { summariseCustomers } from '../analytics/customers';
import { customerJson, getDashboard } from '../analytics/dashboard';
import { getDataQuality } from '../analytics/data-quality-load';
import { deleteExchangeRate, ExchangeRateInputSchema, listExchangeRates, seedDemoExchangeRates, upsertExchangeRate } from '../analytics/exchange-rates';
import { currencyChoices, FirmSettingsPatchSchema, getAnalyticsSettings, updateAnalyticsSettings } from '../analytics/firm-settings';
import { InvoiceListQuerySchema, invoiceJson } from '../analytics/invoice-list';
import { invoiceTotals, pageInvoices, streamInvoices } from '../analytics/invoice-list-sql';
import { loadLedgerInvoices, toBaseMetricInvoices } from '../analytics/ledger-invoices';
import { type LedgerEndpointsOf, ledgerSite } from '../analytics/ledger-links';
import { getContact, getOrganisation, listContacts, listOrganisations, type OrganisationInfo } from '../analytics/organisations';
import { PeriodQuerySchema, resolvePeriod } from '../analytics/period';
import { getPortfolio } from '../analytics/portfolio';
import { groupByCustomerKey, loadLineWeights, loadRiskSegments, NOT_SCORED, segmentRows, splitByCategory, trackingCategories } from '../analytics/segments';
import { METRIC_LABELS, metricValue, TargetInputSchema, TargetPatchSchema } from '../analytics/targets';
import { createTarget, deleteTarget, getTarget, listTargets, targetWithProgress, updateTarget } from '../analytics/targets-store';
import { allow, allowOrganisation, seesOrganisation } from '../auth/permissions';
import type { Db } from '../db/client';
import { type Aging, amountNumber } from '../domain/metrics';
import { parseInput } from '../http/validate';

const IdSchema = z.uuid({ message: 'This item does not exist. Reload the page and try again.' });
const FormatSchema = z.object({ format: z.enum(['json', 'csv']).default('json') });

function idParam(req: Request, name = 'id'): string {
  return parseInput(z.object({ [name]: IdSchema }), req.params)[name] as string;
}

function query<S extends z.ZodObject>(req: Request, schema: S): z.infer<S> & { format: 'json' | 'csv' } {
  return parseInput(schema.extend(FormatSchema.shape), req.query) as z.infer<S> & { format: 'json' | 'csv' };
}

async function organisationFor(db: Db, req: Request): Promise<{ firmId: string; org: OrganisationInfo }> {
  const auth = allow(req, 'organisation.read');
  const id = idParam(req);
  allowOrganisation(auth, id);
  const org = await getOrganisation(db, auth.firmId, id);
  if (!org) throw notFound('No such organisation.');
  return { firmId: auth.firmId, org };
}

function table<T>(res: Response, format: 'json' | 'csv', name: string, columns: CsvColumn<T>[], rows: T[], json: () => unknown): void {
  if (format === 'csv') sendCsv(res, name, columns, rows);
  else res.json(json());
}

/** Query parameters besides the period (which periodOf reads and validates). */
const PeriodOnly = z.object({});

/** `ledgerEndpoints`: the process's ledger endpoints, so ledger links lead to the sandbox's pages when the ledger is the sandbox (absent: the real providers' apps). */
export function analyticsRoutes(deps: { db: Db; demo: boolean; clock: Clock; ledgerEndpoints?: LedgerEndpointsOf }): Router {
  const { db } = deps;
  const r = Router();
  const siteOf = (org: OrganisationInfo) => ledgerSite(deps.ledgerEndpoints, org);
  const periodOf = (req: Request, timeZone = 'UTC') => resolvePeriod(parseInput(PeriodQuerySchema, { from: req.query.from, to: req.query.to }), timeZone, deps.clock.now());

  r.get('/analytics/organisations', async (req, res) => {
    const auth = allow(req, 'organisation.read');
    res.json({ organisations: (await listOrganisations(db, auth.firmId)).filter((o) => seesOrganisation(auth, o.id)) });
  });

  r.get('/portfolio', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { format } = query(req, PeriodOnly);
    if (deps.demo) await seedDemoExchangeRates(db, auth.firmId);
    const settings = await getAnalyticsSettings(db, auth.firmId);
    const portfolio = await getPortfolio(db, { firmId: auth.firmId, period: periodOf(req), reportingCurrency: settings.reportingCurrency, thresholds: settings.needsHelp, today: todayIn('UTC', deps.clock.now()) });
    table(res, format, `portfolio-${portfolio.period.to}`, PORTFOLIO_CSV, portfolio.rows, () => ({
      ...portfolio,
      rows: portfolio.rows.map((row) => ({ ...row, arEnd: amountNumber(row.arEnd), overdue: amountNumber(row.overdue), creditSales: amountNumber(row.creditSales), aging: agingJson(row.aging) })),
      totals: { ...portfolio.totals, arEnd: amountNumber(portfolio.totals.arEnd), overdue: amountNumber(portfolio.totals.overdue), creditSales: amountNumber(portfolio.totals.creditSales), aging: agingJson(portfolio.totals.aging) },
      thresholds: settings.needsHelp,
    }));
  });

  r.get('/organisations/:id/dashboard', async (req, res) => {
    const { firmId, org } = await organisationFor(db, req);
    query(req, PeriodOnly);
    const settings = await getAnalyticsSettings(db, firmId);
    res.json(await getDashboard(db, { firmId, organisation: org, period: periodOf(req, org.timezone), thresholds: settings.needsHelp, site: siteOf(org), today: todayIn(org.timezone, deps.clock.now()) }));
  });

  // ?q= searches names and emails, ?sort=&dir= orders (server/analytics/customer-list.ts); each row carries its stored risk score (GET /organisations/:id/scores scores on demand).
  r.get('/organisations/:id/customers', async (req, res) => {
    const { firmId, org } = await organisationFor(db, req);
    const { format, ...list } = query(req, CustomerListQuerySchema);
    const period = periodOf(req, org.timezone);
    const answer = (total: number, rows: ListedCustomer[], nextCursor: string | null) => ({ organisation: org, currency: org.baseCurrency, period, total, customers: rows.map((c) => ({ ...customerJson(c), risk: c.risk })), nextCursor });
    // A page in an order PostgreSQL can produce: searched, ordered and paged in SQL, only the page computed by the engine (decision 050).
    if (format === 'json' && list.limit !== undefined && servedBySql(list.sort)) {
      const page = await pageCustomers(db, { firmId, organisationId: org.id, baseCurrency: org.baseCurrency, period, site: siteOf(org) }, { ...list, limit: list.limit });
      res.json(answer(page.total, page.rows, page.nextCursor));
      return;
    }
    // The engine-only orders (CEI, countback, days late or to pay, last payment) and the CSV: every customer, computed in memory.
    const [ledger, contacts, risk] = await Promise.all([loadLedgerInvoices(db, { firmId, organisationId: org.id }), listContacts(db, firmId, org.id), loadCustomerRisk(db, firmId, org.id)]);
    const all = summariseCustomers(toBaseMetricInvoices(ledger, org.baseCurrency), contacts, period, siteOf(org));
    const rows = listCustomers(all, risk, list);
    const page = list.limit === undefined ? { rows, nextCursor: null } : pageListed(rows, list.limit, list.cursor);
    table(res, format, `customers-${slug(org.name)}-${period.to}`, CUSTOMERS_CSV, rows, () => answer(all.length, page.rows, page.nextCursor));
  });

  r.get('/customers/:id', async (req, res) => {
    const auth = allow(req, 'organisation.read');
    const contact = await getContact(db, auth.firmId, idParam(req));
    if (!contact || !seesOrganisation(auth, contact.organisationId)) throw notFound('No such customer.');
    const org = await getOrganisation(db, auth.firmId, contact.organisationId);
    if (!org) throw notFound('No such customer.');
    query(req, PeriodOnly);
    res.json(await getCustomerDetail(db, { firmId: auth.firmId, organisation: org, contact, period: periodOf(req, org.timezone), site: siteOf(org) }));
  });

  r.get('/organisations/:id/invoices', async (req, res) => {
    const { firmId, org } = await organisationFor(db, req);
    const q = query(req, InvoiceListQuerySchema);
    const asOf = q.asOf ?? todayIn(org.timezone, deps.clock.now());
    // Filtered, ordered and paged by PostgreSQL (invoice-list-sql.ts, decision 045); the CSV streams from a cursor.
    const scope = { firmId, organisationId: org.id, asOf, provider: siteOf(org) };
    if (q.format === 'csv') {
      await streamCsv(res, `invoices-${slug(org.name)}-${q.status}-${asOf}`, INVOICES_CSV, (write) => streamInvoices(db, scope, q, write));
      return;
    }
    const [page, totals] = await Promise.all([pageInvoices(db, scope, q), invoiceTotals(db, scope, q)]);
    res.json({
      organisation: org,
      asOf,
      total: totals.reduce((n, t) => n + t.invoices, 0),
      totalsByCurrency: totals.map((t) => ({ ...t, total: amountNumber(t.total), balance: amountNumber(t.balance) })),
      invoices: page.rows.map(invoiceJson),
      nextCursor: page.nextCursor,
    });
  });

  r.get('/organisations/:id/segments', async (req, res) => {
    const { firmId, org } = await organisationFor(db, req);
    const q = query(req, PeriodOnly.extend({ by: z.enum(['customer', 'tracking', 'risk']).default('customer'), category: z.string().min(1).max(200).optional() }));
    const period = periodOf(req, org.timezone);
    const [ledger, contacts] = await Promise.all([loadLedgerInvoices(db, { firmId, organisationId: org.id }), listContacts(db, firmId, org.id)]);
    const base = toBaseMetricInvoices(ledger, org.baseCurrency);
    let categories: string[] = [];
    let category: string | null = null;
    let groups: Map<string, typeof base>;
    if (q.by === 'tracking') {
      const lines = await loadLineWeights(db, firmId, org.id);
      categories = trackingCategories(lines);
      category = q.category ?? categories[0] ?? null;
      if (q.category && !categories.includes(q.category)) throw invalidField('category', `This organisation has no tracking category “${q.category}”.`);
      groups = category ? splitByCategory(base, lines, category) : new Map();
    } else if (q.by === 'risk') {
      const risk = await loadRiskSegments(db, firmId, org.id);
      groups = groupByCustomerKey(base, (c) => risk.get(c) ?? NOT_SCORED);
    } else {
      const names = new Map(contacts.map((c) => [c.externalId, c.name]));
      groups = groupByCustomerKey(base, (c) => names.get(c) ?? c);
    }
    const rows = segmentRows(groups, period);
    table(res, q.format, `segments-${q.by}-${slug(org.name)}-${period.to}`, SEGMENTS_CSV, rows, () => ({
      organisation: org,
      currency: org.baseCurrency,
      period,
      by: q.by,
      category,
      categories,
      segments: rows.map((s) => ({ ...s, arEnd: amountNumber(s.arEnd), overdue: amountNumber(s.overdue), creditSales: amountNumber(s.creditSales), collected: amountNumber(s.collected) })),
    }));
  });

  r.get('/organisations/:id/data-quality', async (req, res) => {
    const { firmId, org } = await organisationFor(db, req);
    const { format } = query(req, z.object({}));
    const dq = await getDataQuality(db, firmId, org, siteOf(org));
    table(res, format, `data-quality-${slug(org.name)}`, DATA_QUALITY_CSV, dq.findings, () => dq);
  });

  // Targets
  const targetsFor = async (firmId: string, org: OrganisationInfo) => {
    const today = todayIn(org.timezone, deps.clock.now());
    const [rows, ledger] = await Promise.all([listTargets(db, firmId, org.id), loadLedgerInvoices(db, { firmId, organisationId: org.id })]);
    const base = toBaseMetricInvoices(ledger, org.baseCurrency);
    return rows.map((t) => targetWithProgress(t, base, today));
  };

  r.get('/organisations/:id/targets', async (req, res) => {
    const { firmId, org } = await organisationFor(db, req);
    const { format } = query(req, z.object({}));
    const rows = await targetsFor(firmId, org);
    table(res, format, `targets-${slug(org.name)}`, TARGETS_CSV, rows, () => ({ organisationId: org.id, targets: rows }));
  });

  r.post('/organisations/:id/targets', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const { org } = await organisationFor(db, req);
    const input = parseInput(TargetInputSchema, req.body);
    const baselineDate = input.baselineDate ?? todayIn(org.timezone, deps.clock.now());
    if (input.dueDate <= baselineDate) throw invalidField('dueDate', `Choose a due date after the baseline date, ${longDate(baselineDate)}.`);
    let baselineValue = input.baselineValue ?? null;
    if (baselineValue === null) {
      const base = toBaseMetricInvoices(await loadLedgerInvoices(db, { firmId: auth.firmId, organisationId: org.id }), org.baseCurrency);
      baselineValue = metricValue(base, input.metric, baselineDate);
      if (baselineValue === null) throw unprocessable(`There is no ${METRIC_LABELS[input.metric]} for the 90 days to ${longDate(baselineDate)}: enter the baseline value yourself.`, 'no_baseline');
    }
    const row = await createTarget(db, { firmId: auth.firmId, organisationId: org.id, userId: auth.userId, input, baselineValue, baselineDate });
    const all = await targetsFor(auth.firmId, org);
    res.status(201).json(all.find((t) => t.id === row.id));
  });

  r.patch('/targets/:id', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const patch = parseInput(TargetPatchSchema, req.body);
    const row = await updateTarget(db, auth.firmId, idParam(req), patch);
    if (!row) throw notFound('No such target.');
    const org = (await getOrganisation(db, auth.firmId, row.organisationId))!;
    res.json((await targetsFor(auth.firmId, org)).find((t) => t.id === row.id));
  });

  r.delete('/targets/:id', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const id = idParam(req);
    if (!(await getTarget(db, auth.firmId, id)) || !(await deleteTarget(db, auth.firmId, id))) throw notFound('No such target.');
    res.json({ ok: true });
  });

  // Exchange rates
  r.get('/exchange-rates', async (req, res) => {
    const auth = allow(req, 'firm.read');
    if (deps.demo) await seedDemoExchangeRates(db, auth.firmId);
    const { format } = query(req, z.object({}));
    const settings = await getAnalyticsSettings(db, auth.firmId);
    const rates = await listExchangeRates(db, auth.firmId);
    table(res, format, 'exchange-rates', RATES_CSV, rates, () => ({ reportingCurrency: settings.reportingCurrency, rates }));
  });

  r.put('/exchange-rates', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json(await upsertExchangeRate(db, auth.firmId, parseInput(ExchangeRateInputSchema, req.body)));
  });

  r.delete('/exchange-rates/:id', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    if (!(await deleteExchangeRate(db, auth.firmId, idParam(req)))) throw notFound('No such exchange rate.');
    res.json({ ok: true });
  });

  // Firm settings
  r.get('/firm/settings', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const settings = await getAnalyticsSettings(db, auth.firmId);
    res.json({ ...settings, currencyChoices: await currencyChoices(db, auth.firmId, settings.reportingCurrency) });
  });

  r.patch('/firm/settings', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json(await updateAnalyticsSettings(db, auth.firmId, parseInput(FirmSettingsPatchSchema, req.body)));
  });

  return r;
}

function agingJson(aging: Aging) {
  return Object.fromEntries(Object.entries(aging).map(([k, v]) => [k, amountNumber(v)]));
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'organisation';
}
