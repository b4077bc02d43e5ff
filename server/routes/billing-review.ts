/**
 * Billing review, billing policies and billing accuracy (issue #21; server/billing-review/), under /api:
 *
 *   GET  /billing-review?organisationId=                 firm.read         the queue (one organisation or the firm)
 *   POST /billing-review/refresh { organisationId }      collect           run the checks now
 *   POST /billing-review/:id/request { comment? }        collect           ask a second person to approve
 *   POST /billing-review/:id/approve                     ledger.approve    approve: one `authorise_invoice` write-back (not the asker)
 *   POST /billing-review/:id/send-back { comment }       collect           send back with what needs changing
 *   GET  /billing-policies                               firm.read         terms and frequency per customer type
 *   PUT  /billing-policies { customerType, termsDays, frequency, requiresPurchaseOrder }   settings.manage
 *   POST /billing-policies/remove { customerType }       settings.manage
 *   GET  /organisations/:id/billing-accuracy?from&to     organisation.read the rate, reasons and trend
 */
import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { isCalendarDate } from '../../kernel/dates';
import type { Clock } from '../../kernel/clock';
import { notFound } from '../../kernel/errors';
import { allow, allowOrganisation, can } from '../auth/permissions';
import { billingAccuracy } from '../billing-review/accuracy-load';
import { deletePolicy, loadPolicies, PolicySchema, policyView, savePolicy } from '../billing-review/policies';
import { approveReview, DecisionSchema, listReview, refreshReview, requestApproval, SendBackSchema, sendBack } from '../billing-review/service';
import type { Db } from '../db/client';
import { organisations } from '../db/schema';
import { parseInput } from '../http/validate';
import type { QueuePort } from '../queue';
import { requestDeps } from '../writebacks/enqueue';

const Id = z.object({ id: z.uuid({ message: 'This page does not exist. Reload and try again.' }) });
const QueueQuery = z.object({ organisationId: z.uuid({ message: 'Choose an organisation.' }).optional() }).strict();
const Refresh = z.object({ organisationId: z.uuid({ message: 'Choose an organisation.' }) }).strict();
const Remove = z.object({ customerType: z.string().max(80, { message: 'Choose a customer type.' }) }).strict();
const Day = z.string().refine(isCalendarDate, { message: 'Enter a date.' });
const AccuracyQuery = z.object({ from: Day.optional(), to: Day.optional() }).strict();

export function billingReviewRoutes(deps: { db: Db; clock: Clock; queue: QueuePort }): Router {
  const r = Router();
  const now = () => deps.clock.now();

  r.get('/billing-review', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const { organisationId } = parseInput(QueueQuery, req.query, { organisationId: 'organisation' });
    const items = await listReview(deps.db, { firmId: auth.firmId, userId: auth.userId, mayApprove: can(auth, 'ledger.approve'), mayRequest: can(auth, 'collect') }, organisationId ?? null);
    res.json({ items });
  });

  r.post('/billing-review/refresh', async (req, res) => {
    const auth = allow(req, 'collect');
    const { organisationId } = parseInput(Refresh, req.body, { organisationId: 'organisation' });
    const [org] = await deps.db.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.firmId, auth.firmId), eq(organisations.id, organisationId)));
    if (!org) throw notFound('No such organisation.');
    const r2 = await refreshReview(deps.db, { firmId: auth.firmId, organisationId }, now());
    res.json({ ...r2, message: `${r2.items} invoice${r2.items === 1 ? '' : 's'} awaiting dispatch checked; ${r2.withFindings} with something to look at.` });
  });

  r.post('/billing-review/:id/request', async (req, res) => {
    const auth = allow(req, 'collect');
    const { id } = parseInput(Id, req.params);
    const { comment } = parseInput(DecisionSchema, req.body ?? {}, { comment: 'comment' });
    await requestApproval(deps.db, auth, id, comment ?? null, now());
    res.json({ message: 'Sent for approval. Another person approves it.' });
  });

  r.post('/billing-review/:id/approve', async (req, res) => {
    const auth = allow(req, 'ledger.approve');
    const { id } = parseInput(Id, req.params);
    const result = await approveReview(requestDeps({ db: deps.db, queue: deps.queue, now }), auth, id, now());
    res.json({ created: result.created, message: result.created ? 'Approved. The invoice is being approved in the ledger.' : 'This invoice was already approved.' });
  });

  r.post('/billing-review/:id/send-back', async (req, res) => {
    const auth = allow(req, 'collect');
    const { id } = parseInput(Id, req.params);
    const { comment } = parseInput(SendBackSchema, req.body, { comment: 'comment' });
    await sendBack(deps.db, auth, id, comment, now());
    res.json({ message: 'Sent back with your comment.' });
  });

  r.get('/billing-policies', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ policies: (await loadPolicies(deps.db, auth.firmId)).map(policyView) });
  });

  r.put('/billing-policies', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const input = parseInput(PolicySchema, req.body, { customerType: 'customer type', termsDays: 'payment terms', frequency: 'invoicing frequency', requiresPurchaseOrder: 'purchase order' });
    res.json({ policy: await savePolicy(deps.db, auth, input, now()) });
  });

  r.post('/billing-policies/remove', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const { customerType } = parseInput(Remove, req.body, { customerType: 'customer type' });
    await deletePolicy(deps.db, auth.firmId, customerType.trim());
    res.json({ message: 'Policy removed.' });
  });

  r.get('/organisations/:id/billing-accuracy', async (req, res) => {
    const auth = allow(req, 'organisation.read');
    const { id } = parseInput(Id, req.params);
    allowOrganisation(auth, id);
    const q = parseInput(AccuracyQuery, req.query, { from: 'from', to: 'to' });
    res.json(await billingAccuracy(deps.db, { firmId: auth.firmId, organisationId: id }, now(), q));
  });

  return r;
}
