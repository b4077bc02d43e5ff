/**
 * Team and roles end to end through the API (docs/decisions/017-team-and-roles.md), on PostgreSQL
 * and on PGlite, with the app's clock pinned: an administrator invites by email, the link comes
 * out of the captured mail, a fresh browser accepts it and is signed in with the role; the token
 * is stored only as its hash, works once and expires after 7 days; a manager invites collectors
 * and viewers only; a role change applies at the member's next request; a removed member's
 * session answers 401; each step is one audit entry naming who did it.
 */
import { createHash } from 'node:crypto';
import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Mailer, OutgoingMessage } from '../../integrations/email/transport';
import { manualClock } from '../../kernel/clock';
import { type Arcus, startArcus } from '../../root/runtime';
import { type Database, queryRows } from '../../server/db/client';
import { auditLog, invitations, memberships, sessions } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { apiClient } from '../support/app';
import { createFirm, memoryDatabase, testDatabase } from '../support/db';
import { seedFirm } from '../support/firm-data';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';

const START = '2026-12-07T09:00:00Z';

function capture(): { mailer: Mailer; sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    mailer: {
      async send(m) {
        sent.push(m);
        return { messageId: m.messageId, accepted: m.to, rejected: [], response: '250 OK' };
      },
      async close() {},
    },
  };
}

/** A signed-in API client from a written session (cookie + CSRF). */

function suite(name: 'PostgreSQL' | 'PGlite', open: () => Promise<Database>) {
  describeWith(name === 'PostgreSQL' ? 'pg' : [], `invitations — ${name}`, () => {
    let database: Database;
    let arcus: Arcus;
    const clock = manualClock(START);
    const mail = capture();
    let firmId: string;
    let orgId: string;
    let admin: ReturnType<typeof signedIn>;

    beforeAll(async () => {
      database = await open();
      arcus = await startArcus({
        env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir(`team-${name}`), ARCUS_DEMO: 'on', ARCUS_DEMO_CONNECT: 'off', LEDGER_SANDBOX: 'off', MAIL_FROM: 'Arcus <team@arcus.test>' },
        database,
        clock,
        mailer: mail.mailer,
        log: createLogger('silent'),
      });
      const { firm, user } = await createFirm(database, 'admin');
      firmId = firm.id;
      orgId = (await seedFirm(database.db, firmId, 'Team')).orgId;
      admin = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId }));
    }, 120_000);

    afterAll(async () => {
      await arcus?.close();
      if (name === 'PGlite') await database?.close();
    });

    /** Invites and returns the token from the link in the email. */
    async function invite(call: ReturnType<typeof signedIn>, body: Record<string, unknown>): Promise<string> {
      const before = mail.sent.length;
      const res = await call('/api/team/invitations', { method: 'POST', body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(mail.sent).toHaveLength(before + 1);
      const m = mail.sent.at(-1)!;
      expect(m.to).toEqual([String(body['email']).toLowerCase()]);
      const link = new RegExp(`${arcus.url}/invite/([A-Za-z0-9_-]{43})`).exec(m.text);
      expect(link, 'the email carries APP_URL/invite/<token>').not.toBeNull();
      expect(m.html).toContain(`/invite/${link![1]}`);
      return link![1]!;
    }

    it('invite → email → accept: signed in with the role; the token is kept only as a hash and works once', async () => {
      const token = await invite(admin, { email: 'Casey.Collector@Example.com', role: 'collector' });
      expect(mail.sent.at(-1)!.text).toContain('as a collector');
      const stored = await database.db.select().from(invitations).where(and(eq(invitations.firmId, firmId), eq(invitations.email, 'casey.collector@example.com')));
      expect(stored).toHaveLength(1);
      expect(stored[0]!.email).toBe('casey.collector@example.com');
      expect(stored[0]!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(stored[0]!.expiresAt.toISOString()).toBe('2026-12-14T09:00:00.000Z');

      const team = await admin('/api/team');
      expect(team.body.invitations.filter((i: { email: string }) => i.email === 'casey.collector@example.com').map((i: { roleName: string }) => i.roleName)).toEqual(['Collector']);

      const browser = apiClient(arcus.url);
      const s = await browser('/api/session');
      expect(s.body.user).toBeNull();
      const view = await browser(`/api/invitations/${token}`);
      expect(view.status).toBe(200);
      expect(view.body.invitation).toMatchObject({ email: 'casey.collector@example.com', roleName: 'Collector', needsName: true, expiresOn: '14 December 2026' });
      const noName = await browser(`/api/invitations/${token}/accept`, { method: 'POST', body: { name: '  ' }, csrf: s.body.csrfToken });
      expect(noName.status).toBe(400);
      const accepted = await browser(`/api/invitations/${token}/accept`, { method: 'POST', body: { name: 'Casey Collector' }, csrf: s.body.csrfToken });
      expect(accepted.status).toBe(200);
      const me = await browser('/api/session');
      expect(me.body.user).toMatchObject({ name: 'Casey Collector', email: 'casey.collector@example.com', role: 'collector', roleName: 'Collector' });
      expect(me.body.user.permissions).toContain('collect');
      expect(me.body.user.permissions).not.toContain('team.invite');
      expect(me.body.firm.id).toBe(firmId);

      // Used once: the same link again (another browser) is refused.
      const again = apiClient(arcus.url);
      const s2 = await again('/api/session');
      const reused = await again(`/api/invitations/${token}/accept`, { method: 'POST', body: { name: 'Mallory' }, csrf: s2.body.csrfToken });
      expect(reused.status).toBe(409);
      expect(reused.body.error.code).toBe('invitation_used');
      expect((await again('/api/session')).body.user).toBeNull();
      expect((await again(`/api/invitations/${'x'.repeat(43)}`)).status).toBe(404);

      const members = (await admin('/api/team')).body.members as { name: string; roleName: string }[];
      expect(members.map((m) => [m.name, m.roleName])).toContainEqual(['Casey Collector', 'Collector']);
      expect((await admin('/api/team')).body.invitations.filter((i: { email: string }) => i.email === 'casey.collector@example.com')).toEqual([]);
    });

    it('an invitation expires 7 days after it was sent, by the app’s clock', async () => {
      const token = await invite(admin, { email: 'late@example.com', role: 'viewer' });
      clock.advance(7 * 86_400_000 + 60_000);
      const browser = apiClient(arcus.url);
      const s = await browser('/api/session');
      const res = await browser(`/api/invitations/${token}/accept`, { method: 'POST', body: { name: 'Late Viewer' }, csrf: s.body.csrfToken });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('invitation_expired');
      expect(res.body.error.message).toContain('expired on 14 December 2026');
      expect((await browser('/api/session')).body.user).toBeNull();
      clock.set(START);
    });

    it('a withdrawn invitation cannot be accepted; a manager invites collectors and viewers only; a collector invites nobody', async () => {
      const token = await invite(admin, { email: 'withdrawn@example.com', role: 'viewer' });
      const [row] = await database.db.select().from(invitations).where(and(eq(invitations.firmId, firmId), eq(invitations.email, 'withdrawn@example.com')));
      expect((await admin(`/api/team/invitations/${row!.id}`, { method: 'DELETE' })).status).toBe(200);
      const browser = apiClient(arcus.url);
      const s = await browser('/api/session');
      const res = await browser(`/api/invitations/${token}/accept`, { method: 'POST', body: { name: 'W' }, csrf: s.body.csrfToken });
      expect(res.body.error.code).toBe('invitation_revoked');

      const m = await invite(admin, { email: 'morgan.manager@example.com', role: 'manager' });
      const mb = apiClient(arcus.url);
      const ms = await mb('/api/session');
      const acc = await mb(`/api/invitations/${m}/accept`, { method: 'POST', body: { name: 'Morgan Manager' }, csrf: ms.body.csrfToken });
      const manager = (p: string, init: { method?: string; body?: unknown } = {}) => mb(p, { ...init, csrf: acc.body.csrfToken });
      expect((await manager('/api/team/invitations', { method: 'POST', body: { email: 'boss@example.com', role: 'admin' } })).status).toBe(403);
      expect((await manager('/api/team/invitations', { method: 'POST', body: { email: 'vic@example.com', role: 'viewer' } })).status).toBe(201);
      const members = (await admin('/api/team')).body.members as { userId: string; name: string }[];
      const casey = members.find((x) => x.name === 'Casey Collector')!;
      expect((await manager(`/api/team/members/${casey.userId}`, { method: 'DELETE' })).status).toBe(403);
      // Bad input is refused with every problem in words.
      const bad = await admin('/api/team/invitations', { method: 'POST', body: { email: 'not-an-address', role: 'boss' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'role']);
    });

    it('a client contact is invited for their organisations and sees only those', async () => {
      const missing = await admin('/api/team/invitations', { method: 'POST', body: { email: 'claire@client.example', role: 'client_contact' } });
      expect(missing.status).toBe(400);
      const token = await invite(admin, { email: 'claire@client.example', role: 'client_contact', organisationIds: [orgId] });
      expect(mail.sent.at(-1)!.text).toContain('to see ');
      const browser = apiClient(arcus.url);
      const s = await browser('/api/session');
      expect((await browser(`/api/invitations/${token}`)).body.invitation.organisations).toHaveLength(1);
      const acc = await browser(`/api/invitations/${token}/accept`, { method: 'POST', body: { name: 'Claire Client' }, csrf: s.body.csrfToken });
      expect(acc.status).toBe(200);
      const me = await browser('/api/session');
      expect(me.body.user).toMatchObject({ role: 'client_contact', roleName: 'Client contact', permissions: ['organisation.read', 'client.approve', 'client.view', 'commissions.approve'] });
      const orgs = await browser('/api/organisations');
      expect(orgs.body.organisations.map((o: { id: string }) => o.id)).toEqual([orgId]);
      expect((await browser('/api/team')).status).toBe(403);
      const members = (await admin('/api/team')).body.members as { name: string; roleName: string; organisations: { id: string }[] }[];
      expect(members.find((x) => x.name === 'Claire Client')).toMatchObject({ roleName: 'Client contact', organisations: [{ id: orgId }] });
    });

    it('a role change applies at the member’s next request; a removed member’s session answers 401; each is one audit entry', async () => {
      const token = await invite(admin, { email: 'riley@example.com', role: 'collector' });
      const browser = apiClient(arcus.url);
      const s = await browser('/api/session');
      const acc = await browser(`/api/invitations/${token}/accept`, { method: 'POST', body: { name: 'Riley Roe' }, csrf: s.body.csrfToken });
      const csrf = acc.body.csrfToken as string;
      const riley = (await admin('/api/team')).body.members.find((x: { name: string }) => x.name === 'Riley Roe') as { userId: string };
      const note = { organisationId: orgId, contactExternalId: 'nobody', text: 'checking' };
      expect((await browser('/api/collector/note', { method: 'POST', body: note, csrf })).status).not.toBe(403);

      expect((await admin(`/api/team/members/${riley.userId}`, { method: 'PATCH', body: { role: 'viewer' } })).status).toBe(200);
      expect((await browser('/api/session')).body.user.roleName).toBe('Viewer');
      expect((await browser('/api/collector/note', { method: 'POST', body: note, csrf })).status).toBe(403);
      expect((await browser('/api/portfolio')).status).toBe(200);

      // Nobody changes their own role or removes themselves (the firm keeps its administrator).
      const adminId = (await admin('/api/session')).body.user.id as string;
      expect((await admin(`/api/team/members/${adminId}`, { method: 'DELETE' })).status).toBe(409);

      expect((await admin(`/api/team/members/${riley.userId}`, { method: 'DELETE' })).status).toBe(200);
      expect((await browser('/api/portfolio')).status).toBe(401);
      expect((await browser('/api/session')).body.user).toBeNull();
      const left = await queryRows(database.db, sql`SELECT 1 FROM sessions WHERE data->>'userId' = ${riley.userId}`);
      expect(left).toHaveLength(0);
      expect(await database.db.select().from(memberships).where(and(eq(memberships.firmId, firmId), eq(memberships.userId, riley.userId)))).toHaveLength(0);

      const entries = await database.db.select().from(auditLog).where(and(eq(auditLog.firmId, firmId), like(auditLog.action, 'member.%')));
      const about = entries.filter((e) => (e.details as { userId?: string }).userId === riley.userId);
      expect(about.map((e) => e.action).sort()).toEqual(['member.added', 'member.removed', 'member.role_changed']);
      expect(about.find((e) => e.action === 'member.role_changed')!).toMatchObject({ actorType: 'user', summary: 'Riley Roe is now a viewer (was a collector)' });
      expect(about.find((e) => e.action === 'member.removed')!.actorUserId).toBe(adminId);
      expect(about.find((e) => e.action === 'member.added')!.actorUserId).toBe(riley.userId);
      expect(entries.filter((e) => e.action === 'member.invited').length).toBeGreaterThanOrEqual(6);
      expect(entries.filter((e) => e.action === 'member.invitation_revoked')).toHaveLength(1);
      // No role key reaches a person: summaries say roles in words.
      for (const e of entries) expect(e.summary).not.toMatch(/client_contact|\bcollector\b.*\bcollector\b|\bas (admin|collector|viewer|manager)\b/);
      // No table keeps a session id or an invitation token in clear (sessions hold hashes).
      expect((await database.db.select({ sid: sessions.sid }).from(sessions)).every((r) => /^[0-9a-f]{64}$/.test(r.sid))).toBe(true);
    });
  });
}

suite('PostgreSQL', testDatabase);
suite('PGlite', memoryDatabase);
