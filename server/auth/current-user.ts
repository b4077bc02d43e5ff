/**
 * Who is calling: the signed-in user, their firm and role, loaded from the database on every
 * request so a removed membership takes effect at once. Every data query downstream is
 * scoped by `auth.firmId`.
 */
import { and, eq } from 'drizzle-orm';
import type { Request, RequestHandler } from 'express';
import type { Db } from '../db/client';
import { asSystem, withFirm, withoutFirm } from '../db/firm-scope';
import { firms, membershipOrganisations, memberships, users } from '../db/schema';
import { unauthorized } from '../../kernel/errors';
import { allow, type PermissionName, type Role } from './permissions';

export type { Role } from './permissions';

export interface Auth {
  userId: string;
  firmId: string;
  role: Role;
  /** A client contact's (or salesperson's) organisations (their membership's links); null for the firm's staff: every organisation. */
  organisationIds: string[] | null;
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
  if (!row) return null;
  // A client contact sees only the organisations their membership is linked to (docs/decisions/017).
  // A salesperson sees no organisation's figures, only their own statements (docs/decisions/036): never null.
  const organisationIds =
    row.role === 'client_contact' || row.role === 'salesperson'
      ? (await asSystem(() => db.select({ id: membershipOrganisations.organisationId }).from(membershipOrganisations).where(and(eq(membershipOrganisations.firmId, firmId), eq(membershipOrganisations.userId, userId))))).map((r) => r.id)
      : null;
  return { userId, firmId, ...row, organisationIds };
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

/**
 * @deprecated Name a permission instead: `allow(req, 'firm.read')` (server/auth/permissions.ts).
 * Kept for routes not yet converted; it admits the firm's staff only (never a client contact), so
 * a route that uses it cannot show a client contact another organisation.
 */
export function requireAuth(req: Request): Auth {
  if (!req.auth) throw unauthorized('Sign in to continue.', 'unauthenticated');
  return allow(req, 'firm.read');
}

const LEGACY: Record<'admin' | 'collector' | 'viewer', PermissionName> = { admin: 'settings.manage', collector: 'collect', viewer: 'firm.read' };

/** @deprecated Name a permission instead (server/auth/permissions.ts); this maps the old ranks onto it. */
export function requireRole(req: Request, role: 'admin' | 'collector' | 'viewer'): Auth {
  return allow(req, LEGACY[role]);
}
