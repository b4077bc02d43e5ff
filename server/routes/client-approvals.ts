/**
 * The client in the loop (under /api; docs/decisions/024-client-approvals.md):
 *
 *   GET  /organisations/:id/client-approvals        firm.read                what waits for this organisation's client
 *   PUT  /organisations/:id/client-approvals        client_approvals.manage  { lateFees, creditsAbove, paymentPlans, firstReminders?, reminderEscalations? }
 *   GET  /client/approvals                          client.approve           the client contact's queue, in words (write-backs, and reminders as `reminders`)
 *   POST /client/approvals/:id/approve              client.approve           a write-back → pending, queued for the ledger; a reminder → claimed, queued to send once
 *   POST /client/approvals/:id/decline { comment }  client.approve           → cancelled / skipped, with the comment
 *
 * And public (nobody is signed in yet):
 *   POST /auth/sign-in-link { email }               the same answer whoever asks; emails APP_URL/magic/<token>
 *   POST /auth/sign-in-link/:token                  uses the link once and signs in
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { csrfToken } from '../http/csrf';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import type { QueuePort } from '../queue';
import type { MailServices } from '../services';
import { decideReminderForClient, isReminderSend, listClientReminders } from '../reminders/client-approval';
import { sendJobId } from '../reminders/job-ids';
import { requestSignInLink, SIGN_IN_LINK_ANSWER, SignInLinkRequestSchema, useSignInLink } from '../team/sign-in-links';
import { ClientPolicySchema, DeclineSchema, decideForClient, getClientPolicy, listClientQueue, saveClientPolicy } from '../writebacks/client-approval';
import { requestDeps } from '../writebacks/enqueue';

export interface ClientApprovalRouteDeps {
  db: Db;
  queue: QueuePort;
  mail: MailServices;
  appUrl: string;
  now: () => Date;
  log: Logger;
}

function idParam(req: Request, message: string): string {
  const v = z.uuid().safeParse(String(req.params['id'] ?? ''));
  if (!v.success) throw notFound(message);
  return v.data;
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

const NOTHING = 'There is nothing with this link waiting for you.';

export function clientApprovalRoutes(deps: ClientApprovalRouteDeps): Router {
  const { db } = deps;
  const rdeps = requestDeps({ db, queue: deps.queue, now: deps.now });
  // A reminder the client approved: its own job id (a staff approval may have queued one under the plain id); the lease sends it once.
  const reminderDeps = { db, now: deps.now, enqueueSend: async (id: string, attempts: number) => {
      await deps.queue.request('reminders.send', { sendId: id }, { jobId: `${sendJobId(id, attempts)}-client` });
    },
  };
  const r = Router();

  r.get('/organisations/:id/client-approvals', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ policy: await getClientPolicy(db, auth.firmId, idParam(req, 'No such organisation.')) });
  });

  r.put('/organisations/:id/client-approvals', async (req, res) => {
    const auth = allow(req, 'client_approvals.manage');
    const id = idParam(req, 'No such organisation.');
    const policy = parseInput(ClientPolicySchema, req.body ?? {});
    res.json({ policy: await saveClientPolicy(db, auth, id, policy) });
  });

  r.get('/client/approvals', async (req, res) => {
    const auth = allow(req, 'client.approve');
    const [approvals, reminders] = await Promise.all([listClientQueue(db, auth), listClientReminders(db, auth, deps.now())]);
    res.json({ approvals, reminders });
  });

  r.post('/client/approvals/:id/approve', async (req, res) => {
    const auth = allow(req, 'client.approve');
    const id = idParam(req, NOTHING);
    if (await isReminderSend(db, auth.firmId, id)) return void res.json(await decideReminderForClient(reminderDeps, auth, id, { approve: true }));
    res.json(await decideForClient({ ...rdeps, now: deps.now }, auth, id, { approve: true }));
  });

  r.post('/client/approvals/:id/decline', async (req, res) => {
    const auth = allow(req, 'client.approve');
    const id = idParam(req, NOTHING);
    const { comment } = parseInput(DeclineSchema, req.body ?? {});
    if (await isReminderSend(db, auth.firmId, id)) return void res.json(await decideReminderForClient(reminderDeps, auth, id, { approve: false, comment }));
    res.json(await decideForClient({ ...rdeps, now: deps.now }, auth, id, { approve: false, comment }));
  });

  r.post('/auth/sign-in-link', async (req, res) => {
    const { email } = parseInput(SignInLinkRequestSchema, req.body ?? {});
    await requestSignInLink({ db, mail: deps.mail, appUrl: deps.appUrl, now: deps.now, log: deps.log }, email);
    res.status(202).json({ ok: true, message: SIGN_IN_LINK_ANSWER });
  });

  r.post('/auth/sign-in-link/:token', async (req, res) => {
    const { userId, firmId } = await useSignInLink(db, String(req.params['token'] ?? ''), deps.now());
    // A new session id at sign-in prevents session fixation.
    await regenerate(req);
    req.session.userId = userId;
    req.session.firmId = firmId;
    res.json({ ok: true, csrfToken: csrfToken(req) });
  });

  return r;
}
