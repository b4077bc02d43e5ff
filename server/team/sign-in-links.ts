/**
 * Sign-in links by email (docs/decisions/024-client-approvals.md): for client contacts and any
 * member with no Xero or Intuit sign-in of their own. Whoever asks gets the same answer whether or
 * not the address belongs to anyone; a member gets one email per firm they belong to, carrying
 * `APP_URL/magic/<token>`. The token is 32 random bytes (as invitations', server/team/tokens.ts),
 * stored only as SHA-256, looked up by the hash and compared again in constant time, valid for 15
 * minutes by the app's clock and used once (a guarded UPDATE). A membership is sent at most one
 * link a minute, so the form cannot be used to flood someone's inbox.
 */
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import type { Db } from '../db/client';
import { asSystem } from '../db/firm-scope';
import { firms, memberships, signInLinks, users } from '../db/schema';
import { FIRM_HEADER } from '../email/embedded';
import type { Logger } from '../logger';
import { mailAddress, mailDomain } from '../reminders/deps';
import { escapeHtml } from '../reminders/merge';
import type { MailServices } from '../services';
import { invitationTokenHash, looksLikeToken, newInvitationToken, sameTokenHash } from './tokens';

export const SIGN_IN_LINK_MINUTES = 15;
export const SIGN_IN_LINK_TTL_MS = SIGN_IN_LINK_MINUTES * 60_000;
/** At most one link per membership in this window. */
const RESEND_AFTER_MS = 60_000;

/** What the sign-in page says after a request, whoever asked. */
export const SIGN_IN_LINK_ANSWER = 'If that address belongs to someone at a firm, a link is on its way. It works once, for 15 minutes.';

export const SignInLinkRequestSchema = z
  .object({
    email: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ message: 'Enter an email address such as name@example.com.' }))
      .transform((e) => e.toLowerCase()),
  })
  .strict();

export interface SignInLinkDeps {
  db: Db;
  mail: MailServices;
  appUrl: string;
  now: () => Date;
  log: Logger;
}

/**
 * Emails a link to each membership of the address (as the system: nobody is signed in yet). Never
 * says whether the address is known; a mail that fails is logged (without the address) and the
 * answer is the same.
 */
export async function requestSignInLink(deps: SignInLinkDeps, email: string): Promise<void> {
  const now = deps.now();
  const members = await asSystem(() =>
    deps.db
      .select({ userId: users.id, firmId: memberships.firmId, firmName: firms.name, name: users.name, email: users.email })
      .from(users)
      .innerJoin(memberships, eq(memberships.userId, users.id))
      .innerJoin(firms, eq(firms.id, memberships.firmId))
      .where(sql`lower(${users.email}) = ${email}`)
      .orderBy(asc(users.createdAt)),
  );
  for (const m of members) {
    const token = newInvitationToken();
    const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_TTL_MS);
    const created = await asSystem(() =>
      deps.db.transaction(async (tx) => {
        // One link a minute per membership; the guard and the insert in one transaction, locked on the membership.
        await tx.execute(sql`SELECT 1 FROM memberships WHERE firm_id = ${m.firmId}::uuid AND user_id = ${m.userId}::uuid FOR UPDATE`);
        const recent = await tx
          .select({ at: signInLinks.createdAt })
          .from(signInLinks)
          .where(and(eq(signInLinks.firmId, m.firmId), eq(signInLinks.userId, m.userId), gt(signInLinks.createdAt, new Date(now.getTime() - RESEND_AFTER_MS))))
          .limit(1);
        if (recent.length) return false;
        await tx.insert(signInLinks).values({ firmId: m.firmId, userId: m.userId, tokenHash: invitationTokenHash(token), expiresAt, createdAt: now });
        return true;
      }),
    );
    if (!created) continue;
    try {
      await sendSignInLinkEmail(deps, { firmId: m.firmId, firmName: m.firmName, name: m.name, to: m.email, token });
    } catch (err) {
      deps.log.warn({ firmId: m.firmId, userId: m.userId, err: err instanceof Error ? err.name : 'error' }, 'a sign-in link email could not be sent');
    }
  }
}

async function sendSignInLinkEmail(deps: SignInLinkDeps, p: { firmId: string; firmName: string; name: string; to: string; token: string }): Promise<void> {
  const link = `${deps.appUrl.replace(/\/+$/, '')}/magic/${p.token}`;
  const lines = [`Hello ${p.name},`, '', `Sign in to ${p.firmName} in Arcus: ${link}`, '', `The link works once, for ${SIGN_IN_LINK_MINUTES} minutes. If you did not ask for it, ignore this email: nobody can sign in without it.`];
  const name = `${p.firmName} via Arcus`.replace(/["\\\r\n]/g, '');
  await deps.mail.mailer.send({
    messageId: `<sign-in.${invitationTokenHash(p.token).slice(0, 24)}@${mailDomain(deps.mail.from)}>`,
    from: `"${name}" <${mailAddress(deps.mail.from)}>`,
    to: [p.to],
    subject: `Your sign-in link for ${p.firmName}`,
    text: lines.join('\n'),
    html: [`<p>${escapeHtml(lines[0]!)}</p>`, `<p><a href="${escapeHtml(link)}">Sign in to ${escapeHtml(p.firmName)}</a></p>`, `<p>${escapeHtml(lines[4]!)}</p>`].join('\n'),
    headers: deps.mail.embedded ? { [FIRM_HEADER]: p.firmId } : {},
  });
}

const NOT_VALID = 'This sign-in link is not valid: it was used already or it expired. Ask for a new one on the sign-in page.';

/** Uses a link once: the membership it signs in to, or 404 in words (unknown, used and expired answer alike). */
export async function useSignInLink(db: Db, token: string, now: Date): Promise<{ userId: string; firmId: string }> {
  if (!looksLikeToken(token)) throw notFound(NOT_VALID, 'sign_in_link_not_valid');
  const hash = invitationTokenHash(token);
  return asSystem(async () => {
    const [row] = await db.select({ firmId: signInLinks.firmId, tokenHash: signInLinks.tokenHash }).from(signInLinks).where(eq(signInLinks.tokenHash, hash)).limit(1);
    if (!row || !sameTokenHash(row.tokenHash, hash)) throw notFound(NOT_VALID, 'sign_in_link_not_valid');
    const [used] = await db
      .update(signInLinks)
      .set({ usedAt: now })
      .where(and(eq(signInLinks.firmId, row.firmId), eq(signInLinks.tokenHash, hash), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now)))
      .returning({ userId: signInLinks.userId, firmId: signInLinks.firmId });
    if (!used) throw notFound(NOT_VALID, 'sign_in_link_not_valid');
    await db.update(users).set({ lastSignInAt: now }).where(eq(users.id, used.userId));
    return used;
  });
}
