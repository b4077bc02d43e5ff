/**
 * Sender identity API (under /api, firm-scoped in every query; docs/decisions/018):
 *
 *   GET    /sender-identity/:organisationId          firm.read        identity, the DNS records to publish with their status
 *   PUT    /sender-identity/:organisationId          settings.manage  { senderName?, fromAddress?, replyTo?, footer? }
 *   POST   /sender-identity/:organisationId/check    settings.manage  "Check now": look the records up
 *   PUT    /sender-identity/:organisationId/logo     settings.manage  { logo: base64 PNG or JPEG, ≤ 256 KB }
 *   DELETE /sender-identity/:organisationId/logo     settings.manage
 *
 * And, public (no session; emails and the pay page show it): GET /brand/logo/:key.
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { scopeByParam } from '../http/firm-param';
import { parseInput } from '../http/validate';
import { checkSenderDomain, deleteLogo, firmOfLogo, getSenderIdentity, LogoInputSchema, logoByKey, type SenderEnv, SenderIdentityInputSchema, saveLogo, saveSenderIdentity } from '../sender/store';

export interface SenderRouteDeps {
  db: Db;
  env: () => SenderEnv;
  now: () => Date;
}

const Uuid = z.uuid();

function orgParam(req: Request): string {
  const v = Uuid.safeParse(String(req.params['organisationId'] ?? ''));
  if (!v.success) throw notFound('This item does not exist, or was deleted.');
  return v.data;
}

export function senderRoutes(deps: SenderRouteDeps): Router {
  const r = Router();
  const { db } = deps;

  r.get('/sender-identity/:organisationId', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ identity: await getSenderIdentity(db, auth.firmId, orgParam(req), deps.env()) });
  });

  r.put('/sender-identity/:organisationId', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const input = parseInput(SenderIdentityInputSchema, req.body ?? {});
    res.json({ identity: await saveSenderIdentity(db, auth.firmId, orgParam(req), input, deps.env(), deps.now()) });
  });

  r.post('/sender-identity/:organisationId/check', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ identity: await checkSenderDomain(db, auth.firmId, orgParam(req), deps.env(), deps.now()) });
  });

  r.put('/sender-identity/:organisationId/logo', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const input = parseInput(LogoInputSchema, req.body ?? {});
    res.json({ identity: await saveLogo(db, auth.firmId, orgParam(req), input.logo, deps.env(), deps.now()) });
  });

  r.delete('/sender-identity/:organisationId/logo', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ identity: await deleteLogo(db, auth.firmId, orgParam(req), deps.env(), deps.now()) });
  });

  return r;
}

/** GET /brand/logo/:key — an organisation's uploaded logo, for emails and the pay page. */
export function brandRoutes(deps: { db: Db }): Router {
  const r = Router();
  r.param('key', scopeByParam((key) => firmOfLogo(deps.db, key)));
  r.get('/logo/:key', async (req, res) => {
    const key = String(req.params['key'] ?? '');
    const logo = /^[0-9a-f]{32}$/.test(key) ? await logoByKey(deps.db, key) : null;
    if (!logo) {
      res.status(404).type('text').send('Not found');
      return;
    }
    // The key changes with every upload, so the image under it never does.
    res.set({ 'content-type': logo.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'" });
    res.send(logo.bytes);
  });
  return r;
}
