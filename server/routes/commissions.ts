/**
 * Sales commissions (under /api; docs/decisions/036-sales-commissions.md, server/commissions/README.md):
 *
 *   GET  /organisations/:id/commissions?month=YYYY-MM          firm.read            settings, categories, salespeople and plans, the month's statements
 *   PUT  /organisations/:id/commissions/settings               commissions.manage   { source, trackingCategory?, adpCompanyCode?, adpBatchId?, adpEarningsCode? }
 *   POST /organisations/:id/commissions/people                 commissions.manage   { name, email, ledgerName?, payrollId?, canSignIn?, plan }
 *   PUT  /commissions/people/:id                               commissions.manage   the same, for an existing salesperson
 *   POST /organisations/:id/commissions/assignments            commissions.manage   { salespersonId, contactExternalId | invoiceExternalId }
 *   POST /organisations/:id/commissions/compute { month }      commissions.manage   (re)computes the month's draft statements
 *   GET  /commission-statements/:id                            firm.read            one statement with its lines
 *   GET  /organisations/:id/commissions/export?month&format    commissions.manage   CSV: generic | gusto | adp
 *   GET  /client/commissions                                   commissions.approve  the client contact's organisations' statements
 *   POST /client/commissions/:id/approve                       commissions.approve  draft → approved
 *   GET  /my/commissions                                       commissions.own      the salesperson's own statements, nothing else
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { todayIn } from '../../kernel/dates';
import { notFound } from '../../kernel/errors';
import { allow, allowOrganisation } from '../auth/permissions';
import { AssignmentInputSchema, assignSalesperson, getSettings, listSalespeople, orgOf, organisationOfSalesperson, SalespersonInputSchema, saveSalesperson, saveSettings, SettingsInputSchema, trackingCategoriesOf } from '../commissions/config';
import { addMonths } from '../commissions/core';
import { EXPORT_FORMATS, exportFileName, exportStatements } from '../commissions/export';
import { approveStatement, computeMonth, isMonth, monthWords, statementView, statementViews } from '../commissions/statements';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';

const LABELS = {
  month: 'month',
  format: 'format',
  source: 'where the salesperson comes from',
  trackingCategory: 'tracking category',
  name: 'name',
  email: 'email address',
  ledgerName: 'name in the ledger',
  payrollId: 'payroll id',
  plan: 'plan',
  baseRate: 'rate',
  salespersonId: 'salesperson',
};
const Month = z.string().refine(isMonth, { message: 'Choose a month.' });
const MonthQuery = z.object({ month: Month.optional() }).strict();
const ExportQuery = z.object({ month: Month, format: z.enum(EXPORT_FORMATS, { message: 'Choose generic, Gusto or ADP.' }) }).strict();

function idParam(req: Request, message: string): string {
  const v = z.uuid().safeParse(String(req.params['id'] ?? ''));
  if (!v.success) throw notFound(message);
  return v.data;
}

export function commissionRoutes(deps: { db: Db; clock: Clock }): Router {
  const { db } = deps;
  const r = Router();

  r.get('/organisations/:id/commissions', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const id = idParam(req, 'No such organisation.');
    allowOrganisation(auth, id);
    const org = await orgOf(db, auth.firmId, id);
    const { month: asked } = parseInput(MonthQuery, req.query, LABELS);
    const month = asked ?? addMonths(todayIn(org.timezone, deps.clock.now()).slice(0, 7), -1);
    const [settings, categories, people, statements] = await Promise.all([getSettings(db, auth.firmId, id), trackingCategoriesOf(db, auth.firmId, id), listSalespeople(db, auth.firmId, org), statementViews(db, auth.firmId, { organisationIds: [id], month })]);
    res.json({ organisation: { id: org.id, name: org.name, currency: org.baseCurrency }, month, monthText: monthWords(month), settings, categories, people, statements });
  });

  r.put('/organisations/:id/commissions/settings', async (req, res) => {
    const auth = allow(req, 'commissions.manage');
    const id = idParam(req, 'No such organisation.');
    const input = parseInput(SettingsInputSchema, req.body ?? {}, LABELS);
    res.json({ settings: await saveSettings(db, auth.firmId, id, input) });
  });

  r.post('/organisations/:id/commissions/people', async (req, res) => {
    const auth = allow(req, 'commissions.manage');
    const id = idParam(req, 'No such organisation.');
    const input = parseInput(SalespersonInputSchema, req.body ?? {}, LABELS);
    res.status(201).json({ person: await saveSalesperson(db, auth.firmId, id, null, input) });
  });

  r.put('/commissions/people/:id', async (req, res) => {
    const auth = allow(req, 'commissions.manage');
    const id = idParam(req, 'No such salesperson.');
    const organisationId = await organisationOfSalesperson(db, auth.firmId, id);
    const input = parseInput(SalespersonInputSchema, req.body ?? {}, LABELS);
    res.json({ person: await saveSalesperson(db, auth.firmId, organisationId, id, input) });
  });

  r.post('/organisations/:id/commissions/assignments', async (req, res) => {
    const auth = allow(req, 'commissions.manage');
    const id = idParam(req, 'No such organisation.');
    await orgOf(db, auth.firmId, id);
    const input = parseInput(AssignmentInputSchema, req.body ?? {}, LABELS);
    await assignSalesperson(db, auth.firmId, id, input);
    res.json({ ok: true });
  });

  r.post('/organisations/:id/commissions/compute', async (req, res) => {
    const auth = allow(req, 'commissions.manage');
    const id = idParam(req, 'No such organisation.');
    const { month } = parseInput(z.object({ month: Month }).strict(), req.body ?? {}, LABELS);
    await computeMonth(db, { firmId: auth.firmId, organisationId: id, month, now: deps.clock.now() });
    res.json({ month, monthText: monthWords(month), statements: await statementViews(db, auth.firmId, { organisationIds: [id], month }) });
  });

  r.get('/commission-statements/:id', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ statement: await statementView(db, auth.firmId, idParam(req, 'No such statement.')) });
  });

  r.get('/organisations/:id/commissions/export', async (req, res) => {
    const auth = allow(req, 'commissions.manage');
    const id = idParam(req, 'No such organisation.');
    await orgOf(db, auth.firmId, id);
    const { month, format } = parseInput(ExportQuery, req.query, LABELS);
    const { csv } = await exportStatements(db, { firmId: auth.firmId, organisationIds: [id], month, format, now: deps.clock.now() });
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${exportFileName(format, month)}"`);
    res.send(csv);
  });

  r.get('/client/commissions', async (req, res) => {
    const auth = allow(req, 'commissions.approve');
    res.json({ statements: await statementViews(db, auth.firmId, { organisationIds: auth.organisationIds ?? [] }) });
  });

  r.post('/client/commissions/:id/approve', async (req, res) => {
    const auth = allow(req, 'commissions.approve');
    res.json({ statement: await approveStatement(db, auth, idParam(req, 'No such statement.'), deps.clock.now()) });
  });

  r.get('/my/commissions', async (req, res) => {
    const auth = allow(req, 'commissions.own');
    const statements = (await statementViews(db, auth.firmId, { userId: auth.userId })).map((s) => ({ ...s, canApprove: false }));
    res.json({ name: auth.userName, statements });
  });

  return r;
}
