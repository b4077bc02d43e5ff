/**
 * One migrated PostgreSQL database per vitest worker (created fresh by the global setup),
 * migrated exactly as in production. Test files isolate their data by creating their own
 * firm, so nothing is truncated between files.
 */
import { afterAll } from 'vitest';
import { type Database, openPglite, openPostgres } from '../../server/db/client';
import { firms, memberships, users } from '../../server/db/schema';
import { workerDatabaseUrl } from './global-setup';
import { services } from './services';

export function workerUrl(): string {
  return workerDatabaseUrl(services.databaseUrl, services.runId, process.env.VITEST_POOL_ID ?? '1');
}

let shared: Database | null = null;

/** The worker's PostgreSQL database, migrated; closed after the file. */
export async function testDatabase(): Promise<Database> {
  if (shared) return shared;
  // Test files seed their own data outside any firm scope; the app's requests and jobs set theirs.
  const db = openPostgres(workerUrl(), { max: 5, unscoped: 'system' });
  await db.migrate();
  shared = db;
  afterAll(async () => {
    await shared?.close();
    shared = null;
  });
  return db;
}

/** A fresh in-memory PGlite, migrated. */
export async function memoryDatabase(): Promise<Database> {
  const db = await openPglite(null, { unscoped: 'system' });
  await db.migrate();
  return db;
}

/** A firm with one user of the given role, for scoping data to a test. */
export async function createFirm(database: Database, role: 'admin' | 'collector' | 'viewer' = 'admin') {
  const suffix = Math.random().toString(36).slice(2, 10);
  const [firm] = await database.db.insert(firms).values({ name: `Test firm ${suffix}` }).returning();
  const [user] = await database.db.insert(users).values({ email: `user-${suffix}@firm.example`, name: `User ${suffix}`, authProvider: 'test', authSubject: suffix }).returning();
  await database.db.insert(memberships).values({ firmId: firm!.id, userId: user!.id, role });
  return { firm: firm!, user: user! };
}
