/**
 * The monthly client report and the service it measures (server/reports/README.md), under /api:
 *
 *   GET /organisations/:id/report?month=YYYY-MM       organisation.read   the report (default: last month in the organisation's time zone)
 *   GET /organisations/:id/report/pdf?month=YYYY-MM   organisation.read   the same report as a PDF
 *   PUT /organisations/:id/service                     settings.manage     { startDate, attributionDays? } → freezes the baseline
 *
 * A client contact reads only their own organisations' reports (404 for another, as for one that
 * does not exist).
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound } from '../../kernel/errors';
import { getOrganisation, type OrganisationInfo } from '../analytics/organisations';
import { allow, allowOrganisation } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import { renderReportPdf } from '../reports/pdf';
import { buildClientReport } from '../reports/report';
import { isReportMonth, previousMonth } from '../reports/schedule';
import { ServiceInputSchema, startClientService } from '../reports/service';

const Id = z.object({ id: z.uuid({ message: 'This organisation does not exist. Reload the page and try again.' }) });
const MonthQuery = z.object({ month: z.string().refine(isReportMonth, { message: 'Choose a month.' }).optional() }).strict();
const LABELS = { month: 'month', startDate: 'start date', attributionDays: 'days before a payment that an action counts' };

export function reportRoutes(deps: { db: Db; clock: Clock }): Router {
  const r = Router();

  async function reportFor(req: Request) {
    const auth = allow(req, 'organisation.read');
    const { id } = parseInput(Id, req.params);
    allowOrganisation(auth, id);
    const org = await getOrganisation(deps.db, auth.firmId, id);
    if (!org) throw notFound('No such organisation.');
    const { month: asked } = parseInput(MonthQuery, req.query, LABELS);
    const now = deps.clock.now();
    const today = todayIn(org.timezone, now);
    const month = asked ?? previousMonth(today);
    if (`${month}-01` > today) throw invalidField('month', `Choose a month that has started: today is ${longDate(today)}.`);
    const report = await buildClientReport(deps.db, { firmId: auth.firmId, organisationId: org.id, month, now });
    if (!report) throw notFound('No such organisation.');
    return { org, month, report };
  }

  r.get('/organisations/:id/report', async (req, res) => {
    const { month, report } = await reportFor(req);
    res.json({ month, report });
  });

  r.get('/organisations/:id/report/pdf', async (req, res) => {
    const { org, month, report } = await reportFor(req);
    const pdf = await renderReportPdf(report);
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `attachment; filename="${fileName(org, month)}"`);
    res.send(pdf);
  });

  r.put('/organisations/:id/service', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const { id } = parseInput(Id, req.params);
    allowOrganisation(auth, id);
    const input = parseInput(ServiceInputSchema, req.body, LABELS);
    const service = await startClientService(deps.db, { firmId: auth.firmId, organisationId: id, userId: auth.userId, input, now: deps.clock.now() });
    res.json({ startText: longDate(service.startDate), attributionDays: service.attributionDays });
  });

  return r;
}

export function fileName(org: Pick<OrganisationInfo, 'name'>, month: string): string {
  return `${org.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'report'}-${month}.pdf`;
}
