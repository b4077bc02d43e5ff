/**
 * Customer statements and the Exceptions queue (issue #19; server/statements/, server/exceptions/), under /api:
 *
 *   GET  /customers/:id/statement?kind&from&to&currency   firm.read         the statement (page model)
 *   GET  /customers/:id/statement/pdf?…                   firm.read         the same as a PDF, with the statement pay link
 *   GET  /customers/:id/billing-ledger.csv?currency       firm.read         every movement with its running balance
 *   POST /customers/:id/statement/email { requestId, kind? }  collect       email it now (once per request id)
 *   GET  /organisations/:id/statement-schedule            firm.read         the monthly email setting
 *   PUT  /organisations/:id/statement-schedule { monthlyEmail, kind }  settings.manage
 *   GET  /exceptions?organisationId=                      firm.read         the queue (one organisation or the firm)
 *   POST /exceptions/decide { organisationId, key, action, reason, invoiceId?, amount? }  collect (action refund: amount ≤ the overpaid/duplicate amount)
 */
import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { organisations } from '../db/schema';
import { DecideSchema, decideException, listExceptions, REFUND_LEDGERS } from '../exceptions/service';
import { parseInput } from '../http/validate';
import { listReturns } from '../returns/service';
import { ensureStatementLink } from '../pay/links';
import type { QueuePort } from '../queue';
import type { Services } from '../services';
import { renderStatementPdf } from '../statements/pdf';
import { SendStatementSchema, sendStatement, setStatementSchedule, statementRecipients, statementSchedule } from '../statements/send';
import { billingLedgerCsv, buildStatement, STATEMENT_LABELS, StatementQuerySchema, statementCustomer } from '../statements/service';
import { requestDeps } from '../writebacks/enqueue';

const Id = z.object({ id: z.uuid({ message: 'This page does not exist. Reload and try again.' }) });
const Schedule = z.object({ monthlyEmail: z.boolean({ message: 'Choose whether to email statements each month.' }), kind: z.enum(['open_items', 'activity'], { message: 'Choose open items or activity.' }) }).strict();
const QueueQuery = z.object({ organisationId: z.uuid({ message: 'Choose an organisation.' }).optional() }).strict();
const SEND_WORDS = {
  sent: 'Statement sent.',
  already: 'This statement was already sent.',
  no_recipients: 'The customer has no email address to send it to.',
  unsubscribed: 'Every address for this customer has unsubscribed from emails; nothing was sent.',
  failed: 'The statement could not be sent; try again later.',
} as const;

export function statementRoutes(deps: { db: Db; clock: Clock; queue: QueuePort; mail: Services['mail']; appUrl: string | null; log: Services['log']; payLinkKey: Buffer; payments?: () => Services['payments'] }): Router {
  const r = Router();

  async function customerFor(req: Parameters<typeof allow>[0], permission: 'firm.read' | 'collect') {
    const auth = allow(req, permission);
    const { id } = parseInput(Id, req.params);
    return { auth, customer: await statementCustomer(deps.db, auth.firmId, id) };
  }

  r.get('/customers/:id/statement', async (req, res) => {
    const { customer } = await customerFor(req, 'firm.read');
    const query = parseInput(StatementQuerySchema, req.query, STATEMENT_LABELS);
    const [statement, recipients] = await Promise.all([buildStatement(deps.db, customer, query, deps.clock.now()), statementRecipients(deps.db, customer)]);
    // Whom "Email statement" would send to (the reminders' recipients, unsubscribed ones left out), for its confirmation.
    res.json({ statement, customerId: customer.contactId, organisationId: customer.organisationId, recipients: { to: recipients.to, unsubscribed: recipients.unsubscribed } });
  });

  r.get('/customers/:id/statement/pdf', async (req, res) => {
    const { customer } = await customerFor(req, 'firm.read');
    const query = parseInput(StatementQuerySchema, req.query, STATEMENT_LABELS);
    const statement = await buildStatement(deps.db, customer, query, deps.clock.now());
    const link = deps.appUrl ? await ensureStatementLink(deps.db, { firmId: customer.firmId, organisationId: customer.organisationId, contactExternalId: customer.contactExternalId }, { appUrl: deps.appUrl, linkKey: deps.payLinkKey }).catch(() => null) : null;
    const pdf = await renderStatementPdf(statement, link?.url ?? null);
    res.setHeader('content-type', 'application/pdf');
    res.setHeader('content-disposition', `attachment; filename="Statement-${customer.customerName.replace(/[^A-Za-z0-9]+/g, '-')}-${statement.to}.pdf"`);
    res.send(pdf);
  });

  r.get('/customers/:id/billing-ledger.csv', async (req, res) => {
    const { customer } = await customerFor(req, 'firm.read');
    const { currency } = parseInput(StatementQuerySchema.pick({ currency: true }).strict(), req.query, STATEMENT_LABELS);
    const { name, csv } = await billingLedgerCsv(deps.db, customer, currency);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.csv"`);
    res.setHeader('cache-control', 'no-store');
    res.send(csv);
  });

  r.post('/customers/:id/statement/email', async (req, res) => {
    const { auth, customer } = await customerFor(req, 'collect');
    const input = parseInput(SendStatementSchema, req.body, { requestId: 'request', kind: 'kind of statement' });
    const outcome = await sendStatement({ db: deps.db, clock: deps.clock, mail: deps.mail, appUrl: deps.appUrl, log: deps.log, payLinkKey: deps.payLinkKey }, { customer, period: `now:${input.requestId}`, kind: input.kind ?? 'open_items', range: null, userId: auth.userId });
    res.json({ outcome, message: SEND_WORDS[outcome] });
  });

  r.get('/organisations/:id/statement-schedule', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { id } = parseInput(Id, req.params);
    res.json(await statementSchedule(deps.db, auth.firmId, id));
  });

  r.put('/organisations/:id/statement-schedule', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const { id } = parseInput(Id, req.params);
    const input = parseInput(Schedule, req.body, { monthlyEmail: 'monthly email', kind: 'kind of statement' });
    const [org] = await listOrg(deps.db, auth.firmId, id);
    if (!org) return res.status(404).json({ error: { code: 'not_found', message: 'No such organisation.' } });
    await setStatementSchedule(deps.db, { firmId: auth.firmId, organisationId: id, userId: auth.userId, ...input });
    res.json(input);
  });

  r.get('/exceptions', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { organisationId } = parseInput(QueueQuery, req.query, { organisationId: 'organisation' });
    // Returned payments and chargebacks are listed with the queue (server/returns/).
    const [exceptions, returned] = await Promise.all([listExceptions(deps.db, auth.firmId, organisationId ?? null, deps.clock.now(), { payments: deps.payments?.() ?? null }), listReturns(deps.db, auth.firmId, organisationId ?? null)]);
    // Refunds are offered where the organisation's ledger takes them (any organisation, for the firm-wide queue).
    const providers = await deps.db
      .select({ provider: organisations.provider })
      .from(organisations)
      .where(and(eq(organisations.firmId, auth.firmId), organisationId ? eq(organisations.id, organisationId) : undefined));
    res.json({ exceptions, returned, refundsAvailable: providers.some((o) => REFUND_LEDGERS.includes(o.provider ?? '')) });
  });

  r.post('/exceptions/decide', async (req, res) => {
    const auth = allow(req, 'collect');
    const input = parseInput(DecideSchema, req.body, { organisationId: 'organisation', key: 'exception', action: 'action', reason: 'reason', invoiceId: 'invoice', amount: 'amount', to: 'how the money goes back' });
    const result = await decideException({ ...requestDeps({ db: deps.db, queue: deps.queue, now: () => deps.clock.now() }) }, auth, input, deps.clock.now(), { payments: deps.payments?.() ?? null });
    const waiting =
      result.status === 'awaiting_approval'
        ? 'The refund is above the firm’s approval limit: it waits for an admin to approve it.'
        : result.status === 'awaiting_client'
          ? 'The refund waits for the client to approve it.'
          : null;
    const toCard = input.action === 'refund' && input.to === 'card' ? 'The refund to the card is on its way: the ledger is updated and the customer emailed once the payment provider confirms it.' : null;
    res.json({ created: result.created, message: result.created ? (waiting ?? toCard ?? 'Done.') : 'This exception was already decided.' });
  });

  return r;
}

function listOrg(db: Db, firmId: string, id: string) {
  return db.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.firmId, firmId), eq(organisations.id, id)));
}
