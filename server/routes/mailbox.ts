/**
 * The demo mailbox (under /api, firm-scoped): what the embedded SMTP server received. Only in
 * embedded mode — with SMTP_URL set, mail leaves Arcus and there is nothing to show.
 *
 *   GET /mailbox?limit=&offset=   viewer+   { enabled, total, messages }
 *   GET /mailbox/:id              viewer+   one message (headers, text, HTML)
 */
import { Router } from 'express';
import { z } from 'zod';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { getMailboxMessage, listMailbox } from '../email/mailbox';
import { notFound } from '../../kernel/errors';
import { parseInput } from '../http/validate';

export function mailboxRoutes(deps: { db: Db; enabled: () => boolean }): Router {
  const r = Router();
  r.get('/mailbox', async (req, res) => {
    const auth = allow(req, 'firm.read');
    if (!deps.enabled()) return void res.json({ enabled: false, total: 0, messages: [] });
    const q = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0) }), req.query);
    res.json({ enabled: true, ...(await listMailbox(deps.db, auth.firmId, q)) });
  });
  r.get('/mailbox/:id', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const id = z.uuid().safeParse(req.params['id']);
    const msg = deps.enabled() && id.success ? await getMailboxMessage(deps.db, auth.firmId, id.data) : null;
    if (!msg) throw notFound('No such message.');
    res.json({ message: msg });
  });
  return r;
}
