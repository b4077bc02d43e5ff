/**
 * The sender identity API through the running app (real PostgreSQL; DNS through a fake resolver
 * given as a test hook): an administrator saves the identity, uploads a logo and checks the
 * domain; a collector is refused; the logo is served publicly and shown on the pay page's data;
 * the private key never leaves the server.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { memberships, senderIdentities, users } from '../../server/db/schema';
import type { Database } from '../../server/db/client';
import { createLogger } from '../../server/logger';
import { type Arcus, startArcus } from '../../root/runtime';
import type { TxtResolver } from '../../server/sender/dns';
import { seedOrg } from '../reminders/seed';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { writeSession } from '../support/session';
import { eq } from 'drizzle-orm';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2a8f5c10000000049454e44ae426082', 'hex');

describeWith('pg', 'Sender identity API', () => {
  let arcus: Arcus;
  let database: Database;
  let orgId: string;
  const zone = new Map<string, string[][]>();
  const asked: string[] = [];
  const resolver: TxtResolver = {
    async resolveTxt(name) {
      asked.push(name);
      const v = zone.get(name);
      if (!v) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
      return v;
    },
  };
  let admin: { cookie: string; csrf: string };
  let collector: { cookie: string; csrf: string };

  const call = async (who: { cookie: string; csrf: string } | null, path: string, init: { method?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {};
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(arcus.url + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const type = res.headers.get('content-type') ?? '';
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    const body: any = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  };

  beforeAll(async () => {
    database = await testDatabase();
    const { firm, user } = await createFirm(database, 'admin');
    const [c] = await database.db.insert(users).values({ email: `collector-${firm.id}@firm.example`, name: 'Colin Collector', authProvider: 'test', authSubject: `collector-${firm.id}` }).returning();
    await database.db.insert(memberships).values({ firmId: firm.id, userId: c!.id, role: 'collector' });
    const org = await seedOrg(database.db, firm.id, { timezone: 'Europe/London', contacts: [], invoices: [] });
    orgId = org.id;
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('sender-api'), ARCUS_DEMO: 'off', LEDGER_SANDBOX: 'off', MAIL_FROM: 'Arcus <reminders@arcus.test>' },
      database,
      log: createLogger('silent'),
      hooks: { dnsResolver: resolver },
    });
    admin = await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId: firm.id });
    collector = await writeSession(database, arcus.config.sessionSecret, { userId: c!.id, firmId: firm.id });
  }, 60_000);
  afterAll(async () => arcus?.close());

  it('refuses a collector every change (403), lets them read, and needs a session', async () => {
    expect((await call(null, `/api/sender-identity/${orgId}`)).status).toBe(401);
    expect((await call(collector, `/api/sender-identity/${orgId}`)).status).toBe(200);
    const put = await call(collector, `/api/sender-identity/${orgId}`, { method: 'PUT', body: { fromAddress: 'accounts@harbour.example' } });
    expect(put.status).toBe(403);
    expect(put.body.error).toEqual({ code: 'forbidden', message: 'Only an administrator can do this.' });
    expect((await call(collector, `/api/sender-identity/${orgId}/check`, { method: 'POST' })).status).toBe(403);
    expect((await call(collector, `/api/sender-identity/${orgId}/logo`, { method: 'PUT', body: { logo: PNG.toString('base64') } })).status).toBe(403);
    expect((await call(collector, `/api/sender-identity/${orgId}/logo`, { method: 'DELETE' })).status).toBe(403);
    const [row] = await database.db.select().from(senderIdentities).where(eq(senderIdentities.organisationId, orgId));
    expect(row).toBeUndefined();
  });

  it('validates every field at once, in words', async () => {
    const bad = await call(admin, `/api/sender-identity/${orgId}`, { method: 'PUT', body: { fromAddress: 'not an address', replyTo: 'nor this', footer: 'x'.repeat(1001) } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['footer', 'fromAddress', 'replyTo']);
    expect(bad.body.error.fields.find((f: { field: string }) => f.field === 'fromAddress').message).toBe('Enter an address on the client’s own domain, like accounts@client.example.');
    const svg = await call(admin, `/api/sender-identity/${orgId}/logo`, { method: 'PUT', body: { logo: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64') } });
    expect(svg.status).toBe(400);
    expect(svg.body.error.fields).toEqual([{ field: 'logo', message: 'Choose a PNG or JPEG image.' }]);
  });

  it('saves the identity, shows the records to publish, checks them and serves the logo', async () => {
    const saved = await call(admin, `/api/sender-identity/${orgId}`, { method: 'PUT', body: { senderName: 'Harbour Accounts', fromAddress: 'Accounts@Harbour.example', replyTo: '', footer: 'Harbour Test Ltd' } });
    expect(saved.status).toBe(200);
    const id = saved.body.identity;
    expect(id).toMatchObject({ senderName: 'Harbour Accounts', fromAddress: 'Accounts@Harbour.example', domain: 'harbour.example', footer: 'Harbour Test Ltd', verified: false, checkedAt: null });
    expect(id.sendingAs).toBe('Reminders go from Harbour Accounts <reminders@arcus.test>, and replies go to Accounts@Harbour.example. They will come from the client’s own address once its domain is verified.');
    expect(id.records.map((r: { name: string; status: string; statusText: string }) => [r.name, r.status, r.statusText])).toEqual([
      ['harbour.example', 'unchecked', 'Not checked yet.'],
      [expect.stringMatching(/^arcus-[0-9a-f]{8}\._domainkey\.harbour\.example$/), 'unchecked', 'Not checked yet.'],
      ['_dmarc.harbour.example', 'unchecked', 'Not checked yet.'],
    ]);
    // The private key stays sealed in the database and never reaches the API.
    expect(JSON.stringify(saved.body)).not.toMatch(/PRIVATE KEY|dkimPrivateKey/);
    const [row] = await database.db.select().from(senderIdentities).where(eq(senderIdentities.organisationId, orgId));
    expect(row!.dkimPrivateKeyEnc).toMatch(/^v1\./);

    // Saving again with the same domain keeps the key.
    const again = await call(admin, `/api/sender-identity/${orgId}`, { method: 'PUT', body: { footer: 'Harbour Test Ltd, Bristol' } });
    expect(again.body.identity.records[1].value).toBe(id.records[1].value);

    const missing = await call(admin, `/api/sender-identity/${orgId}/check`, { method: 'POST' });
    expect(missing.body.identity.records.map((r: { status: string }) => r.status)).toEqual(['missing', 'missing', 'missing']);
    expect(asked).toEqual(expect.arrayContaining(['harbour.example', id.records[1].name, '_dmarc.harbour.example']));
    for (const r of id.records) zone.set(r.name, [[r.value]]);
    const found = await call(admin, `/api/sender-identity/${orgId}/check`, { method: 'POST' });
    expect(found.body.identity).toMatchObject({ verified: true, sendingAs: 'Reminders go from Harbour Accounts <Accounts@Harbour.example>, signed for harbour.example.' });
    expect(typeof found.body.identity.checkedAt).toBe('string');

    // A new domain: a new key, and unverified until checked again.
    const moved = await call(admin, `/api/sender-identity/${orgId}`, { method: 'PUT', body: { fromAddress: 'ar@harbour-group.example' } });
    expect(moved.body.identity).toMatchObject({ domain: 'harbour-group.example', verified: false });
    expect(moved.body.identity.records[1].value).not.toBe(id.records[1].value);

    const logo = await call(admin, `/api/sender-identity/${orgId}/logo`, { method: 'PUT', body: { logo: PNG.toString('base64') } });
    expect(logo.body.identity.logoPath).toMatch(/^\/brand\/logo\/[0-9a-f]{32}$/);
    const served = await call(null, logo.body.identity.logoPath);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.compare(served.body, PNG)).toBe(0);
    expect((await call(null, '/brand/logo/0123456789abcdef0123456789abcdef')).status).toBe(404);
    expect((await call(null, '/brand/logo/not-a-key')).status).toBe(404);
    const removed = await call(admin, `/api/sender-identity/${orgId}/logo`, { method: 'DELETE' });
    expect(removed.body.identity.logoPath).toBeNull();
    expect((await call(null, logo.body.identity.logoPath)).status).toBe(404);
  });
});
