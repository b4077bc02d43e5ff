/**
 * Invitations (docs/decisions/017-team-and-roles.md): an administrator — or a manager, for
 * collectors and viewers — invites a person by email with a role (and, for a client contact, the
 * organisations they may see). The email carries `APP_URL/invite/<token>`; the token is random,
 * stored only as its hash, valid for 7 days by the app's clock, and used once. Accepting creates
 * the user (or, when the address already has one, adds the membership to it) and signs them in.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { classifySmtpError } from '../../integrations/email/transport';
import { longDate } from '../../kernel/dates';
import { conflict, DomainError, forbidden, invalidField, notFound, unavailable } from '../../kernel/errors';
import type { Auth } from '../auth/current-user';
import { INVITABLE, ROLE_WORDS, ROLES, type Role } from '../auth/permissions';
import type { Db } from '../db/client';
import { asSystem } from '../db/firm-scope';
import { firms, invitations, membershipOrganisations, memberships, organisations, users } from '../db/schema';
import { FIRM_HEADER } from '../email/embedded';
import { recordAudit } from '../privacy/audit';
import { mailAddress, mailDomain } from '../reminders/deps';
import { escapeHtml } from '../reminders/merge';
import type { MailServices } from '../services';
import { INVITATION_TTL_MS, invitationTokenHash, looksLikeToken, newInvitationToken, sameTokenHash } from './tokens';

export const InvitationInputSchema = z
  .object({
    email: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ message: 'Enter an email address such as name@example.com.' }))
      .transform((e) => e.toLowerCase()),
    role: z.enum(ROLES, { message: 'Choose a role.' }),
    organisationIds: z.array(z.uuid()).max(200).default([]),
  })
  .strict();
export type InvitationInput = z.infer<typeof InvitationInputSchema>;

export const AcceptInputSchema = z.object({ name: z.string().trim().min(1, { message: 'Enter your name.' }).max(200) }).strict();

/** Organisations of the caller's firm, checked for a client contact; none for anyone else. */
export async function organisationsFor(db: Db, firmId: string, role: Role, ids: readonly string[]): Promise<{ id: string; name: string }[]> {
  const unique = [...new Set(ids)];
  if (role !== 'client_contact') {
    if (unique.length) throw invalidField('organisationIds', 'Only a client contact is limited to some organisations.');
    return [];
  }
  if (!unique.length) throw invalidField('organisationIds', 'Choose the organisations this client contact may see.');
  const found = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(and(eq(organisations.firmId, firmId), inArray(organisations.id, unique)));
  if (found.length !== unique.length) throw invalidField('organisationIds', 'Choose organisations of this firm.');
  return found;
}

export interface InviteDeps {
  db: Db;
  mail: MailServices;
  /** The public base URL the link is built on. */
  appUrl: string;
  now: () => Date;
}

/** Creates the invitation and emails its link; an earlier pending invitation to the same address is replaced. */
export async function createInvitation(deps: InviteDeps, auth: Auth, input: InvitationInput): Promise<{ id: string; expiresAt: Date }> {
  const { db } = deps;
  if (!INVITABLE[auth.role].includes(input.role)) throw forbidden(auth.role === 'manager' ? 'A manager can invite collectors and viewers; ask an administrator for other roles.' : 'Only a manager or an administrator can invite people.');
  const orgs = await organisationsFor(db, auth.firmId, input.role, input.organisationIds);
  const existing = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.firmId, auth.firmId), sql`lower(${users.email}) = ${input.email}`))
    .limit(1);
  if (existing.length) throw conflict('This person is already a member of the firm.', 'already_member');

  const now = deps.now();
  const token = newInvitationToken();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  const id = await db.transaction(async (tx) => {
    await tx
      .update(invitations)
      .set({ revokedAt: now })
      .where(and(eq(invitations.firmId, auth.firmId), sql`lower(${invitations.email}) = ${input.email}`, isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
    const [row] = await tx
      .insert(invitations)
      .values({ firmId: auth.firmId, email: input.email, role: input.role, organisationIds: orgs.map((o) => o.id), tokenHash: invitationTokenHash(token), invitedByUserId: auth.userId, expiresAt, createdAt: now })
      .returning({ id: invitations.id });
    await recordAudit(
      tx as unknown as Db,
      { userId: auth.userId, name: auth.userName, type: 'user' },
      { firmId: auth.firmId, action: 'member.invited', summary: `Invited a new member as ${ROLE_WORDS[input.role].withArticle}${orgs.length ? ` for ${orgs.map((o) => o.name).join(', ')}` : ''}`, details: { invitationId: row!.id, role: input.role } },
      now,
    );
    return row!.id;
  });

  try {
    await sendInvitationEmail(deps, { id, firmId: auth.firmId, firmName: auth.firmName, inviter: auth.userName, to: input.email, role: input.role, token, expiresAt, organisations: orgs.map((o) => o.name) });
  } catch (err) {
    // An invitation nobody received is withdrawn, so it cannot be accepted by whoever finds it later.
    await db.update(invitations).set({ revokedAt: deps.now() }).where(eq(invitations.id, id));
    throw unavailable(classifySmtpError(err).kind === 'permanent' ? 'The mail server refused this address. Check it and try again.' : 'The invitation email could not be sent. Try again in a few minutes.');
  }
  return { id, expiresAt };
}

async function sendInvitationEmail(
  deps: InviteDeps,
  p: { id: string; firmId: string; firmName: string; inviter: string; to: string; role: Role; token: string; expiresAt: Date; organisations: string[] },
): Promise<void> {
  const link = `${deps.appUrl.replace(/\/+$/, '')}/invite/${p.token}`;
  const what = p.role === 'client_contact' ? `to see ${p.organisations.join(', ')} in Arcus, where ${p.firmName} runs credit control for you` : `to join ${p.firmName} in Arcus as ${ROLE_WORDS[p.role].withArticle}`;
  const lines = [`${p.inviter} invited you ${what}.`, '', `Accept the invitation: ${link}`, '', `The link works once and until ${longDate(p.expiresAt.toISOString().slice(0, 10))}. If you did not expect it, ignore this email.`];
  const name = `${p.firmName} via Arcus`.replace(/["\\\r\n]/g, '');
  await deps.mail.mailer.send({
    messageId: `<invitation.${p.id}@${mailDomain(deps.mail.from)}>`,
    from: `"${name}" <${mailAddress(deps.mail.from)}>`,
    to: [p.to],
    subject: `Invitation to ${p.firmName} in Arcus`,
    text: lines.join('\n'),
    html: [`<p>${escapeHtml(lines[0]!)}</p>`, `<p><a href="${escapeHtml(link)}">Accept the invitation</a></p>`, `<p>${escapeHtml(lines[4]!)}</p>`].join('\n'),
    headers: deps.mail.embedded ? { [FIRM_HEADER]: p.firmId } : {},
  });
}

/** Withdraws a pending invitation (a manager: only those for roles they may invite). */
export async function revokeInvitation(db: Db, auth: Auth, id: string, now: Date): Promise<void> {
  const [row] = await db.select().from(invitations).where(and(eq(invitations.firmId, auth.firmId), eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
  if (!row) throw notFound('No such invitation, or it was already accepted or withdrawn.');
  if (!INVITABLE[auth.role].includes(row.role)) throw forbidden('A manager can withdraw invitations of collectors and viewers only.');
  await db.transaction(async (tx) => {
    await tx.update(invitations).set({ revokedAt: now }).where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
    await recordAudit(tx as unknown as Db, { userId: auth.userId, name: auth.userName, type: 'user' }, { firmId: auth.firmId, action: 'member.invitation_revoked', summary: `Withdrew an invitation for ${ROLE_WORDS[row.role].withArticle}`, details: { invitationId: id, role: row.role } }, now);
  });
}

const NOT_VALID = 'This invitation link is not valid. Ask the person who invited you for a new one.';

/** A presented token's invitation, as the system (a public credential, like a pay token): pending and unexpired, or a sentence why not. */
async function findByToken(db: Db, token: string, now: Date) {
  if (!looksLikeToken(token)) throw notFound(NOT_VALID, 'invitation_not_found');
  const hash = invitationTokenHash(token);
  const [row] = await asSystem(() => db.select({ inv: invitations, firmName: firms.name }).from(invitations).innerJoin(firms, eq(firms.id, invitations.firmId)).where(eq(invitations.tokenHash, hash)));
  if (!row || !sameTokenHash(row.inv.tokenHash, hash)) throw notFound(NOT_VALID, 'invitation_not_found');
  if (row.inv.revokedAt) throw new DomainError('conflict', 'This invitation was withdrawn. Ask the person who invited you for a new one.', { code: 'invitation_revoked' });
  if (row.inv.acceptedAt) throw new DomainError('conflict', 'This invitation was already accepted. Sign in instead, or ask for a new invitation.', { code: 'invitation_used' });
  if (row.inv.expiresAt.getTime() <= now.getTime()) throw new DomainError('conflict', `This invitation expired on ${longDate(row.inv.expiresAt.toISOString().slice(0, 10))}. Ask the person who invited you for a new one.`, { code: 'invitation_expired' });
  return row;
}

export interface InvitationView {
  firmName: string;
  email: string;
  roleName: string;
  organisations: string[];
  expiresOn: string;
  /** False when the address already has an Arcus user: their name is kept. */
  needsName: boolean;
}

/** What the invitation page shows before accepting. */
export async function viewInvitation(db: Db, token: string, now: Date): Promise<InvitationView> {
  const { inv, firmName } = await findByToken(db, token, now);
  const orgs = inv.organisationIds.length ? await asSystem(() => db.select({ name: organisations.name }).from(organisations).where(and(eq(organisations.firmId, inv.firmId), inArray(organisations.id, inv.organisationIds))).orderBy(asc(organisations.name))) : [];
  const [user] = await asSystem(() => db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${inv.email}`).limit(1));
  return { firmName, email: inv.email, roleName: ROLE_WORDS[inv.role].name, organisations: orgs.map((o) => o.name), expiresOn: longDate(inv.expiresAt.toISOString().slice(0, 10)), needsName: !user };
}

/**
 * Accepts once: the invitation is claimed by one guarded UPDATE (a second, concurrent accept finds
 * it taken), then the user is found by address or created, the membership and a client contact's
 * organisations added, and the acceptance recorded — one transaction, as the system: a user row
 * belongs to no firm and may already exist in another (docs/decisions/017).
 */
export async function acceptInvitation(db: Db, token: string, name: string, now: Date): Promise<{ userId: string; firmId: string }> {
  const { inv } = await findByToken(db, token, now);
  const result = await asSystem(() =>
    db.transaction(async (tx) => {
      const claimed = await tx
        .update(invitations)
        .set({ acceptedAt: now })
        .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), sql`${invitations.expiresAt} > ${now.toISOString()}`))
        .returning({ id: invitations.id });
      if (!claimed.length) return null;
      // The application records this change itself, with its actor: the membership trigger stands aside.
      await tx.execute(sql`SELECT set_config('app.audit_by_app', 'on', true)`);
      let [user] = await tx.select().from(users).where(sql`lower(${users.email}) = ${inv.email}`).orderBy(asc(users.createdAt)).limit(1);
      if (!user) [user] = await tx.insert(users).values({ email: inv.email, name, authProvider: 'invitation', authSubject: inv.id, lastSignInAt: now }).returning();
      else await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
      const added = await tx.insert(memberships).values({ firmId: inv.firmId, userId: user!.id, role: inv.role }).onConflictDoNothing().returning({ id: memberships.id });
      if (!added.length) throw conflict('You are already a member of this firm. Sign in instead.', 'already_member');
      // A client contact's organisations that still exist (one may have been deleted since the invitation).
      const orgIds = inv.role === 'client_contact' && inv.organisationIds.length ? (await tx.select({ id: organisations.id }).from(organisations).where(and(eq(organisations.firmId, inv.firmId), inArray(organisations.id, inv.organisationIds)))).map((o) => o.id) : [];
      if (orgIds.length) await tx.insert(membershipOrganisations).values(orgIds.map((organisationId) => ({ firmId: inv.firmId, userId: user!.id, organisationId })));
      await tx.update(invitations).set({ acceptedUserId: user!.id }).where(eq(invitations.id, inv.id));
      await recordAudit(tx as unknown as Db, { userId: user!.id, name: user!.name, type: 'user' }, { firmId: inv.firmId, action: 'member.added', summary: `${user!.name} accepted an invitation and joined the firm as ${ROLE_WORDS[inv.role].withArticle}`, details: { userId: user!.id, role: inv.role, invitationId: inv.id } }, now);
      return { userId: user!.id, firmId: inv.firmId };
    }),
  );
  if (!result) throw new DomainError('conflict', 'This invitation was already accepted. Sign in instead, or ask for a new invitation.', { code: 'invitation_used' });
  return result;
}

/** Pending invitations of the firm (expired ones too, marked), for the Team screen. */
export async function listPendingInvitations(db: Db, firmId: string, now: Date) {
  const rows = await db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, organisationIds: invitations.organisationIds, expiresAt: invitations.expiresAt, createdAt: invitations.createdAt, invitedBy: users.name })
    .from(invitations)
    .leftJoin(users, eq(users.id, invitations.invitedByUserId))
    .where(and(eq(invitations.firmId, firmId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
    .orderBy(asc(invitations.createdAt));
  return rows.map((r) => ({ ...r, roleName: ROLE_WORDS[r.role].name, expired: r.expiresAt.getTime() <= now.getTime(), expiresOn: longDate(r.expiresAt.toISOString().slice(0, 10)) }));
}

