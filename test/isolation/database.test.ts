/**
 * Firm isolation at the database (docs/decisions/007): row-level security, forced, with every
 * scoped query running as `arcus_app` with the firm set (per session on a PostgreSQL pool, per
 * transaction on PGlite). The same checks on PostgreSQL and on PGlite.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openPostgres, queryRows } from '../../server/db/client';
import { asSystem, withFirm, withoutFirm } from '../../server/db/firm-scope';
import { firms, invoices, memberships, organisations, sessions, users } from '../../server/db/schema';
import { openSqlConn } from '../../server/sync/sql';
import { createFirm, memoryDatabase, testDatabase, workerUrl } from '../support/db';
import { describeWith } from '../support/services';

interface Seeded {
  a: { firmId: string; orgId: string; userId: string };
  b: { firmId: string; orgId: string; userId: string };
}

async function seed(database: Database): Promise<Seeded> {
  const out: Partial<Seeded> = {};
  for (const key of ['a', 'b'] as const) {
    const { firm, user } = await createFirm(database);
    const [org] = await database.db
      .insert(organisations)
      .values({ firmId: firm.id, provider: 'xero', externalId: `t-${firm.id}`, name: `Org of ${firm.name}`, baseCurrency: 'GBP', timezone: 'Europe/London' })
      .returning();
    out[key] = { firmId: firm.id, orgId: org!.id, userId: user.id };
  }
  return out as Seeded;
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code;
}

function isolationSuite(name: string, open: () => Promise<Database>, strictHandle?: () => Database) {
  describeWith(name === 'PostgreSQL' ? 'pg' : [], `firm isolation in the database — ${name}`, () => {
    let database: Database;
    let s: Seeded;
    beforeAll(async () => {
      database = await open();
      s = await seed(database);
    });

    it('as firm A, a query with no firm filter returns only firm A’s rows', async () => {
      const rows = await withFirm(s.a.firmId, () => database.db.select({ id: organisations.id, firmId: organisations.firmId }).from(organisations));
      expect(rows.map((r) => r.id)).toContain(s.a.orgId);
      expect(rows.map((r) => r.id)).not.toContain(s.b.orgId);
      expect(new Set(rows.map((r) => r.firmId))).toEqual(new Set([s.a.firmId]));
      // The system sees both: the rows exist.
      const all = await asSystem(() => database.db.select({ id: organisations.id }).from(organisations));
      expect(all.map((r) => r.id)).toEqual(expect.arrayContaining([s.a.orgId, s.b.orgId]));
    });

    it('firms, users and memberships are scoped too', async () => {
      const [f, u, m] = await withFirm(s.a.firmId, () =>
        Promise.all([database.db.select({ id: firms.id }).from(firms), database.db.select({ id: users.id }).from(users), database.db.select({ firmId: memberships.firmId }).from(memberships)]),
      );
      expect(f.map((r) => r.id)).toEqual([s.a.firmId]);
      expect(u.map((r) => r.id)).toEqual([s.a.userId]);
      expect(m.map((r) => r.firmId)).toEqual([s.a.firmId]);
    });

    it('with no firm set, firm tables read as empty', async () => {
      const rows = await withoutFirm(() => database.db.select({ id: organisations.id }).from(organisations));
      expect(rows).toEqual([]);
      const raw = await withoutFirm(() => queryRows<{ n: number }>(database.db, sqlCount()));
      expect(Number(raw[0]!.n)).toBe(0);
    });

    it('an insert of firm B’s firm_id as firm A is refused', async () => {
      const attempt = withFirm(s.a.firmId, () =>
        database.db.insert(organisations).values({ firmId: s.b.firmId, provider: 'xero', externalId: `intruder-${s.b.firmId}`, name: 'Intruder', baseCurrency: 'GBP', timezone: 'UTC' }),
      );
      await expect(attempt).rejects.toSatisfy((err: unknown) => errorCode(err) === '42501');
      const left = await asSystem(() => database.db.select({ id: organisations.id }).from(organisations).where(eq(organisations.externalId, `intruder-${s.b.firmId}`)));
      expect(left).toEqual([]);
    });

    it('as firm A, updates and deletes of firm B’s rows change nothing', async () => {
      const updated = await withFirm(s.a.firmId, () => database.db.update(organisations).set({ name: 'Hijacked' }).where(eq(organisations.id, s.b.orgId)).returning());
      const deleted = await withFirm(s.a.firmId, () => database.db.delete(organisations).where(eq(organisations.id, s.b.orgId)).returning());
      expect(updated).toEqual([]);
      expect(deleted).toEqual([]);
      // Moving A's own row to firm B is refused as well.
      await expect(withFirm(s.a.firmId, () => database.db.update(organisations).set({ firmId: s.b.firmId }).where(eq(organisations.id, s.a.orgId)))).rejects.toSatisfy(
        (err: unknown) => errorCode(err) === '42501',
      );
      const [b] = await asSystem(() => database.db.select().from(organisations).where(eq(organisations.id, s.b.orgId)));
      expect(b?.name).not.toBe('Hijacked');
      expect(b?.firmId).toBe(s.b.firmId);
    });

    it('an explicit transaction is scoped from its start, and interleaved scopes do not leak', async () => {
      const inTx = await withFirm(s.b.firmId, () =>
        database.db.transaction(async (tx) => {
          const before = await tx.select({ id: organisations.id }).from(organisations);
          await tx.update(organisations).set({ name: 'Renamed by A' }).where(eq(organisations.id, s.a.orgId));
          return before.map((r) => r.id);
        }),
      );
      expect(inTx).toContain(s.b.orgId);
      expect(inTx).not.toContain(s.a.orgId);
      const [a] = await asSystem(() => database.db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, s.a.orgId)));
      expect(a?.name).not.toBe('Renamed by A');

      const runs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const who = i % 2 === 0 ? s.a : s.b;
          return withFirm(who.firmId, async () => {
            const first = await database.db.select({ firmId: organisations.firmId }).from(organisations);
            const second = await database.db.transaction((tx) => tx.select({ firmId: organisations.firmId }).from(organisations));
            return { who: who.firmId, seen: [...first, ...second].map((r) => r.firmId) };
          });
        }),
      );
      for (const r of runs) expect(new Set(r.seen)).toEqual(new Set([r.who]));
    });

    it('the restricted role cannot read sessions, and every firm table forces row-level security', async () => {
      await expect(withFirm(s.a.firmId, () => database.db.select().from(sessions))).rejects.toSatisfy((err: unknown) => errorCode(err) === '42501');
      const unprotected = await asSystem(() =>
        queryRows<{ table_name: string }>(
          database.db,
          rawSql(`SELECT c.relname AS table_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'sessions' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)`),
        ),
      );
      expect(unprotected).toEqual([]);
      const [role] = await asSystem(() => queryRows<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(database.db, rawSql(`SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'arcus_app'`)));
      expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    });

    if (strictHandle) {
      it('on a handle opened with the defaults, a query outside any scope returns nothing and cannot write', async () => {
        const strict = strictHandle();
        try {
          expect(await strict.db.select({ id: organisations.id }).from(organisations)).toEqual([]);
          const { rows } = (await strict.pool!.query('SELECT count(*)::int AS n FROM invoices')) as { rows: { n: number }[] };
          expect(rows[0]!.n).toBe(0);
          await expect(strict.db.insert(firms).values({ name: 'Unscoped firm' })).rejects.toSatisfy((err: unknown) => errorCode(err) === '42501');
          // The raw pool is scoped like the handle: a checked-out client's transaction too.
          const client = await withFirm(s.a.firmId, () => strict.pool!.connect());
          try {
            await client.query('BEGIN');
            const r = await client.query<{ firm_id: string }>('SELECT firm_id FROM organisations');
            await client.query('COMMIT');
            expect(new Set(r.rows.map((x) => x.firm_id))).toEqual(new Set([s.a.firmId]));
            const outside = await client.query<{ firm_id: string }>('SELECT firm_id FROM organisations');
            expect(new Set(outside.rows.map((x) => x.firm_id))).toEqual(new Set([s.a.firmId]));
          } finally {
            client.release();
          }
        } finally {
          await strict.close();
        }
      });
    }

    it('every firm policy reads the firm once per statement, and a row cannot be filed under another firm’s organisation', async () => {
      const perRow = await asSystem(() =>
        queryRows<{ tablename: string }>(
          database.db,
          rawSql(`SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND qual LIKE '%current_setting%' AND NOT (qual LIKE '%( SELECT%current_setting%' AND with_check LIKE '%( SELECT%current_setting%')`),
        ),
      );
      expect(perRow).toEqual([]);
      // Even the system scope (webhooks, schedule ticks) cannot put firm B's id on firm A's organisation's rows.
      await expect(
        asSystem(() => database.db.execute(sql`INSERT INTO contacts (firm_id, organisation_id, external_id, name) VALUES (${s.b.firmId}, ${s.a.orgId}, 'mismatch', 'Mismatched')`)),
      ).rejects.toSatisfy((err: unknown) => errorCode(err) === '23503');
      const [{ n }] = (await asSystem(() => queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM contacts WHERE external_id = 'mismatch'`))) as [{ n: number }];
      expect(n).toBe(0);
    });

    if (strictHandle) {
      it('one pooled connection reused by firm A, the system, no firm and firm B carries nothing from one to the next', async () => {
        // A pool of one: every checkout is the same session, so a scope left behind would show.
        const single = openPostgres(workerUrl(), { max: 1 });
        const orgFirms = async () => new Set((await single.db.select({ firmId: organisations.firmId }).from(organisations)).map((r) => r.firmId));
        const role = async () => (await queryRows<{ r: string }>(single.db, rawSql('SELECT current_user AS r')))[0]!.r;
        try {
          expect(await withFirm(s.a.firmId, orgFirms)).toEqual(new Set([s.a.firmId]));
          expect(await withFirm(s.a.firmId, role)).toBe('arcus_app');
          const system = await asSystem(orgFirms);
          expect(system.has(s.a.firmId) && system.has(s.b.firmId)).toBe(true);
          expect(await asSystem(role)).not.toBe('arcus_app');
          expect(await withoutFirm(orgFirms)).toEqual(new Set());
          expect(await withFirm(s.b.firmId, orgFirms)).toEqual(new Set([s.b.firmId]));
          // A failed statement under B leaves the session usable, and still B's only.
          await expect(withFirm(s.b.firmId, () => single.pool!.query('SELECT 1/0'))).rejects.toThrow();
          expect(await withFirm(s.b.firmId, orgFirms)).toEqual(new Set([s.b.firmId]));
          // A transaction rolled back under A does not undo the session's scope.
          await expect(
            withFirm(s.a.firmId, () =>
              single.db.transaction(async (tx) => {
                await tx.select().from(organisations);
                throw new Error('roll back');
              }),
            ),
          ).rejects.toThrow('roll back');
          expect(await withFirm(s.a.firmId, orgFirms)).toEqual(new Set([s.a.firmId]));
          expect((await asSystem(orgFirms)).size).toBeGreaterThanOrEqual(2);
        } finally {
          await single.close();
        }
      });
    }

    it('a sync page loaded as firm A on a pooled session leaves nothing for the next user of that session', async () => {
      // A pool of one on PostgreSQL (every checkout is the same session, its temporary COPY target
      // included); PGlite's one connection is shared anyway.
      const single = strictHandle ? openPostgres(workerUrl(), { max: 1 }) : null;
      const handle = single ?? database;
      const lines = () => queryRows<{ n: number }>(handle.db, rawSql('SELECT count(*)::int AS n FROM invoice_lines')).then((r) => r[0]!.n);
      const [inv] = await asSystem(() =>
        handle.db
          .insert(invoices)
          .values({ firmId: s.a.firmId, organisationId: s.a.orgId, externalId: `pooled-${s.a.orgId}`, contactExternalId: 'c1', number: 'INV-POOL', issueDate: '2026-11-01', dueDate: '2026-12-01', currency: 'GBP', total: '10.00', amountDue: '10.00', status: 'authorised' })
          .returning(),
      );
      const cols = ['firm_id', 'invoice_id', 'line_no', 'description', 'line_amount'];
      const row = (n: number) => [s.a.firmId, inv!.id, n, `Line ${n}`, '5.00'];
      try {
        // Firm A's unit of work: one session, one transaction per page, lines through the COPY target.
        const conn = await withFirm(s.a.firmId, () => openSqlConn(handle.db));
        try {
          // A first page that fails is rolled back with whatever it made (its COPY target too); the next pages still load.
          await expect(
            withFirm(s.a.firmId, () =>
              conn.transaction(async (c) => {
                await c.load('invoice_lines', cols, [row(9)]);
                throw new Error('page failed');
              }),
            ),
          ).rejects.toThrow('page failed');
          await withFirm(s.a.firmId, () => conn.transaction((c) => c.load('invoice_lines', cols, [row(1)])));
          await withFirm(s.a.firmId, () => conn.transaction((c) => c.load('invoice_lines', cols, [row(2)])));
          const [seen] = await withFirm(s.a.firmId, () => conn.query<{ n: number }>('SELECT count(*)::int AS n FROM invoice_lines'));
          expect(seen!.n).toBe(2);
        } finally {
          conn.release();
        }
        // The next users of the same session see nothing of it: firm B, no firm.
        expect(await withFirm(s.b.firmId, lines)).toBe(0);
        expect(await withoutFirm(lines)).toBe(0);
        if (single) {
          const copyTarget = () => queryRows<{ n: number }>(single.db, rawSql('SELECT count(*)::int AS n FROM sync_copy_invoice_lines')).then((r) => r[0]!.n);
          // The session's COPY target outlives the unit of work, empty (ON COMMIT DELETE ROWS).
          expect(await withFirm(s.b.firmId, copyTarget)).toBe(0);
          const [firm] = await withFirm(s.b.firmId, () => queryRows<{ f: string }>(single.db, rawSql(`SELECT current_setting('app.firm_id') AS f`)));
          expect(firm!.f).toBe(s.b.firmId);
        }
        expect(await asSystem(lines)).toBeGreaterThanOrEqual(2);
      } finally {
        await asSystem(() => handle.db.delete(invoices).where(eq(invoices.id, inv!.id)));
        await single?.close();
      }
    });

    afterAll(async () => {
      if (name !== 'PostgreSQL') await database?.close();
    });
  });
}

function rawSql(text: string) {
  return sql.raw(text);
}

function sqlCount() {
  return sql`SELECT count(*)::int AS n FROM invoices`;
}

isolationSuite('PostgreSQL', testDatabase, () => openPostgres(workerUrl(), { max: 2 }));
isolationSuite('PGlite', memoryDatabase);
