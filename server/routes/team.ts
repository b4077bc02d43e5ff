/**
 * The team (under /api; docs/decisions/017-team-and-roles.md). Who may call what is in
 * server/auth/permissions.ts:
 *
 *   GET    /team                          team.read    members (role in words, organisations), pending invitations
 *   POST   /team/invitations              team.invite  { email, role, organisationIds? } → emails APP_URL/invite/<token>
 *   DELETE /team/invitations/:id          team.invite  withdraw a pending invitation
 *   PATCH  /team/members/:id              team.manage  { role, organisationIds? } (the member's user id)
 *   DELETE /team/members/:id              team.manage  remove; their sessions in this firm end
 *
 * And public, the token being the credential:
 *   GET    /invitations/:token            what the invitation page shows (firm, role in words, address)
 *   POST   /invitations/:token/accept     { name } → the user and membership, signed in
 */
import { type Request, Router } from 'express';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { csrfToken } from '../http/csrf';
import { parseInput } from '../http/validate';
import type { MailServices } from '../services';
import { AcceptInputSchema, acceptInvitation, createInvitation, InvitationInputSchema, listPendingInvitations, revokeInvitation, viewInvitation } from '../team/invitations';
import { changeMember, listMembers, MemberChangeSchema, removeMember } from '../team/members';

export interface TeamRouteDeps {
  db: Db;
  mail: MailServices;
  appUrl: string;
  now: () => Date;
}

function idParam(req: Request, message: string): string {
  const v = z.uuid().safeParse(String(req.params['id'] ?? ''));
  if (!v.success) throw notFound(message);
  return v.data;
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function teamRoutes(deps: TeamRouteDeps): Router {
  const { db } = deps;
  const r = Router();

  r.get('/team', async (req, res) => {
    const auth = allow(req, 'team.read');
    const [members, invitations] = await Promise.all([listMembers(db, auth), listPendingInvitations(db, auth.firmId, deps.now())]);
    res.json({ members, invitations });
  });

  r.post('/team/invitations', async (req, res) => {
    const auth = allow(req, 'team.invite');
    const input = parseInput(InvitationInputSchema, req.body ?? {});
    const created = await createInvitation({ db, mail: deps.mail, appUrl: deps.appUrl, now: deps.now }, auth, input);
    res.status(201).json({ invitation: { id: created.id, expiresAt: created.expiresAt.toISOString() } });
  });

  r.delete('/team/invitations/:id', async (req, res) => {
    const auth = allow(req, 'team.invite');
    await revokeInvitation(db, auth, idParam(req, 'No such invitation, or it was already accepted or withdrawn.'), deps.now());
    res.json({ ok: true });
  });

  r.patch('/team/members/:id', async (req, res) => {
    const auth = allow(req, 'team.manage');
    const userId = idParam(req, 'No such member.');
    await changeMember(db, auth, userId, parseInput(MemberChangeSchema, req.body ?? {}), deps.now());
    res.json({ ok: true });
  });

  r.delete('/team/members/:id', async (req, res) => {
    const auth = allow(req, 'team.manage');
    await removeMember(db, auth, idParam(req, 'No such member.'), deps.now());
    res.json({ ok: true });
  });

  r.get('/invitations/:token', async (req, res) => {
    res.json({ invitation: await viewInvitation(db, String(req.params['token'] ?? ''), deps.now()) });
  });

  r.post('/invitations/:token/accept', async (req, res) => {
    const { name } = parseInput(AcceptInputSchema, req.body ?? {});
    const { userId, firmId } = await acceptInvitation(db, String(req.params['token'] ?? ''), name, deps.now());
    // A new session id at sign-in prevents session fixation.
    await regenerate(req);
    req.session.userId = userId;
    req.session.firmId = firmId;
    const token = csrfToken(req);
    res.json({ ok: true, csrfToken: token });
  });

  return r;
}
