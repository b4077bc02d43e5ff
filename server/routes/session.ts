/**
 * Session endpoints: who am I (+ CSRF token), demo sign-in (embedded mode only), sign-out.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { permissionsOf, ROLE_WORDS } from '../auth/permissions';
import type { Db } from '../db/client';
import { asSystem, withFirm } from '../db/firm-scope';
import { activities, users } from '../db/schema';
import { ensureDemoFirm, ensureDemoMember } from '../demo/seed-firm';
import { parseInput } from '../http/validate';
import { csrfToken, csrfTokenFor } from '../http/csrf';

/** Demo sign-in: as the firm's admin (default), its collector, or a client contact at its first client. */
const DemoSignIn = z.object({ as: z.enum(['admin', 'collector', 'client_contact']).default('admin') });

function regenerate(req: import('express').Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function sessionRoutes(deps: { db: Db; demo: boolean; signIn?: { xero: boolean; quickbooks: boolean }; now?: () => Date }): Router {
  const r = Router();

  r.get('/session', (req, res) => {
    // Anonymous: the token is in a cookie of its own, and no session row is written.
    const token = csrfTokenFor(req, res);
    const a = req.auth;
    res.json({
      csrfToken: token,
      demo: deps.demo,
      // The app's clock (ARCUS_NOW may run it as of another day): the client's default dates follow it.
      now: (deps.now?.() ?? new Date()).toISOString(),
      signIn: deps.signIn ?? { xero: false, quickbooks: false },
      // What the member may do (server/auth/permissions.ts), so the client shows only the controls the server will accept.
      user: a ? { id: a.userId, name: a.userName, email: a.userEmail, role: a.role, roleName: ROLE_WORDS[a.role].name, permissions: permissionsOf(a.role) } : null,
      firm: a ? { id: a.firmId, name: a.firmName } : null,
    });
  });

  r.post('/auth/demo', async (req, res) => {
    if (!deps.demo) throw notFound('Demo sign-in is only available in embedded demo mode.');
    // Sign-in comes before any firm scope: the demo firm and user are found as the system.
    const { as } = parseInput(DemoSignIn, req.body ?? {});
    const demo = await asSystem(() => ensureDemoFirm(deps.db));
    const firmId = demo.firmId;
    const userId = as === 'admin' ? demo.userId : (await ensureDemoMember(deps.db, firmId, as)).userId;
    // A new session id at sign-in prevents session fixation.
    await regenerate(req);
    req.session.userId = userId;
    req.session.firmId = firmId;
    const token = csrfToken(req);
    await asSystem(() => deps.db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, userId)));
    await withFirm(firmId, () => deps.db.insert(activities).values({ id: randomUUID(), firmId, actorUserId: userId, actorType: 'user', kind: 'auth.sign_in', summary: 'Signed in to the demo' }));
    res.json({ ok: true, csrfToken: token });
  });

  r.post('/auth/sign-out', async (req, res) => {
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    res.clearCookie('arcus.sid');
    res.json({ ok: true });
  });

  return r;
}
