/**
 * Scoring API (under /api, scoped by the caller's firm): the worklist and "Mark contacted",
 * an organisation's stored scores (badges), cash forecasts with last quarter's forecast vs
 * actual, the in-app backtest, re-scoring on request, and collector assignments. Reads need
 * any role; writes from the worklist need collector; assignments need admin. Amounts leave as
 * decimal numbers produced from exact minor units.
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import type { QueuePort } from '../queue';
import { requestScoring } from '../scoring/request';
import { seedDemoExchangeRates } from '../analytics/exchange-rates';
import type { LedgerEndpointsOf } from '../analytics/ledger-links';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { amountNumber } from '../domain/metrics';
import type { Minor } from '../../kernel/money';
import { notFound } from '../../kernel/errors';
import { parseInput } from '../http/validate';
import { getContact } from '../analytics/organisations';
import { customerBacktest, organisationBacktest } from '../scoring/backtest';
import { portfolioChronic } from '../scoring/chronic-load';
import type { WeeklyForecast } from '../scoring/forecast';
import { findOrganisation, type LastQuarterWeek, organisationForecast, portfolioForecast } from '../scoring/forecast-load';
import { ensureScored, runScoring } from '../scoring/run';
import { listAssignments, organisationScores, setAssignments } from '../scoring/scores';
import { getWorklist, visibleOrganisations } from '../scoring/worklist';
import { recordContacted } from '../writebacks/collector-log';
import { requestDeps } from '../writebacks/enqueue';

const IdSchema = z.uuid({ message: 'This item does not exist. Reload the page and try again.' });

const WorklistQuerySchema = z.object({
  organisationId: IdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Customers to skip: the page starts after this rank. */
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const ContactedSchema = z
  .object({
    organisationId: IdSchema,
    contactExternalId: z.string().min(1).max(200),
    invoiceId: IdSchema.optional(),
    note: z.string().max(500).optional(),
  })
  .strict();

const AssignmentsSchema = z.object({ userIds: z.array(IdSchema).max(200) }).strict();

function idParam(req: Request): string {
  return parseInput(z.object({ id: IdSchema }), req.params).id;
}

async function organisationOf(db: Db, req: Request) {
  const auth = allow(req, 'firm.read');
  const org = await findOrganisation(db, auth.firmId, idParam(req));
  if (!org) throw notFound('No such organisation.');
  return { auth, org };
}

const n = (m: Minor) => amountNumber(m);

function forecastJson(f: WeeklyForecast) {
  return {
    day: f.day,
    weeks: f.weeks.map((w) => ({ weekStart: w.weekStart, weekEnd: w.weekEnd, expected: n(w.expected), low: n(w.low), high: n(w.high) })),
    expected13Weeks: n(f.weeks.reduce((s, w) => s + w.expected, 0)),
    later: n(f.later),
    neverPaid: n(f.neverPaid),
    open: n(f.open),
    invoices: f.invoices,
  };
}

function lastQuarterWeeksJson(weeks: readonly LastQuarterWeek[]) {
  return weeks.map((w) => ({ weekStart: w.weekStart, weekEnd: w.weekEnd, expected: n(w.expected), low: n(w.low), high: n(w.high), actual: n(w.actual) }));
}

/** `ledgerEndpoints`: the process's ledger endpoints, so the worklist's ledger links lead to the sandbox's pages when the ledger is the sandbox. */
export function scoringRoutes(deps: { db: Db; queue: QueuePort; demo?: boolean; clock: Clock; ledgerEndpoints?: LedgerEndpointsOf }): Router {
  const { db } = deps;
  const r = Router();

  r.get('/worklist', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(WorklistQuerySchema, req.query);
    // The demo firm's exchange rates, as the analytics portfolio seeds them.
    if (deps.demo) await seedDemoExchangeRates(db, auth.firmId);
    res.json(await getWorklist(db, auth, { ...(q.organisationId ? { organisationId: q.organisationId } : {}), limit: q.limit, offset: q.offset, now: deps.clock.now(), ledgerEndpoints: deps.ledgerEndpoints, scoring: { queue: deps.queue } }));
  });

  r.post('/worklist/contacted', async (req, res) => {
    const auth = allow(req, 'collect');
    const input = parseInput(ContactedSchema, req.body);
    // The contact and its ledger note (server/writebacks/collector-log.ts).
    res.status(201).json(await recordContacted(requestDeps({ db, queue: deps.queue, now: () => deps.clock.now() }), auth, input));
  });

  r.get('/organisations/:id/scores', async (req, res) => {
    const { auth, org } = await organisationOf(db, req);
    const pending = await ensureScored(db, auth.firmId, [org.id], deps.clock.now(), { queue: deps.queue });
    res.json({ organisation: { id: org.id, name: org.name }, ...(await organisationScores(db, auth.firmId, org.id)), scoringPending: pending.length > 0 ? [{ organisationName: org.name }] : [] });
  });

  r.post('/organisations/:id/score', async (req, res) => {
    const auth = allow(req, 'collect');
    const org = await findOrganisation(db, auth.firmId, idParam(req));
    if (!org) throw notFound('No such organisation.');
    const wait = parseInput(z.object({ wait: z.boolean().default(false) }).strict(), req.body ?? {}).wait;
    if (wait) res.json(await runScoring(db, { organisationId: org.id, firmId: auth.firmId, now: deps.clock.now() }));
    else res.status(202).json({ jobId: await requestScoring(deps.queue, org.id) });
  });

  r.get('/organisations/:id/forecast', async (req, res) => {
    const { org } = await organisationOf(db, req);
    const f = await organisationForecast(db, org, deps.clock.now(), { queue: deps.queue });
    res.json({
      organisation: f.organisation,
      currency: f.currency,
      forecast: forecastJson(f.forecast),
      lastQuarter: { ...f.lastQuarter, weeks: lastQuarterWeeksJson(f.lastQuarter.weeks), open: n(f.lastQuarter.open), expected: n(f.lastQuarter.expected), actual: n(f.lastQuarter.actual), neverPaid: n(f.lastQuarter.neverPaid ?? 0) },
      scoringPending: f.scoringPending,
    });
  });

  r.get('/portfolio/forecast', async (req, res) => {
    const auth = allow(req, 'firm.read');
    if (deps.demo) await seedDemoExchangeRates(db, auth.firmId);
    const f = await portfolioForecast(db, auth.firmId, deps.clock.now(), { queue: deps.queue });
    res.json({
      currency: f.currency,
      forecast: forecastJson(f.forecast),
      organisations: f.organisations.map((o) => ({ ...o, expected13Weeks: n(o.expected13Weeks), open: n(o.open) })),
      excluded: f.excluded,
      lastQuarter: { ...f.lastQuarter, weeks: lastQuarterWeeksJson(f.lastQuarter.weeks), expected: n(f.lastQuarter.expected), actual: n(f.lastQuarter.actual) },
      scoringPending: f.scoringPending,
    });
  });

  r.get('/portfolio/chronic-late', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json(await portfolioChronic(db, auth.firmId, deps.clock.now()));
  });

  r.get('/organisations/:id/backtest', async (req, res) => {
    const { org } = await organisationOf(db, req);
    res.json({ organisation: { id: org.id, name: org.name }, backtest: await organisationBacktest(db, org, deps.clock.now()) });
  });

  // One customer's recent predictions from the organisation's backtest (as of each issue date) next to what happened.
  r.get('/customers/:id/backtest', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const contact = await getContact(db, auth.firmId, idParam(req));
    const org = contact ? await findOrganisation(db, auth.firmId, contact.organisationId) : null;
    if (!contact || !org) throw notFound('No such customer.');
    res.json({ customer: { id: contact.id, name: contact.name }, ...(await customerBacktest(db, org, contact.externalId, deps.clock.now())) });
  });

  r.get('/organisation-assignments', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ ...(await listAssignments(db, auth.firmId)), organisations: (await visibleOrganisations(db, { ...auth, role: 'admin' })).map((o) => ({ id: o.id, name: o.name })) });
  });

  r.put('/organisations/:id/assignments', async (req, res) => {
    const auth = allow(req, 'organisations.manage');
    const org = await findOrganisation(db, auth.firmId, idParam(req));
    if (!org) throw notFound('No such organisation.');
    const { userIds } = parseInput(AssignmentsSchema, req.body);
    res.json({ organisationId: org.id, userIds: await setAssignments(db, auth.firmId, org.id, userIds) });
  });

  return r;
}
