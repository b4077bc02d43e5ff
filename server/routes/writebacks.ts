/**
 * Write-backs API (under /api, scoped by the caller's firm in every query):
 *
 *   GET   /writebacks?status=&organisationId=&invoiceId=&contactExternalId=   viewer+    list (the approvals queue is status=awaiting_approval)
 *   GET   /writebacks/counts                                                  viewer+    per status
 *   GET   /writebacks/:id                                                     viewer+
 *   POST  /writebacks/approve   { ids[] }                                     admin      batch approval
 *   POST  /writebacks/reject    { ids[], note? }                              admin
 *   POST  /writebacks/:id/retry                                               collector+ a failed write, same idempotency key
 *   POST  /writebacks/:id/reverse                                             admin      void / delete what Arcus created
 *   POST  /writebacks/credit-notes  { organisationId, invoiceId, purpose, full|amount|proration, reason, requestKey? }  collector+
 *   GET   /activities?organisationId=&contactExternalId=&invoiceId=          viewer+    the activity timeline
 *   POST  /collector/promise          { organisationId, contactExternalId, invoiceId?, date, note? }   collector+
 *   POST  /collector/dispute          { organisationId, contactExternalId, invoiceId?, reason }        collector+
 *   POST  /collector/resolve-dispute  { organisationId, contactExternalId, invoiceId?, resolution? }   collector+
 *   POST  /collector/note             { organisationId, contactExternalId, invoiceId?, text, requestKey? }   collector+
 *   POST  /collector/call             { organisationId, contactExternalId, invoiceId?, outcome, summary?, nextStep?, followUpOn?, requestKey? }   collector+
 *   GET   /collector/follow-ups?organisationId=&contactExternalId=&invoiceId=&status=   viewer+
 *   POST  /collector/follow-ups/:id/done                                                 collector+
 *   POST  /pay-links                  { organisationId, invoiceId } | { organisationId, contactExternalId }  collector+  the debtor's link (created once)
 *   POST  /pay-links/send             { organisationId, contactExternalId, invoiceId?, note?, requestKey }   collector+  email it (once per requestKey)
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import { requestDeps } from '../writebacks/enqueue';
import type { QueuePort } from '../queue';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import { ensurePayLink, ensureStatementLink } from '../pay/links';
import { SendLinkSchema, sendPayLink } from '../pay/send-link';
import type { MailServices } from '../services';
import { addNote, CallSchema, completeFollowUp, FollowUpQuery, listFollowUps, logCall, NoteSchema } from '../writebacks/collector-log';
import { DisputeSchema, markDisputed, PromiseSchema, recordPromise, ResolveSchema, resolveDispute } from '../writebacks/collector-actions';
import { CreditInputSchema, issueCredit } from '../writebacks/credit';
import { activityTimelinePage, approveWritebacks, getWriteback, listWritebacks, rejectWritebacks, retryWriteback, reverseWriteback, writebackCounts } from '../writebacks/manage';
import { WRITEBACK_STATUSES } from '../writebacks/types';

const Id = z.uuid({ message: 'This item does not exist. Reload the page and try again.' });

const ListQuery = z.object({
  status: z.enum(WRITEBACK_STATUSES).optional(),
  organisationId: Id.optional(),
  invoiceId: Id.optional(),
  contactExternalId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const Batch = z.object({ ids: z.array(Id).min(1).max(500) }).strict();
const Reject = z.object({ ids: z.array(Id).min(1).max(500), note: z.string().trim().max(500).optional() }).strict();
const PayLinkInput = z.union([z.object({ organisationId: Id, invoiceId: Id }).strict(), z.object({ organisationId: Id, contactExternalId: z.string().min(1).max(200) }).strict()]);
const TimelineQuery = z.object({
  organisationId: Id,
  contactExternalId: z.string().min(1).max(200).optional(),
  invoiceId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  /** The previous page's `nextCursor` (opaque): the page after it. */
  cursor: z.string().min(1).max(500).optional(),
});

export function writebackRoutes(deps: { db: Db; queue: QueuePort; appUrl: string | null; linkKey: Buffer; mail: MailServices; now: () => Date }): Router {
  const router = Router();
  const rdeps = requestDeps({ db: deps.db, queue: deps.queue, now: deps.now });
  const idOf = (req: Request) => parseInput(z.object({ id: Id }), req.params).id;

  router.get('/writebacks', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(ListQuery, req.query);
    res.json({ writebacks: await listWritebacks(deps.db, auth.firmId, q) });
  });

  router.get('/writebacks/counts', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ counts: await writebackCounts(deps.db, auth.firmId) });
  });

  router.get('/writebacks/:id', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const w = await getWriteback(deps.db, auth.firmId, idOf(req));
    res.json({ writeback: { ...w, leaseUntil: undefined } });
  });

  router.post('/writebacks/approve', async (req, res) => {
    const auth = allow(req, 'ledger.approve');
    const body = parseInput(Batch, req.body);
    res.json(await approveWritebacks(rdeps, auth.firmId, body.ids, auth.userId));
  });

  router.post('/writebacks/reject', async (req, res) => {
    const auth = allow(req, 'ledger.approve');
    const body = parseInput(Reject, req.body);
    res.json(await rejectWritebacks(deps.db, auth.firmId, body.ids, auth.userId, body.note ?? null));
  });

  router.post('/writebacks/:id/retry', async (req, res) => {
    const auth = allow(req, 'collect');
    await retryWriteback(rdeps, auth.firmId, idOf(req));
    res.json({ ok: true });
  });

  router.post('/writebacks/:id/reverse', async (req, res) => {
    const auth = allow(req, 'ledger.approve');
    res.status(202).json(await reverseWriteback(rdeps, auth.firmId, idOf(req), auth.userId));
  });

  router.post('/writebacks/credit-notes', async (req, res) => {
    const auth = allow(req, 'collect');
    const body = parseInput(CreditInputSchema, req.body);
    const r = await issueCredit(rdeps, auth.firmId, auth.userId, body);
    res.status(r.created ? 202 : 200).json(r);
  });

  router.get('/activities', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(TimelineQuery, req.query);
    res.json(await activityTimelinePage(deps.db, auth.firmId, q));
  });

  router.post('/collector/promise', async (req, res) => {
    const auth = allow(req, 'collect');
    res.status(201).json(await recordPromise(rdeps, auth, parseInput(PromiseSchema, req.body)));
  });

  router.post('/collector/dispute', async (req, res) => {
    const auth = allow(req, 'collect');
    res.status(201).json(await markDisputed(rdeps, auth, parseInput(DisputeSchema, req.body)));
  });

  router.post('/collector/resolve-dispute', async (req, res) => {
    const auth = allow(req, 'collect');
    res.status(201).json(await resolveDispute(rdeps, auth, parseInput(ResolveSchema, req.body)));
  });

  router.post('/collector/note', async (req, res) => {
    const auth = allow(req, 'collect');
    const r = await addNote(rdeps, auth, parseInput(NoteSchema, req.body));
    res.status(r.created ? 201 : 200).json(r);
  });

  router.post('/collector/call', async (req, res) => {
    const auth = allow(req, 'collect');
    const r = await logCall(rdeps, auth, parseInput(CallSchema, req.body));
    res.status(r.created ? 201 : 200).json(r);
  });

  router.get('/collector/follow-ups', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ followUps: await listFollowUps(deps.db, auth.firmId, parseInput(FollowUpQuery, req.query)) });
  });

  router.post('/collector/follow-ups/:id/done', async (req, res) => {
    const auth = allow(req, 'collect');
    res.json(await completeFollowUp(deps.db, auth, idOf(req), deps.now()));
  });

  router.post('/pay-links', async (req, res) => {
    const auth = allow(req, 'collect');
    const body = parseInput(PayLinkInput, req.body);
    const ctx = { appUrl: deps.appUrl, enqueueExecute: rdeps.enqueueExecute, linkKey: deps.linkKey };
    const link = 'invoiceId' in body ? await ensurePayLink(deps.db, { firmId: auth.firmId, ...body }, ctx) : await ensureStatementLink(deps.db, { firmId: auth.firmId, ...body }, ctx);
    res.json(link);
  });

  router.post('/pay-links/send', async (req, res) => {
    const auth = allow(req, 'collect');
    const body = parseInput(SendLinkSchema, req.body);
    const r = await sendPayLink({ db: deps.db, now: deps.now, mail: { mailer: deps.mail.mailer, mailFrom: deps.mail.from, embedded: deps.mail.embedded }, link: { appUrl: deps.appUrl, enqueueExecute: rdeps.enqueueExecute, linkKey: deps.linkKey } }, auth, body);
    res.status(r.sent ? 201 : 200).json(r);
  });

  return router;
}
