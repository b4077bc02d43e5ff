/**
 * Who is calling: the signed-in user, their firm and role, loaded from the database on every
 * request so a removed membership takes effect at once. Every data query downstream is
 * scoped by `auth.firmId`.
 */
import { and, eq } from 'drizzle-orm';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/client';
import { asSystem, withFirm, withoutFirm } from '../db/firm-scope';
import { firms, memberships, users } from '../db/schema';
import { forbidden, unauthorized } from '../../kernel/errors';

export type Role = 'admin' | 'collector' | 'viewer';

export interface Auth {
  userId: string;
  firmId: string;
  role: Role;
  userName: string;
  userEmail: string;
  firmName: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: Auth;
  }
}

/** The membership behind a session: a pre-auth lookup, so as the system (docs/decisions/007). */
export async function loadAuth(db: Db, userId: string, firmId: string): Promise<Auth | null> {
  const rows = await asSystem(() =>
    db
      .select({ role: memberships.role, userName: users.name, userEmail: users.email, firmName: firms.name })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .innerJoin(firms, eq(firms.id, memberships.firmId))
      .where(and(eq(memberships.userId, userId), eq(memberships.firmId, firmId)))
      .limit(1),
  );
  const row = rows[0];
  return row ? { userId, firmId, ...row } : null;
}

/**
 * Loads the caller and runs the rest of the request as their firm: every query downstream runs
 * under row-level security for `auth.firmId`. Without a caller, as no firm (firm tables read empty).
 */
export function attachAuth(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const { userId, firmId } = req.session ?? {};
    if (userId && firmId) req.auth = (await loadAuth(db, userId, firmId)) ?? undefined;
    if (req.auth) withFirm(req.auth.firmId, next);
    else withoutFirm(next);
  };
}

export function requireAuth(req: Request): Auth {
  if (!req.auth) throw unauthorized('Sign in to continue.', 'unauthenticated');
  return req.auth;
}

const RANK: Record<Role, number> = { viewer: 0, collector: 1, admin: 2 };
/** Who may do a thing, in words (a role's key is never shown). */
const NEEDS: Record<Role, string> = { viewer: 'Only people in this firm can do this.', collector: 'Only a collector or an administrator can do this.', admin: 'Only an administrator can do this.' };

export function requireRole(req: Request, role: Role): Auth {
  const auth = requireAuth(req);
  if (RANK[auth.role] < RANK[role]) throw forbidden(NEEDS[role]);
  return auth;
}
