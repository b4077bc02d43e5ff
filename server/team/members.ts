/**
 * The firm's members: who they are, their role and (client contacts) organisations; changing a role
 * and removing a member (administrators only). A member's role and organisations are read from the
 * database on every request (server/auth/current-user.ts), so a change applies from their next
 * request; removing a member also deletes their sessions in this firm, so their browser is signed
 * out at once. Each change is one audit entry naming who made it (the membership trigger of
 * migration 0015/0022 stands aside when the application records the change itself).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { conflict, notFound } from '../../kernel/errors';
import type { Auth } from '../auth/current-user';
import { ROLE_WORDS, ROLES, type Role } from '../auth/permissions';
import type { Db } from '../db/client';
import { asSystem } from '../db/firm-scope';
import { membershipOrganisations, memberships, organisations, sessions, users } from '../db/schema';
import { recordAudit } from '../privacy/audit';
import { organisationsFor } from './invitations';

export const MemberChangeSchema = z
  .object({
    role: z.enum(ROLES, { message: 'Choose a role.' }),
    organisationIds: z.array(z.uuid()).max(200).default([]),
  })
  .strict();
export type MemberChange = z.infer<typeof MemberChangeSchema>;

export interface MemberView {
  userId: string;
  name: string;
  email: string;
  role: Role;
  roleName: string;
  organisations: { id: string; name: string }[];
  since: Date;
  lastSignInAt: Date | null;
  you: boolean;
}

export async function listMembers(db: Db, auth: Auth): Promise<MemberView[]> {
  const rows = await db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, since: memberships.createdAt, lastSignInAt: users.lastSignInAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.firmId, auth.firmId))
    .orderBy(asc(users.name), asc(users.id));
  const links = await db
    .select({ userId: membershipOrganisations.userId, id: organisations.id, name: organisations.name })
    .from(membershipOrganisations)
    .innerJoin(organisations, eq(organisations.id, membershipOrganisations.organisationId))
    .where(eq(membershipOrganisations.firmId, auth.firmId))
    .orderBy(asc(organisations.name));
  return rows.map((r) => ({ ...r, roleName: ROLE_WORDS[r.role].name, organisations: links.filter((l) => l.userId === r.userId).map(({ id, name }) => ({ id, name })), you: r.userId === auth.userId }));
}

async function memberOf(db: Db, firmId: string, userId: string) {
  const [row] = await db
    .select({ role: memberships.role, name: users.name })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.firmId, firmId), eq(memberships.userId, userId)));
  if (!row) throw notFound('No such member.');
  return row;
}

const actorOf = (auth: Auth) => ({ userId: auth.userId, name: auth.userName, type: 'user' as const });

/** A new role (and a client contact's organisations). Nobody changes their own role: the firm always keeps the administrator making changes. */
export async function changeMember(db: Db, auth: Auth, userId: string, change: MemberChange, now: Date): Promise<void> {
  if (userId === auth.userId) throw conflict('You cannot change your own role. Ask another administrator.', 'own_membership');
  const member = await memberOf(db, auth.firmId, userId);
  const orgs = await organisationsFor(db, auth.firmId, change.role, change.organisationIds);
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('app.audit_by_app', 'on', true)`);
    await tx.update(memberships).set({ role: change.role }).where(and(eq(memberships.firmId, auth.firmId), eq(memberships.userId, userId)));
    await tx.delete(membershipOrganisations).where(and(eq(membershipOrganisations.firmId, auth.firmId), eq(membershipOrganisations.userId, userId)));
    if (orgs.length) await tx.insert(membershipOrganisations).values(orgs.map((o) => ({ firmId: auth.firmId, userId, organisationId: o.id })));
    const roleChanged = member.role !== change.role;
    await recordAudit(
      tx as unknown as Db,
      actorOf(auth),
      roleChanged
        ? { firmId: auth.firmId, action: 'member.role_changed', summary: `${member.name} is now ${ROLE_WORDS[change.role].withArticle} (was ${ROLE_WORDS[member.role].withArticle})`, details: { userId, from: member.role, to: change.role } }
        : { firmId: auth.firmId, action: 'member.organisations_changed', summary: `${member.name} now sees ${orgs.length ? orgs.map((o) => o.name).join(', ') : 'every organisation'}`, details: { userId } },
      now,
    );
  });
}

/** Removes the member from the firm and ends their sessions in it (other firms' sessions are theirs to keep). */
export async function removeMember(db: Db, auth: Auth, userId: string, now: Date): Promise<void> {
  if (userId === auth.userId) throw conflict('You cannot remove yourself. Ask another administrator.', 'own_membership');
  const member = await memberOf(db, auth.firmId, userId);
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('app.audit_by_app', 'on', true)`);
    await tx.delete(memberships).where(and(eq(memberships.firmId, auth.firmId), eq(memberships.userId, userId)));
    await recordAudit(tx as unknown as Db, actorOf(auth), { firmId: auth.firmId, action: 'member.removed', summary: `${member.name} (${ROLE_WORDS[member.role].withArticle}) was removed from the firm`, details: { userId, role: member.role } }, now);
  });
  await endSessions(db, auth.firmId, userId);
}

/** Deletes a member's sessions in one firm. Sessions belong to no firm: the store's table is the system's (docs/decisions/007). */
export async function endSessions(db: Db, firmId: string, userId: string): Promise<number> {
  const gone = await asSystem(() => db.delete(sessions).where(and(sql`${sessions.data}->>'userId' = ${userId}`, sql`${sessions.data}->>'firmId' = ${firmId}`)).returning({ sid: sessions.sid }));
  return gone.length;
}
