/**
 * Collections API (under /api, firm-scoped in every query):
 *
 *   GET    /collections/policy                                    viewer+    the firm's policy with defaults
 *   PUT    /collections/policy                                    admin      { approvalThreshold?, lateFees?, earlyDiscount?, plans? } merged over the current
 *   GET    /collections/statutory-rates                           viewer+    the reference-rate table (built-in rows with the firm's over them) and the day the built-in rows were last checked
 *   PUT    /collections/statutory-rates                           admin      { jurisdiction, effectiveFrom, rate } sets the rate in force from a day
 *   DELETE /collections/statutory-rates?jurisdiction&effectiveFrom admin      removes the firm's row for a day
 *   GET    /collections/late-fees/preview?organisationId&invoiceId viewer+   fees due now on one invoice, fees already charged
 *   POST   /collections/late-fees/apply                           collector+ { organisationId, invoiceId } → late_fee write-backs
 *   POST   /collections/late-fees/forgive                         collector+ { writebackId } → a fee_reversal credit note write-back
 *   GET    /collections/discounts?organisationId                  viewer+    early-payment discount offers
 *   POST   /collections/plans/preview                             viewer+    { organisationId, contactExternalId, invoiceIds?, frequency, count | instalmentAmount, startDate, postInvoices? } → schedule
 *   POST   /collections/plans                                     collector+ same body → the plan (201)
 *   GET    /collections/plans?organisationId&contactExternalId    viewer+
 *   GET    /collections/plans/:id                                 viewer+    with instalments and covered invoices
 *   POST   /collections/plans/:id/cancel                          collector+
 *
 * Write-backs are requested through server/writebacks/request.ts (the firm's approval
 * threshold applies); the queue runs them.
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { QueuePort } from '../queue';
import { requestDeps } from '../writebacks/enqueue';
import { allow } from '../auth/permissions';
import { listOffers } from '../collections/discounts';
import { applyLateFees, forgiveFee, previewLateFees } from '../collections/late-fees';
import { cancelPlan, createPlan, getPlan, listPlans, PlanInputSchema, previewPlan } from '../collections/plans';
import { deleteRate, listRates, setRate } from '../collections/statutory-rates';
import { RATES_CONFIRMED_THROUGH } from '../collections/statutory';
import { CollectionsPolicyPatchSchema, getCollectionsPolicy, updateCollectionsPolicy } from '../collections/policy';
import type { Db } from '../db/client';
import { notFound } from '../../kernel/errors';
import { parseInput } from '../http/validate';

export interface CollectionsRouteDeps {
  db: Db;
  queue: QueuePort;
  now?: () => Date;
}

const InvoiceRef = z.object({ organisationId: z.uuid(), invoiceId: z.uuid() }).strict();
const ForgiveBody = z.object({ writebackId: z.uuid() }).strict();
const OrgQuery = z.object({ organisationId: z.uuid() });
const PlansQuery = z.object({ organisationId: z.uuid(), contactExternalId: z.string().trim().min(1).max(200).optional() });

function idParam(req: Request): string {
  const v = z.uuid().safeParse(String(req.params['id'] ?? ''));
  if (!v.success) throw notFound('No such payment plan.');
  return v.data;
}

export function collectionsRoutes(deps: CollectionsRouteDeps): Router {
  const r = Router();
  const { db } = deps;
  const now = () => deps.now?.() ?? new Date();
  const writes = () => ({ ...requestDeps({ db, queue: deps.queue }), now });

  r.get('/collections/policy', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ policy: await getCollectionsPolicy(db, auth.firmId) });
  });

  r.put('/collections/policy', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ policy: await updateCollectionsPolicy(db, auth.firmId, parseInput(CollectionsPolicyPatchSchema, req.body ?? {})) });
  });

  r.get('/collections/statutory-rates', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ rates: await listRates(db, auth.firmId), confirmedThrough: RATES_CONFIRMED_THROUGH });
  });

  r.put('/collections/statutory-rates', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ rates: await setRate(db, auth.firmId, req.body ?? {}, auth.userId, now()) });
  });

  r.delete('/collections/statutory-rates', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ rates: await deleteRate(db, auth.firmId, req.query) });
  });

  r.get('/collections/late-fees/preview', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(InvoiceRef, req.query);
    res.json({ preview: await previewLateFees(db, auth.firmId, q.organisationId, q.invoiceId, now()) });
  });

  r.post('/collections/late-fees/apply', async (req, res) => {
    const auth = allow(req, 'collect');
    const body = parseInput(InvoiceRef, req.body ?? {});
    res.status(201).json(await applyLateFees(writes(), { firmId: auth.firmId, organisationId: body.organisationId, invoiceId: body.invoiceId, userId: auth.userId }));
  });

  r.post('/collections/late-fees/forgive', async (req, res) => {
    const auth = allow(req, 'collect');
    const body = parseInput(ForgiveBody, req.body ?? {});
    const out = await forgiveFee(writes(), { firmId: auth.firmId, writebackId: body.writebackId, userId: auth.userId });
    res.status(out.created ? 201 : 200).json(out);
  });

  r.get('/collections/discounts', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(OrgQuery, req.query);
    res.json({ offers: await listOffers(db, auth.firmId, q.organisationId) });
  });

  r.post('/collections/plans/preview', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ preview: await previewPlan(db, auth.firmId, parseInput(PlanInputSchema, req.body ?? {}), now()) });
  });

  r.post('/collections/plans', async (req, res) => {
    const auth = allow(req, 'collect');
    res.status(201).json({ plan: await createPlan(writes(), auth.firmId, auth.userId, parseInput(PlanInputSchema, req.body ?? {})) });
  });

  r.get('/collections/plans', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(PlansQuery, req.query);
    res.json({ plans: await listPlans(db, auth.firmId, q) });
  });

  r.get('/collections/plans/:id', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ plan: await getPlan(db, auth.firmId, idParam(req)) });
  });

  r.post('/collections/plans/:id/cancel', async (req, res) => {
    const auth = allow(req, 'collect');
    res.json({ plan: await cancelPlan(db, auth.firmId, idParam(req), auth.userId, now()) });
  });

  return r;
}
