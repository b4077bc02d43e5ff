/**
 * Pay-link tokens are not stored (issue #14, docs/decisions/011): a token is an HMAC of the row's
 * id and salt under the pay-link key, and the row keeps only the salt and the token's SHA-256.
 *
 * - Through the app: a copy of `pay_links` holds no working link — no value in it is the token or
 *   contains it, and every value presented as a token is a 404 — while the real links work and the
 *   sandbox checkout's way back is the same link, derived again.
 * - Migration 0016 (PGlite, migrated to 0015, plain-token rows written, then 0016): the plain
 *   tokens are gone, the old links keep working, and showing one again gives it a derived token
 *   while the old one (the URL already written into the ledger) still works. A different key
 *   derives a different token; the link's previous hash is kept.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { derivePayLinkKey } from '../../server/config';
import { type Db, queryRows } from '../../server/db/client';
import { payLinks } from '../../server/db/schema';
import { deriveToken, hashToken } from '../../server/pay/link-tokens';
import { ensurePayLink, ensureStatementLink, linkToken, linkTokenColumns } from '../../server/pay/links';
import { findLink } from '../../server/pay/view';
import { startTestApp } from '../support/app';
import { testDatabase } from '../support/db';
import { migrationsUpTo } from '../support/migrations';
import { describeWith } from '../support/services';
import { seedPayOrg } from './seed';


/** Every string in a JSON value (the copy of a table), and every token-shaped run inside one. */
function candidates(value: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      out.add(v);
      for (const m of v.matchAll(/[A-Za-z0-9_-]{43}/g)) out.add(m[0]);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

describeWith('pg', 'pay-link tokens at rest', () => {
  let arcus: Arcus;
  let seed: Awaited<ReturnType<typeof seedPayOrg>>;
  const get = (p: string) => fetch(`${arcus.url}${p}`).then((r) => r.status);

  beforeAll(async () => {
    const database = await testDatabase();
    arcus = await startTestApp('pay-tokens-at-rest', database, { LEDGER_SANDBOX: 'off' });
    seed = await seedPayOrg(database, {
      invoices: [
        { number: 'AR-1', contact: 'c-bayside', amount: '120.00', due: -5 },
        { number: 'AR-2', contact: 'c-bayside', amount: '80.00', due: 3 },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await arcus?.close();
  }, 60_000);

  it('a copy of pay_links holds no working link; the links themselves work', async () => {
    const ctx = { appUrl: arcus.url, linkKey: arcus.config.payLinkKey };
    const db = arcus.database.db;
    const inv = await ensurePayLink(db, { firmId: seed.firmId, organisationId: seed.org.id, invoiceId: seed.invoice('AR-1').id }, ctx);
    const stmt = await ensureStatementLink(db, { firmId: seed.firmId, organisationId: seed.org.id, contactExternalId: 'c-bayside' }, ctx);
    // Asking again derives the same links.
    expect((await ensurePayLink(db, { firmId: seed.firmId, organisationId: seed.org.id, invoiceId: seed.invoice('AR-1').id }, ctx)).token).toBe(inv.token);
    expect((await ensureStatementLink(db, { firmId: seed.firmId, organisationId: seed.org.id, contactExternalId: 'c-bayside' }, ctx)).token).toBe(stmt.token);
    expect(await get(`/pay-api/${inv.token}`)).toBe(200);
    expect(await get(`/pay-api/${stmt.token}`)).toBe(200);

    const copy = await queryRows<{ row: Record<string, unknown> }>(db, sql`SELECT row_to_json(p) AS row FROM pay_links p WHERE firm_id = ${seed.firmId}::uuid`);
    expect(copy).toHaveLength(2);
    const text = JSON.stringify(copy);
    expect(text).not.toContain(inv.token);
    expect(text).not.toContain(stmt.token);
    const tried = [...candidates(copy)].filter((c) => /^[A-Za-z0-9_-]{43}$/.test(c));
    expect(tried.length).toBeGreaterThan(0);
    for (const c of tried) expect(await get(`/pay-api/${c}`)).toBe(404);
    // What the row holds: a salt and the token's SHA-256, nothing the page accepts.
    const [row] = await db.select(linkTokenColumns).from(payLinks).where(eq(payLinks.invoiceId, seed.invoice('AR-1').id));
    expect(row!.tokenHash).toBe(createHash('sha256').update(inv.token).digest('hex'));
    expect(deriveToken(arcus.config.payLinkKey, row!.id, row!.tokenSalt!)).toBe(inv.token);
  });

  it('the sandbox checkout goes back to the same link, derived again', async () => {
    const ctx = { appUrl: arcus.url, linkKey: arcus.config.payLinkKey };
    const link = await ensurePayLink(arcus.database.db, { firmId: seed.firmId, organisationId: seed.org.id, invoiceId: seed.invoice('AR-2').id }, ctx);
    const opened = await fetch(`${arcus.url}/pay-api/${link.token}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(opened.status).toBe(201); // ARCUS_DEMO: the sandbox payment provider
    const { url } = (await opened.json()) as { url: string };
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/pay/${link.token}?cancelled=1`);
  });
});

describe('migration 0016: plain pay-link tokens', () => {
  it('removes them, keeps the old links working, and derives a token the next time a link is shown', async () => {
    const client = new PGlite();
    try {
      const db = drizzle(client) as unknown as Db;
      await migrate(drizzle(client), { migrationsFolder: migrationsUpTo(15) });
      const firm = randomUUID();
      const org = randomUUID();
      const invoice = randomUUID();
      await db.execute(sql`INSERT INTO firms (id, name) VALUES (${firm}::uuid, 'Migration firm')`);
      await db.execute(sql`INSERT INTO organisations (id, firm_id, provider, external_id, name, base_currency, timezone) VALUES (${org}::uuid, ${firm}::uuid, 'xero', 't-1', 'Harbour Joinery', 'GBP', 'Europe/London')`);
      // Tokens as the old code made them: 32 random bytes, base64url.
      const old = { invoice: randomBytes(32).toString('base64url'), statement: randomBytes(32).toString('base64url') };
      await db.execute(sql`INSERT INTO pay_links (firm_id, organisation_id, scope, invoice_id, contact_external_id, token) VALUES (${firm}::uuid, ${org}::uuid, 'invoice', ${invoice}::uuid, 'c-1', ${old.invoice})`);
      await db.execute(sql`INSERT INTO pay_links (firm_id, organisation_id, scope, invoice_id, contact_external_id, token) VALUES (${firm}::uuid, ${org}::uuid, 'statement', NULL, 'c-1', ${old.statement})`);

      await migrate(drizzle(client), { migrationsFolder: migrationsUpTo(16) });
      const columns = await queryRows<{ column_name: string }>(db, sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'pay_links'`);
      expect(columns.map((c) => c.column_name)).not.toContain('token');
      const copy = JSON.stringify(await queryRows(db, sql`SELECT * FROM pay_links`));
      expect(copy).not.toContain(old.invoice);
      expect(copy).not.toContain(old.statement);

      // The old links still open.
      const found = await findLink(db, old.invoice);
      expect(found).toMatchObject({ firmId: firm, organisationId: org, scope: 'invoice', invoiceId: invoice });
      expect((await findLink(db, old.statement))?.scope).toBe('statement');

      // Shown again: a derived token; the old one still works; still nothing usable at rest.
      const key = derivePayLinkKey(Buffer.alloc(32, 7));
      const [row] = await db.select(linkTokenColumns).from(payLinks).where(eq(payLinks.id, found!.id));
      expect(row!.tokenSalt).toBeNull();
      const fresh = await linkToken(db, key, row!, { revive: false });
      expect(fresh).not.toBe(old.invoice);
      expect((await findLink(db, fresh))?.id).toBe(found!.id);
      expect((await findLink(db, old.invoice))?.id).toBe(found!.id);
      const [after] = await db.select(linkTokenColumns).from(payLinks).where(eq(payLinks.id, found!.id));
      expect(after!.legacyTokenHash).toBe(hashToken(old.invoice));
      expect(await linkToken(db, key, after!, { revive: false })).toBe(fresh);
      expect(JSON.stringify(await queryRows(db, sql`SELECT * FROM pay_links`))).not.toContain(fresh);

      // Another key derives another token; the link's first hash (the URL in the ledger) is kept.
      const other = await linkToken(db, derivePayLinkKey(Buffer.alloc(32, 9)), after!, { revive: false });
      expect(other).not.toBe(fresh);
      expect((await findLink(db, other))?.id).toBe(found!.id);
      expect((await findLink(db, old.invoice))?.id).toBe(found!.id);
      expect(await findLink(db, fresh)).toBeNull();

      // A revoked link is dead under every token, and asking for it again issues a new one.
      await db.update(payLinks).set({ revokedAt: new Date() }).where(eq(payLinks.id, found!.id));
      expect(await findLink(db, other)).toBeNull();
      expect(await findLink(db, old.invoice)).toBeNull();
      const [revoked] = await db.select(linkTokenColumns).from(payLinks).where(eq(payLinks.id, found!.id));
      const revived = await linkToken(db, key, revoked!, { revive: true });
      expect((await findLink(db, revived))?.id).toBe(found!.id);
      expect(await findLink(db, old.invoice)).toBeNull();
      expect(await findLink(db, other)).toBeNull();
    } finally {
      await client.close();
    }
  }, 120_000);
});
