/**
 * Replies (issue #20; server/replies/README.md), under /api, scoped by the caller's firm:
 *
 *   GET  /conversation?organisationId=&contactExternalId=   firm.read   our reminders and answers, their replies, oldest first
 *   GET  /replies/waiting[?mine=1]                           firm.read   replies whose suggestion waits for a collector; mine=1: My work's share
 *   POST /replies/:id/decide   { decision: confirm|dismiss, date? }  collect   confirm records a promise / dispute today
 *   POST /replies/:id/answer   { text }                       collect     answer from the reminders' identity, threaded
 *   GET  /reply-attachments/:id                              firm.read   a kept attachment
 *
 * And, outside /api, the Mailgun route's signed post: POST /webhooks/mailgun/mime (docs/decisions/032).
 */
import express, { type Request, Router } from 'express';
import { simpleParser } from 'mailparser';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { allow, allowOrganisation, can } from '../auth/permissions';
import type { Db } from '../db/client';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import type { QueuePort } from '../queue';
import { AnswerSchema, type AnswerDeps, answerReply, DecideSchema, decideReply, getAttachment, getConversation, listWaitingReplies, repliesForPerson } from '../replies/conversation';
import { assignedCustomers } from '../team/assignments';
import { verifyMailgun } from '../replies/mailgun';
import { receiveParsed } from '../replies/receive';
import { requestDeps } from '../writebacks/enqueue';

const Id = z.uuid({ message: 'This reply does not exist. Reload the page and try again.' });
const ConversationQuery = z.object({ organisationId: z.uuid({ message: 'Choose the organisation again: it does not exist.' }), contactExternalId: z.string().min(1).max(200) });
const WaitingQuery = z.object({ mine: z.enum(['0', '1'], { message: 'Say 1 to see only your own replies, or leave it out.' }).optional() });
const LABELS = { decision: 'decision', date: 'promised date', text: 'answer', organisationId: 'organisation', contactExternalId: 'customer', mine: 'whose replies' };

export function replyRoutes(deps: { db: Db; queue: QueuePort; now: () => Date; answer: () => AnswerDeps }): Router {
  const r = Router();
  const idOf = (req: Request) => parseInput(z.object({ id: Id }), req.params).id;
  const rdeps = requestDeps({ db: deps.db, queue: deps.queue, now: deps.now });

  r.get('/conversation', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(ConversationQuery, req.query, LABELS);
    allowOrganisation(auth, q.organisationId);
    res.json(await getConversation(deps.db, auth.firmId, q.organisationId, q.contactExternalId));
  });

  r.get('/replies/waiting', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const all = await listWaitingReplies(deps.db, auth.firmId, auth.organisationIds);
    if (parseInput(WaitingQuery, req.query, LABELS).mine !== '1') return void res.json({ replies: all });
    // My work: the person's assigned customers (and, for managers, the unassigned ones).
    const assignees = new Map((await assignedCustomers(deps.db, auth.firmId)).map((a) => [`${a.organisationId}|${a.contactExternalId}`, a.userId]));
    res.json({ replies: repliesForPerson(all, assignees, { userId: auth.userId, takesUnassigned: can(auth, 'assignments.manage') }) });
  });

  r.post('/replies/:id/decide', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = idOf(req);
    res.json(await decideReply(rdeps, auth, id, parseInput(DecideSchema, req.body ?? {}, LABELS)));
  });

  r.post('/replies/:id/answer', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = idOf(req);
    res.status(201).json(await answerReply(deps.answer(), auth, id, parseInput(AnswerSchema, req.body ?? {}, LABELS)));
  });

  r.get('/reply-attachments/:id', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const a = await getAttachment(deps.db, auth.firmId, parseInput(z.object({ id: z.uuid({ message: 'This file does not exist.' }) }), req.params).id);
    if (!a) throw notFound('This file does not exist.');
    res.setHeader('content-type', a.contentType);
    res.setHeader('content-disposition', `attachment; filename="${a.filename.replace(/["\\\r\n]/g, '_')}"`);
    res.setHeader('x-content-type-options', 'nosniff');
    res.send(a.content);
  });
  return r;
}

/** POST /webhooks/mailgun/mime: Mailgun's forward of a reply, signed (docs/decisions/032). */
export function mailgunRoutes(deps: { db: Db; log: Logger; now: () => Date; signingKey: () => string | null }): Router {
  const r = Router();
  // Tokens of recent posts: a replayed post (same token) is refused while it could still pass the age check.
  const seen = new Map<string, number>();
  r.post('/mime', express.raw({ type: () => true, limit: '30mb' }), async (req, res, next) => {
    const key = deps.signingKey();
    if (!key) {
      res.status(404).end();
      return;
    }
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const type = req.get('content-type') ?? '';
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
      } catch {
        res.status(400).json({ error: { code: 'invalid_form', message: 'The webhook body is not a form.' } });
        return;
      }
      const field = (n: string) => {
        const v = form.get(n);
        return typeof v === 'string' ? v : null;
      };
      const token = field('token');
      const check = verifyMailgun(key, { timestamp: field('timestamp'), token, signature: field('signature') }, deps.now());
      const nowMs = deps.now().getTime();
      for (const [t, at] of seen) if (nowMs - at > 10 * 60_000) seen.delete(t);
      if (!check.ok || seen.has(token!)) {
        deps.log.warn({ reason: check.ok ? 'replayed' : check.reason }, 'Mailgun webhook refused');
        res.status(401).end();
        return;
      }
      seen.set(token!, nowMs);
      const mime = form.get('body-mime');
      const raw = typeof mime === 'string' ? mime : mime ? Buffer.from(await mime.arrayBuffer()) : null;
      if (!raw) {
        // 406: Mailgun does not retry it (the route must forward to a URL ending in "mime").
        res.status(406).json({ error: { code: 'no_mime', message: 'The post has no body-mime: the Mailgun route must forward to a URL ending in /mime.' } });
        return;
      }
      const parsed = await simpleParser(raw);
      const recipient = field('recipient');
      const result = await receiveParsed({ db: deps.db, log: deps.log, now: deps.now }, parsed, recipient ? recipient.split(',').map((a) => a.trim()) : []);
      res.status(200).json({ outcome: result.outcome });
    } catch (err) {
      next(err);
    }
  });
  return r;
}
