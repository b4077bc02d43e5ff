/**
 * Pricing the service (server/fees/README.md), under /api:
 *
 *   GET  /fees?month=YYYY-MM                          fees.manage      the firm's statements for a month, the practice ledger
 *   POST /fees/compute { month }                      fees.manage      work out every client's fee for the month (idempotent)
 *   PUT  /fees/practice-ledger { organisationId }     settings.manage  which organisation is the firm's own ledger
 *   GET  /organisations/:id/fees?month=YYYY-MM        fees.manage      the client's plan, its customer in the practice ledger, the month's statement
 *   PUT  /organisations/:id/fees/plan { plan, ledgerContactId }   fees.manage
 *   POST /organisations/:id/fees/compute { month }    fees.manage
 *   POST /organisations/:id/fees/approve { month }    fees.manage      approve; the invoice goes to the practice ledger once
 *
 * The month defaults to last month in the organisation's (or, firm-wide, UTC's) calendar.
 */
import { and, asc, eq, ne } from 'drizzle-orm';
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { longDate, todayIn } from '../../kernel/dates';
import { invalidField, notFound, unprocessable } from '../../kernel/errors';
import { getOrganisation } from '../analytics/organisations';
import { allow, allowOrganisation } from '../auth/permissions';
import type { Db } from '../db/client';
import { organisations } from '../db/schema';
import { feeOrganisation, getFeePlan, getPracticeLedger, matchByName, PracticeLedgerSchema, planWords, practiceCustomers, SetPlanSchema, setFeePlan, setPracticeLedger } from '../fees/plans';
import { approveStatement, computeStatements, listStatements, monthWords } from '../fees/statements';
import { parseInput } from '../http/validate';
import { getClientService } from '../reports/service';
import { isReportMonth, previousMonth } from '../reports/schedule';
import type { QueuePort } from '../queue';
import { writebackEnqueuer } from '../writebacks/enqueue';

const Id = z.object({ id: z.uuid({ message: 'This organisation does not exist. Reload the page and try again.' }) });
const Month = z.string({ message: 'Choose a month.' }).refine(isReportMonth, { message: 'Choose a month.' });
const MonthQuery = z.object({ month: Month.optional() }).strict();
const MonthBody = z.object({ month: Month }).strict();
const LABELS = { month: 'month', plan: 'fee plan', ledgerContactId: 'customer in the practice ledger', organisationId: 'practice ledger' };

export function feeRoutes(deps: { db: Db; clock: Clock; queue: QueuePort }): Router {
  const r = Router();
  const enqueueExecute = writebackEnqueuer(deps.queue);

  function monthOf(req: Request, timezone: string): string {
    const { month } = parseInput(MonthQuery, req.query, LABELS);
    const today = todayIn(timezone, deps.clock.now());
    const m = month ?? previousMonth(today);
    if (`${m}-01` > today) throw invalidField('month', `Choose a month that has started: today is ${longDate(today)}.`);
    return m;
  }

  async function orgFor(req: Request) {
    const auth = allow(req, 'fees.manage');
    const { id } = parseInput(Id, req.params);
    allowOrganisation(auth, id);
    const org = await feeOrganisation(deps.db, auth.firmId, id);
    if (!org) throw notFound('No such organisation.');
    return { auth, org };
  }

  async function firmView(firmId: string, month: string) {
    const practice = await getPracticeLedger(deps.db, firmId);
    const choices = await deps.db
      .select({ id: organisations.id, name: organisations.name })
      .from(organisations)
      .where(and(eq(organisations.firmId, firmId), ne(organisations.status, 'disconnected')))
      .orderBy(asc(organisations.name));
    return {
      month,
      monthName: monthWords(month),
      practiceLedger: practice ? { organisationId: practice.organisationId, name: practice.name } : null,
      organisations: choices,
      statements: await listStatements(deps.db, { firmId, month }),
    };
  }

  r.get('/fees', async (req, res) => {
    const auth = allow(req, 'fees.manage');
    res.json(await firmView(auth.firmId, monthOf(req, 'UTC')));
  });

  r.post('/fees/compute', async (req, res) => {
    const auth = allow(req, 'fees.manage');
    const { month } = parseInput(MonthBody, req.body, LABELS);
    const { problems } = await computeStatements(deps.db, { firmId: auth.firmId, month, now: deps.clock.now() });
    res.json({ problems, ...(await firmView(auth.firmId, month)) });
  });

  r.put('/fees/practice-ledger', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const { organisationId } = parseInput(PracticeLedgerSchema, req.body, LABELS);
    await setPracticeLedger(deps.db, { firmId: auth.firmId, organisationId, userId: auth.userId, now: deps.clock.now() });
    const practice = await getPracticeLedger(deps.db, auth.firmId);
    res.json({ practiceLedger: practice ? { organisationId: practice.organisationId, name: practice.name } : null });
  });

  async function orgView(firmId: string, organisationId: string, month: string) {
    const org = await getOrganisation(deps.db, firmId, organisationId);
    if (!org) throw notFound('No such organisation.');
    const [stored, practice, service, statements] = await Promise.all([
      getFeePlan(deps.db, firmId, organisationId),
      getPracticeLedger(deps.db, firmId),
      getClientService(deps.db, firmId, organisationId),
      listStatements(deps.db, { firmId, month, organisationId }),
    ]);
    const customers = practice ? await practiceCustomers(deps.db, firmId, practice.organisationId) : [];
    const suggested = stored?.ledgerContactExternalId ? null : matchByName(org.name, customers);
    const customerNote = !practice
      ? 'Choose the practice ledger in Fees: the firm’s own Xero or QuickBooks organisation, where fee invoices are written.'
      : stored?.ledgerContactExternalId
        ? `Invoices go to ${stored.ledgerContactName ?? 'the chosen customer'} in ${practice.name}.`
        : suggested
          ? `${suggested.name} in ${practice.name} has the same name; choose it, or another customer.`
          : `No customer in ${practice.name} has the name ${org.name}. Add the client as a customer there, sync it, and choose it here.`;
    return {
      organisationName: org.name,
      currency: org.baseCurrency,
      month,
      monthName: monthWords(month),
      plan: stored?.plan ?? null,
      planWords: stored ? planWords(stored.plan) : [],
      ledgerContactId: stored?.ledgerContactExternalId ?? suggested?.id ?? null,
      practiceLedgerName: practice?.name ?? null,
      customers,
      customerNote,
      service: service ? { startDate: service.startDate, startText: longDate(service.startDate) } : null,
      statement: statements[0] ?? null,
    };
  }

  r.get('/organisations/:id/fees', async (req, res) => {
    const { auth, org } = await orgFor(req);
    res.json(await orgView(auth.firmId, org.id, monthOf(req, org.timezone)));
  });

  r.put('/organisations/:id/fees/plan', async (req, res) => {
    const { auth, org } = await orgFor(req);
    const input = parseInput(SetPlanSchema, req.body, LABELS);
    await setFeePlan(deps.db, { firmId: auth.firmId, organisationId: org.id, userId: auth.userId, input, now: deps.clock.now() });
    res.json(await orgView(auth.firmId, org.id, previousMonth(todayIn(org.timezone, deps.clock.now()))));
  });

  r.post('/organisations/:id/fees/compute', async (req, res) => {
    const { auth, org } = await orgFor(req);
    const { month } = parseInput(MonthBody, req.body, LABELS);
    if (!(await getFeePlan(deps.db, auth.firmId, org.id))) throw invalidField('plan', `Save a fee plan for ${org.name} first.`);
    const today = todayIn(org.timezone, deps.clock.now());
    if (`${month}-01` > today) throw invalidField('month', `Choose a month that has started: today is ${longDate(today)}.`);
    const { problems } = await computeStatements(deps.db, { firmId: auth.firmId, month, now: deps.clock.now(), organisationId: org.id });
    if (problems.length) throw unprocessable(problems.join(' '), 'fee_currency_changed');
    res.json(await orgView(auth.firmId, org.id, month));
  });

  r.post('/organisations/:id/fees/approve', async (req, res) => {
    const { auth, org } = await orgFor(req);
    const { month } = parseInput(MonthBody, req.body, LABELS);
    await approveStatement({ db: deps.db, enqueueExecute }, { firmId: auth.firmId, organisationId: org.id, month, userId: auth.userId, now: deps.clock.now() });
    res.json(await orgView(auth.firmId, org.id, month));
  });

  return r;
}
