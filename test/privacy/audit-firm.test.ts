/**
 * The audit log is append-only (the app role may insert and read, never update or delete; the
 * system neither, except rows going with their firm), is fed by sign-ins, approvals, members and
 * settings; a firm's export holds all of its data and none of another firm's, without secrets;
 * closing the account revokes and deletes everything of the firm, and only of that firm.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { type Database, queryRows } from '../../server/db/client';
import { asSystem, withFirm } from '../../server/db/firm-scope';
import { activities, auditLog, connections, contacts, firms, memberships, organisations, sessions, users } from '../../server/db/schema';
import { listAudit, recordAudit } from '../../server/privacy/audit';
import { closeFirm, exportFirm, firmTables } from '../../server/privacy/firm';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code;
}

interface Seeded {
  firmId: string;
  firmName: string;
  userId: string;
  orgId: string;
  tag: string;
}

async function seed(database: Database): Promise<Seeded> {
  const { firm, user } = await createFirm(database);
  const tag = `F${randomUUID().slice(0, 8)}`;
  const db = database.db;
  const [org] = await db.insert(organisations).values({ firmId: firm.id, provider: 'xero', externalId: `t-${tag}`, name: `Org ${tag}`, baseCurrency: 'USD', timezone: 'UTC' }).returning();
  await db.insert(contacts).values({ firmId: firm.id, organisationId: org!.id, externalId: `c-${tag}`, name: `Customer ${tag}`, emails: [{ address: `${tag.toLowerCase()}@debtor.example` }], raw: { secretRaw: `raw-${tag}` } });
  await db.insert(connections).values({ firmId: firm.id, organisationId: org!.id, provider: 'xero', accessTokenEnc: `sealed-access-${tag}`, refreshTokenEnc: `sealed-refresh-${tag}`, accessTokenExpiresAt: new Date(), status: 'revoked' });
  await db.insert(sessions).values({ sid: `sid-${tag}`, data: { userId: user.id, firmId: firm.id }, expiresAt: new Date(Date.now() + 3_600_000) });
  return { firmId: firm.id, firmName: firm.name, userId: user.id, orgId: org!.id, tag };
}

async function exported(database: Database, s: Seeded): Promise<string> {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  await withFirm(s.firmId, () => exportFirm(database.db, s.firmId, { userId: s.userId, name: 'Admin', type: 'user' }, new Date('2026-06-15T10:00:00Z'), out));
  return chunks.join('');
}

async function rowsOfFirm(database: Database, firmId: string): Promise<number> {
  return asSystem(async () => {
    let n = 0;
    for (const { table } of await firmTables(database.db)) {
      const r = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE firm_id = ${firmId}`);
      n += r[0]!.n;
    }
    return n;
  });
}

describeWith('pg', 'audit log, firm export and account closure', () => {
  let database: Database;
  let a: Seeded;
  let b: Seeded;
  beforeAll(async () => {
    database = await testDatabase();
    a = await seed(database);
    b = await seed(database);
  });

  it('the audit log refuses UPDATE and DELETE from the app role, and from the system', async () => {
    const at = new Date('2026-06-15T10:00:00Z');
    await withFirm(a.firmId, () => recordAudit(database.db, { userId: a.userId, name: 'Admin', type: 'user' }, { firmId: a.firmId, action: 'privacy.debtor_exported', summary: 'probe' }, at));
    const [row] = await database.db.select().from(auditLog).where(eq(auditLog.summary, 'probe'));
    expect(row).toBeDefined();
    const update = withFirm(a.firmId, () => database.db.update(auditLog).set({ summary: 'changed' }).where(eq(auditLog.id, row!.id)));
    await expect(update).rejects.toSatisfy((e: unknown) => errorCode(e) === '42501');
    const del = withFirm(a.firmId, () => database.db.delete(auditLog).where(eq(auditLog.id, row!.id)));
    await expect(del).rejects.toSatisfy((e: unknown) => errorCode(e) === '42501');
    // The owner / superuser is refused by the trigger.
    await expect(asSystem(() => database.db.update(auditLog).set({ summary: 'changed' }).where(eq(auditLog.id, row!.id)))).rejects.toSatisfy((e: unknown) => errorCode(e) === '42501');
    await expect(asSystem(() => database.db.delete(auditLog).where(eq(auditLog.id, row!.id)))).rejects.toSatisfy((e: unknown) => errorCode(e) === '42501');
    await expect(asSystem(() => database.db.execute(sql`TRUNCATE audit_log`))).rejects.toSatisfy((e: unknown) => errorCode(e) === '42501');
    const [still] = await database.db.select().from(auditLog).where(eq(auditLog.id, row!.id));
    expect(still!.summary).toBe('probe');
    // Inserting for another firm is refused too (row-level security).
    const foreign = withFirm(a.firmId, () => recordAudit(database.db, { userId: null, name: 'x', type: 'system' }, { firmId: b.firmId, action: 'x', summary: 'x' }, at));
    await expect(foreign).rejects.toSatisfy((e: unknown) => errorCode(e) === '42501');
  });

  it('records sign-ins, approvals, members’ roles and firm settings from what the app already writes', async () => {
    const db = database.db;
    await withFirm(a.firmId, () => db.insert(activities).values({ firmId: a.firmId, actorUserId: a.userId, actorType: 'user', kind: 'auth.sign_in', summary: 'Signed in' }));
    await withFirm(a.firmId, () => db.insert(activities).values({ firmId: a.firmId, actorUserId: a.userId, actorType: 'user', kind: 'writeback.approved', summary: 'Approved: credit note 10.00 USD', details: { writebackId: randomUUID() } }));
    await withFirm(a.firmId, () => db.insert(activities).values({ firmId: a.firmId, actorType: 'system', kind: 'sync.completed', summary: 'Synced' }));
    await withFirm(a.firmId, () => db.update(memberships).set({ role: 'viewer' }).where(eq(memberships.userId, a.userId)));
    await withFirm(a.firmId, () => db.update(memberships).set({ role: 'admin' }).where(eq(memberships.userId, a.userId)));
    await withFirm(a.firmId, () => db.update(firms).set({ settings: { approvalThreshold: '500' } }).where(eq(firms.id, a.firmId)));
    const entries = await withFirm(a.firmId, () => listAudit(db, a.firmId, { limit: 100 }));
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.sign_in', 'writeback.approved', 'member.added', 'member.role_changed', 'firm.settings_changed']));
    expect(actions).not.toContain('sync.completed');
    const signIn = entries.find((e) => e.action === 'auth.sign_in')!;
    expect(signIn.who).toMatch(/^User /);
    expect(signIn.what).toBe('Signed in');
    expect(entries.filter((e) => e.action === 'member.role_changed').map((e) => e.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/is now a viewer \(was an administrator\)$/)]));
    // Only the firm's own entries.
    expect(entries.every((e) => !e.summary.includes(b.tag))).toBe(true);
    const bEntries = await withFirm(a.firmId, () => db.select().from(auditLog).where(eq(auditLog.firmId, b.firmId)));
    expect(bEntries).toEqual([]);
  });

  it('exports the whole firm: its rows, none of another firm’s, no secrets', async () => {
    const text = await exported(database, a);
    const bundle = JSON.parse(text) as { format: string; firm: { id: string }; members: { userId: string }[]; tables: Record<string, Record<string, unknown>[]> };
    expect(bundle.format).toBe('arcus-firm-export');
    expect(bundle.firm.id).toBe(a.firmId);
    expect(bundle.members.map((m) => m.userId)).toEqual([a.userId]);
    expect(bundle.tables['contacts']!.map((c) => c['name'])).toEqual([`Customer ${a.tag}`]);
    expect(bundle.tables['organisations']).toHaveLength(1);
    expect(bundle.tables['audit_log']!.length).toBeGreaterThan(0);
    expect(Object.keys(bundle.tables)).toEqual(expect.arrayContaining(['invoices', 'reminder_sends', 'activities', 'privacy_erasures']));
    expect(text).not.toContain(b.tag);
    expect(text).not.toContain(b.firmId);
    for (const secret of [`sealed-access-${a.tag}`, `sealed-refresh-${a.tag}`, `raw-${a.tag}`]) expect(text).not.toContain(secret);
    const logged = await database.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.firm_exported'));
    expect(logged.map((l) => l.firmId)).toContain(a.firmId);
  });

  it('closes the account only when confirmed, then deletes all of the firm and nothing of another', async () => {
    const disconnected: string[] = [];
    const disconnect = async (id: string) => {
      disconnected.push(id);
      return { revokedAtProvider: true, warnings: [] };
    };
    const bBefore = await rowsOfFirm(database, b.firmId);
    expect(await rowsOfFirm(database, a.firmId)).toBeGreaterThan(0);
    // A live connection to revoke at the provider first.
    await database.db.update(connections).set({ status: 'active' }).where(eq(connections.firmId, a.firmId));
    await expect(withFirm(a.firmId, () => closeFirm(database.db, { firmId: a.firmId, firmName: a.firmName, confirm: 'wrong name', disconnect }))).rejects.toMatchObject({ code: 'confirmation_mismatch' });
    expect(disconnected).toEqual([]);
    const result = await withFirm(a.firmId, () => closeFirm(database.db, { firmId: a.firmId, firmName: a.firmName, confirm: ` ${a.firmName} `, disconnect }));
    expect(disconnected).toEqual([a.orgId]);
    expect(result).toMatchObject({ organisations: 1, revokedAtProvider: 1 });
    expect(await rowsOfFirm(database, a.firmId)).toBe(0);
    const left = await asSystem(async () => ({
      firm: await database.db.select().from(firms).where(eq(firms.id, a.firmId)),
      user: await database.db.select().from(users).where(eq(users.id, a.userId)),
      session: await database.db.select().from(sessions).where(eq(sessions.sid, `sid-${a.tag}`)),
      audit: await database.db.select().from(auditLog).where(eq(auditLog.firmId, a.firmId)),
    }));
    expect(left).toEqual({ firm: [], user: [], session: [], audit: [] });
    // Firm B: every row still there, its session too.
    expect(await rowsOfFirm(database, b.firmId)).toBe(bBefore);
    expect(await asSystem(() => database.db.select().from(sessions).where(eq(sessions.sid, `sid-${b.tag}`)))).toHaveLength(1);
  });
});
