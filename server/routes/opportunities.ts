/**
 * Opportunities and benchmarks (server/opportunities/README.md), under /api, every query scoped by
 * the caller's firm:
 *
 *   GET  /opportunities?from=&to=            firm.read              every client ranked by the cash a benchmark DSO would release
 *   GET  /opportunities/benchmarks?from=&to= firm.read              quartiles per measure, each client's quarter, the firm's gains by month
 *   PUT  /opportunities/settings             settings.manage        limits, size bands and proposal tiers
 *   GET  /organisations/:id/pitch/pdf        firm.read              the one-page pitch
 *   POST /organisations/:id/pitch            opportunities.manage   { status: pitched | won | declined, note?, startDate? } — won starts the service
 *
 * The period defaults to the 90 days ending today (UTC), as the portfolio's.
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { todayIn } from '../../kernel/dates';
import { notFound } from '../../kernel/errors';
import { PeriodQuerySchema, resolvePeriod } from '../analytics/period';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import { getBenchmarks } from '../opportunities/benchmarks';
import { getOpportunities, PitchInputSchema, setPitchStatus } from '../opportunities/opportunities';
import { renderPitchPdf } from '../opportunities/pitch-pdf';
import { getOpportunitySettings, OpportunitySettingsSchema, saveOpportunitySettings } from '../opportunities/settings';

const Id = z.object({ id: z.uuid({ message: 'This organisation does not exist. Reload the page and try again.' }) });
const LABELS = { status: 'status', note: 'note', startDate: 'start date', from: 'start date', to: 'end date', dsoAbove: 'DSO limit', overduePctAbove: 'overdue share limit', sizeBands: 'size bands', tiers: 'tiers' };

export function opportunityRoutes(deps: { db: Db; clock: Clock }): Router {
  const r = Router();
  const periodOf = (req: Request) => resolvePeriod(parseInput(PeriodQuerySchema, { from: req.query.from, to: req.query.to }, LABELS), 'UTC', deps.clock.now());
  const today = () => todayIn('UTC', deps.clock.now());

  r.get('/opportunities', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json(await getOpportunities(deps.db, { firmId: auth.firmId, period: periodOf(req), today: today() }));
  });

  r.get('/opportunities/benchmarks', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json(await getBenchmarks(deps.db, { firmId: auth.firmId, period: periodOf(req), today: today() }));
  });

  r.put('/opportunities/settings', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const input = parseInput(OpportunitySettingsSchema, req.body, LABELS);
    await saveOpportunitySettings(deps.db, auth.firmId, input);
    res.json(await getOpportunitySettings(deps.db, auth.firmId));
  });

  r.get('/organisations/:id/pitch/pdf', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { id } = parseInput(Id, req.params);
    const view = await getOpportunities(deps.db, { firmId: auth.firmId, period: periodOf(req), today: today() });
    const row = view.rows.find((o) => o.organisationId === id);
    if (!row) throw notFound('No such organisation.');
    const pdf = await renderPitchPdf(view, row);
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `attachment; filename="${row.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'client'}-proposal.pdf"`);
    res.send(pdf);
  });

  r.post('/organisations/:id/pitch', async (req, res) => {
    const auth = allow(req, 'opportunities.manage');
    const { id } = parseInput(Id, req.params);
    const input = parseInput(PitchInputSchema, req.body, LABELS);
    res.json(await setPitchStatus(deps.db, { firmId: auth.firmId, organisationId: id, userId: auth.userId, input, now: deps.clock.now() }));
  });

  return r;
}
