/**
 * Session ids are not stored (issue #14): the `sessions` table keeps SHA-256 of each id, so a copy
 * of the table holds no session a browser could present. Migration 0014 converts the rows that
 * were there before (checked on PGlite, migrated up to 0013, rows written, then 0014), and a
 * signed-in session works through the app while its id appears nowhere in the table.
 */
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { queryRows } from '../../server/db/client';
import { sessions } from '../../server/db/schema';
import { sessionKey } from '../../server/db/session-store';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { migrationsUpTo } from '../support/migrations';
import { describeWith } from '../support/services';


it('migration 0014 replaces each stored session id by its SHA-256', async () => {
  const client = new PGlite();
  try {
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: migrationsUpTo(13) });
    const plain = ['k3dQ9v_B8mXz2LqP0aR7tYw1uE5iO6sN', 'another-session-id-abcdefghijklmn'];
    for (const sid of plain) await db.execute(sql`INSERT INTO sessions (sid, data, expires_at) VALUES (${sid}, '{"userId":"u"}'::jsonb, now() + interval '1 hour')`);
    await migrate(db, { migrationsFolder: migrationsUpTo(14) });
    const rows = await queryRows<{ sid: string }>(db as never, sql`SELECT sid FROM sessions ORDER BY sid`);
    expect(rows.map((r) => r.sid).sort()).toEqual(plain.map((s) => createHash('sha256').update(s).digest('hex')).sort());
    // The store finds a converted session under the id the browser still holds.
    expect(rows.map((r) => r.sid)).toContain(sessionKey(plain[0]!));
  } finally {
    await client.close();
  }
}, 120_000);

describeWith('pg', 'sessions at rest', () => {
  let arcus: Arcus;
  beforeAll(async () => {
    arcus = await startTestApp('sessions-at-rest', await testDatabase(), { LEDGER_SANDBOX: 'off' });
  }, 60_000);
  afterAll(async () => arcus?.close());

  it('a signed-in session works, and its id is nowhere in the table', async () => {
    let cookie = '';
    const call = async (p: string, init: { method?: string; csrf?: string } = {}) => {
      const res = await fetch(arcus.url + p, { method: init.method ?? 'GET', headers: { cookie, 'content-type': 'application/json', ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}) }, body: init.method === 'POST' ? '{}' : undefined });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0]!;
      return (await res.json()) as { csrfToken: string; user: { name: string } | null };
    };
    const s = await call('/api/session');
    await call('/api/auth/demo', { method: 'POST', csrf: s.csrfToken });
    const me = await call('/api/session');
    expect(me.user?.name).toBeTruthy();
    const signed = decodeURIComponent(cookie.slice('arcus.sid='.length));
    const sid = signed.slice(2, signed.lastIndexOf('.'));
    expect(sid.length).toBeGreaterThan(20);
    const db = arcus.database.db;
    expect(await db.select().from(sessions).where(sql`${sessions.sid} = ${sid}`)).toEqual([]);
    expect(await db.select({ sid: sessions.sid }).from(sessions).where(sql`${sessions.sid} = ${sessionKey(sid)}`)).toHaveLength(1);
    const anywhere = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM sessions WHERE sid LIKE ${`%${sid}%`} OR data::text LIKE ${`%${sid}%`}`);
    expect(anywhere[0]!.n).toBe(0);
  });
});
