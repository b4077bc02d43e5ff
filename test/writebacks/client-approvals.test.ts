/**
 * The client in the loop, end to end over HTTP against the in-process sandbox ledger
 * (docs/decisions/024-client-approvals.md): an organisation whose policy says late fees need its
 * client holds a late fee as waiting for the client; neither an administrator nor a collector can
 * decide for the client (403, and the staff batch approval skips it); the client contact signs in
 * with the link taken from the captured mail, sees the fee in words and approves it; it is written
 * to the sandbox ledger once and the timeline says who approved. A declined fee is never written; a
 * client contact of another organisation gets 404. Sign-in links: the same answer for any address,
 * only the hash stored, single use, 15 minutes by the injected clock.
 */
import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Mailer, OutgoingMessage } from '../../integrations/email/transport';
import { todayIn } from '../../kernel/dates';
import { type Arcus, startArcus } from '../../root/runtime';
import { updateCollectionsPolicy } from '../../server/collections/policy';
import type { Database } from '../../server/db/client';
import { invoices, membershipOrganisations, memberships, organisations, signInLinks, syncRuns, users, writebacks } from '../../server/db/schema';
import { connectSandboxCompany } from '../../server/embedded/demo-connect';
import { createLogger } from '../../server/logger';
import type { OAuthDeps } from '../../server/oauth/flow';
import { requestSync } from '../../server/sync/request';
import { useSignInLink } from '../../server/team/sign-in-links';
import { apiClient } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';
import { until } from '../support/until';

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


describeWith('pg', 'client approvals end to end (sandbox ledger)', () => {
  let database: Database;
  let arcus: Arcus;
  const mail = capture();
  let firmId = '';
  let orgId = '';
  let otherOrgId = '';
  let companyId = '';
  let admin: ReturnType<typeof signedIn>;
  let collector: ReturnType<typeof signedIn>;
  const suffix = Math.random().toString(36).slice(2, 8);
  const clara = `clara-${suffix}@client.example`;
  const otto = `otto-${suffix}@other.example`;
  let open: { id: string; number: string | null; externalId: string; currency: string }[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('client-approvals'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'on', SANDBOX_SEED: '1717', MAIL_FROM: 'Arcus <arcus@arcus.test>' },
      database,
      mailer: mail.mailer,
      log: createLogger('silent'),
    });
    const made = await createFirm(database, 'admin');
    firmId = made.firm.id;
    const sandbox = arcus.sandbox!.sandbox;
    companyId = sandbox.companyIds.find((id) => sandbox.ctx.store.company(id).provider === 'xero')!;
    const deps: OAuthDeps = {
      db: database.db,
      log: arcus.log,
      factory: arcus.factory,
      tokenKey: arcus.config.tokenEncryptionKey,
      requestSync: (id, kind) => requestSync(arcus.queue, database.db, { organisationId: id, kind }),
      sessionSecret: arcus.config.sessionSecret,
      publicUrl: () => arcus.url,
    };
    orgId = (await connectSandboxCompany(deps, { firmId, provider: 'xero', companyId })).connected[0]!.organisationId;
    await until(async () => {
      const [run] = await database.db.select().from(syncRuns).where(eq(syncRuns.organisationId, orgId)).orderBy(desc(syncRuns.createdAt)).limit(1);
      return run?.status === 'succeeded' ? run : undefined;
    }, 90_000);
    const [org] = await database.db.select().from(organisations).where(eq(organisations.id, orgId));
    const today = todayIn(org!.timezone, arcus.clock.now());
    open = await database.db
      .select({ id: invoices.id, number: invoices.number, externalId: invoices.externalId, currency: invoices.currency })
      .from(invoices)
      .where(and(eq(invoices.organisationId, orgId), eq(invoices.status, 'authorised'), sql`${invoices.dueDate} < ${today}::date`, sql`${invoices.amountDue} >= 50`))
      .limit(2);
    expect(open).toHaveLength(2);
    const [other] = await database.db.insert(organisations).values({ firmId, provider: 'quickbooks', externalId: `other-${suffix}`, name: 'Other Client Ltd', baseCurrency: 'GBP', timezone: 'Europe/London' }).returning();
    otherOrgId = other!.id;
    await updateCollectionsPolicy(database.db, firmId, { lateFees: { enabled: false, kind: 'flat', amount: '15.00', graceDays: 0, period: 'once', post: 'invoice' } });
    // Two client contacts: Clara for the connected organisation, Otto for the other one only.
    for (const [email, name, org] of [
      [clara, 'Clara Client', orgId],
      [otto, 'Otto Other', otherOrgId],
    ] as const) {
      const [u] = await database.db.insert(users).values({ email, name, authProvider: 'invitation', authSubject: `${email}-sub` }).returning();
      await database.db.insert(memberships).values({ firmId, userId: u!.id, role: 'client_contact' });
      await database.db.insert(membershipOrganisations).values({ firmId, userId: u!.id, organisationId: org });
    }
    admin = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: made.user.id, firmId }));
    const [cu] = await database.db.insert(users).values({ email: `col-${suffix}@firm.example`, name: 'Cole Collector', authProvider: 'test', authSubject: `col-${suffix}` }).returning();
    await database.db.insert(memberships).values({ firmId, userId: cu!.id, role: 'collector' });
    collector = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: cu!.id, firmId }));
  }, 180_000);

  afterAll(async () => {
    if (firmId) await database.db.update(organisations).set({ status: 'disconnected' }).where(eq(organisations.firmId, firmId));
    await arcus?.close();
  }, 120_000);

  /** A fresh browser that asks for a sign-in link for `email` and opens the one in the mail. */
  async function signInByLink(email: string) {
    const browser = apiClient(arcus.url);
    const csrf = (await browser('/api/session')).body.csrfToken;
    const before = mail.sent.length;
    const asked = await browser('/api/auth/sign-in-link', { method: 'POST', body: { email: email.toUpperCase() }, csrf });
    expect(asked.status).toBe(202);
    expect(asked.body.message).toBe('If that address belongs to someone at a firm, a link is on its way. It works once, for 15 minutes.');
    const m = mail.sent.slice(before).find((x) => x.to.includes(email));
    expect(m).toBeDefined();
    const token = /\/magic\/([A-Za-z0-9_-]{43})\b/.exec(m!.text ?? '')![1]!;
    expect(m!.text).toContain(`${arcus.url}/magic/${token}`);
    const used = await browser(`/api/auth/sign-in-link/${token}`, { method: 'POST', csrf });
    expect(used.status).toBe(200);
    const session = await browser('/api/session');
    expect(session.body.user).toMatchObject({ email, roleName: 'Client contact' });
    const c = used.body.csrfToken as string;
    return { token, call: (p: string, init: { method?: string; body?: unknown } = {}) => browser(p, { ...init, csrf: c }) };
  }

  it('sign-in links: the same answer for anyone, only the hash stored, once, for 15 minutes', async () => {
    const browser = apiClient(arcus.url);
    const csrf = (await browser('/api/session')).body.csrfToken;
    const before = mail.sent.length;
    const unknown = await browser('/api/auth/sign-in-link', { method: 'POST', body: { email: `nobody-${suffix}@nowhere.example` }, csrf });
    const known = await browser('/api/auth/sign-in-link', { method: 'POST', body: { email: clara }, csrf });
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(unknown.body).toEqual(known.body);
    const sent = mail.sent.slice(before);
    expect(sent.map((m) => m.to)).toEqual([[clara]]);
    const token = /\/magic\/([A-Za-z0-9_-]{43})\b/.exec(sent[0]!.text ?? '')![1]!;
    const rows = await database.db.select().from(signInLinks).where(eq(signInLinks.firmId, firmId));
    expect(rows.map((r) => r.tokenHash)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
    // Asking again within the minute sends nothing more.
    await browser('/api/auth/sign-in-link', { method: 'POST', body: { email: clara }, csrf });
    expect(mail.sent.length).toBe(before + 1);
    // Past 15 minutes by the clock it is handed, the link is refused (and stays unused).
    const row = rows.find((r) => r.tokenHash === createHash('sha256').update(token).digest('hex'))!;
    await expect(useSignInLink(database.db, token, new Date(row.createdAt.getTime() + 15 * 60_000 + 1))).rejects.toMatchObject({ kind: 'not_found' });
    // Within them, it signs in once.
    const first = await browser(`/api/auth/sign-in-link/${token}`, { method: 'POST', csrf });
    expect(first.status).toBe(200);
    const again = await apiClient(arcus.url)(`/api/auth/sign-in-link/${token}`, { method: 'POST', csrf: first.body.csrfToken });
    expect([403, 404]).toContain(again.status);
    const fresh = apiClient(arcus.url);
    const freshCsrf = (await fresh('/api/session')).body.csrfToken;
    const reused = await fresh(`/api/auth/sign-in-link/${token}`, { method: 'POST', csrf: freshCsrf });
    expect(reused.status).toBe(404);
    expect(reused.body.error.message).toBe('This sign-in link is not valid: it was used already or it expired. Ask for a new one on the sign-in page.');
    await database.db.delete(signInLinks).where(eq(signInLinks.firmId, firmId));
  });

  it('a late fee the client must approve waits for them, nobody else can approve it, and once they do it is written once', async () => {
    const put = await admin(`/api/organisations/${orgId}/client-approvals`, { method: 'PUT', body: { lateFees: true, creditsAbove: '250', paymentPlans: false } });
    expect(put.status).toBe(200);
    expect(put.body.policy).toEqual({ lateFees: true, creditsAbove: '250.00', paymentPlans: false, firstReminders: false, reminderEscalations: false });
    expect((await collector(`/api/organisations/${orgId}/client-approvals`, { method: 'PUT', body: { lateFees: false, creditsAbove: null, paymentPlans: false } })).status).toBe(403);

    const inv = open[0]!;
    const applied = await collector('/api/collections/late-fees/apply', { method: 'POST', body: { organisationId: orgId, invoiceId: inv.id } });
    expect(applied.status).toBe(201);
    expect(applied.body.requested).toMatchObject([{ amount: '15.00', created: true, status: 'awaiting_client' }]);
    const id = applied.body.requested[0].writebackId as string;

    // Nobody at the firm decides for the client.
    expect((await admin(`/api/client/approvals/${id}/approve`, { method: 'POST', body: {} })).status).toBe(403);
    expect((await collector(`/api/client/approvals/${id}/approve`, { method: 'POST', body: {} })).status).toBe(403);
    expect((await admin('/api/writebacks/approve', { method: 'POST', body: { ids: [id] } })).body).toEqual({ approved: [], skipped: [id] });
    // The firm's list shows it waiting for the client.
    const waiting = await admin('/api/writebacks?status=awaiting_client');
    expect(waiting.body.writebacks.map((w: { id: string }) => w.id)).toEqual([id]);

    // Another organisation's client contact: as if it did not exist.
    const ottoSession = await signInByLink(otto);
    expect((await ottoSession.call('/api/client/approvals')).body.approvals).toEqual([]);
    const ottoTry = await ottoSession.call(`/api/client/approvals/${id}/approve`, { method: 'POST', body: {} });
    expect(ottoTry.status).toBe(404);
    expect(ottoTry.body.error.message).toBe('There is nothing with this link waiting for you.');

    // Nothing reached the ledger while it waited.
    await new Promise((r) => setTimeout(r, 300));
    const feesInLedger = () =>
      arcus
        .sandbox!.sandbox.ctx.store.list('invoices', companyId)
        .filter((i: { reference: string }) => i.reference.startsWith(`Late fee on ${inv.number || inv.externalId}`));
    expect(feesInLedger()).toHaveLength(0);

    const claraSession = await signInByLink(clara);
    const queue = await claraSession.call('/api/client/approvals');
    expect(queue.status).toBe(200);
    expect(queue.body.approvals).toHaveLength(1);
    const item = queue.body.approvals[0];
    expect(item).toMatchObject({ id, what: 'A late fee', amount: '15.00', why: 'the invoice is overdue under your late-fee policy', requestedBy: 'Cole Collector' });
    expect(item.customer).toEqual(expect.any(String));
    // Words only: no key or enum value in what the client sees (the id is the action's handle).
    const words = JSON.stringify({ ...item, id: undefined });
    expect(words).not.toMatch(/late_fee|awaiting_client|client_contact|[0-9a-f]{8}-[0-9a-f]{4}-/);

    const approved = await claraSession.call(`/api/client/approvals/${id}/approve`, { method: 'POST', body: {} });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ id, status: 'pending' });
    const again = await claraSession.call(`/api/client/approvals/${id}/approve`, { method: 'POST', body: {} });
    expect(again.status).toBe(409);

    const row = await until(async () => {
      const [w] = await database.db.select().from(writebacks).where(eq(writebacks.id, id));
      return w?.status === 'confirmed' ? w : undefined;
    }, 60_000);
    const inLedger = feesInLedger();
    expect(inLedger).toHaveLength(1);
    expect(inLedger[0]).toMatchObject({ id: row.externalId, total: 1500 });

    const timeline = await admin(`/api/activities?organisationId=${orgId}&invoiceId=${inv.id}`);
    expect(timeline.body.activities.map((a: { summary: string }) => a.summary)).toContain(`Approved by Clara Client (client contact): Late fee of ${inv.currency} 15.00`);
    const listed = (await admin(`/api/writebacks?organisationId=${orgId}&invoiceId=${inv.id}`)).body.writebacks.find((w: { id: string }) => w.id === id);
    expect(listed).toMatchObject({ status: 'confirmed', clientDecidedByName: 'Clara Client', clientDecisionNote: null });
  }, 120_000);

  it('a declined late fee is cancelled with the comment and never written', async () => {
    const inv = open[1]!;
    const applied = await admin('/api/collections/late-fees/apply', { method: 'POST', body: { organisationId: orgId, invoiceId: inv.id } });
    const id = applied.body.requested[0].writebackId as string;
    expect(applied.body.requested[0].status).toBe('awaiting_client');
    // Within a minute of the last link no new one is sent: let the link rows age instead of waiting.
    await database.db.update(signInLinks).set({ createdAt: new Date(Date.now() - 120_000) }).where(eq(signInLinks.firmId, firmId));
    const clara2 = await signInByLink(clara);
    const noComment = await clara2.call(`/api/client/approvals/${id}/decline`, { method: 'POST', body: { comment: '  ' } });
    expect(noComment.status).toBe(400);
    expect(noComment.body.error.fields).toEqual([{ field: 'comment', message: 'Say why you decline, so your accountants know what to do instead.' }]);
    const declined = await clara2.call(`/api/client/approvals/${id}/decline`, { method: 'POST', body: { comment: 'They are a key customer; please call them first.' } });
    expect(declined.body).toEqual({ id, status: 'cancelled' });
    await new Promise((r) => setTimeout(r, 500));
    const [w] = await database.db.select().from(writebacks).where(eq(writebacks.id, id));
    expect(w).toMatchObject({ status: 'cancelled', externalId: null, clientDecisionNote: 'They are a key customer; please call them first.' });
    const ledger = arcus.sandbox!.sandbox.ctx.store.list('invoices', companyId).filter((i: { reference: string }) => i.reference.startsWith(`Late fee on ${inv.number || inv.externalId}`));
    expect(ledger).toHaveLength(0);
    const timeline = await admin(`/api/activities?organisationId=${orgId}&invoiceId=${inv.id}`);
    expect(timeline.body.activities.map((a: { summary: string }) => a.summary)).toContain(`Declined by Clara Client (client contact): Late fee of ${inv.currency} 15.00 — “They are a key customer; please call them first.”`);
    expect((await clara2.call('/api/client/approvals')).body.approvals).toEqual([]);
  }, 120_000);
});
