/**
 * One migrated PostgreSQL database per vitest worker (created fresh by the global setup),
 * migrated exactly as in production. Test files isolate their data by creating their own
 * firm, so nothing is truncated between files.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
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

/**
 * The run's migrated PGlite image: the first memoryDatabase() of a run migrates and dumps its data
 * directory into the scratch root (written whole, then renamed, so a reader never sees half);
 * later ones load it. Running every migration on PGlite takes 20 s or more on a busy machine.
 */
const PGLITE_IMAGE = 'pglite-migrated.tar';

async function migratedImage(): Promise<Blob | null> {
  const file = path.join(services.scratchRoot, PGLITE_IMAGE);
  return existsSync(file) ? new Blob([await readFile(file)]) : null;
}

/** A fresh in-memory PGlite, migrated (from the run's migrated image when there is one; `fresh` runs every migration). */
export async function memoryDatabase(options: { fresh?: boolean } = {}): Promise<Database> {
  const image = options.fresh ? null : await migratedImage();
  const db = await openPglite(null, { unscoped: 'system', loadDataDir: image ?? undefined });
  // With the image every migration is already recorded, so this only checks.
  await db.migrate();
  if (!image) {
    const file = path.join(services.scratchRoot, PGLITE_IMAGE);
    const partial = `${file}.${process.pid}.${Date.now()}`;
    await writeFile(partial, Buffer.from(await (await db.dumpDataDir()).arrayBuffer()));
    await rename(partial, file);
  }
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
