/**
 * The embedded demo is "already connected": the demo connector runs the real authorization-code
 * flow against the in-process sandbox (answering its consent page), and is idempotent across
 * restarts — the sandbox forgets its grants, so dead tokens are noticed and the companies are
 * connected again into the same organisations; what the user disconnected stays disconnected.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { DEFAULT_DEMO_COMPANIES } from '../../integrations/sandbox/demo';
import { loadConfig } from '../../server/config';
import type { SyncKind } from '../../server/connections/deps';
import { disconnectOrganisation } from '../../server/connections/disconnect';
import type { Database } from '../../server/db/client';
import { connections, organisations } from '../../server/db/schema';
import { ensureDemoConnections } from '../../server/embedded/demo-connect';
import { createEmbeddedSandbox, type EmbeddedSandbox } from '../../server/embedded/sandbox';
import { createLogger } from '../../server/logger';
import type { OAuthDeps } from '../../server/oauth/flow';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const SEED = 9303;
const log = createLogger('silent');

/** One "boot": a fresh in-process sandbox (same seed, so the same companies) behind a listening server. */
async function boot(database: Database) {
  const config = loadConfig({ ARCUS_DATA_DIR: '/tmp/arcus-demo-connect-test', LOG_LEVEL: 'silent' });
  const app = express();
  const server = await new Promise<http.Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sandbox: EmbeddedSandbox = createEmbeddedSandbox({ appUrl: url, seed: SEED, log });
  app.use('/sandbox', sandbox.sandbox.app);
  const requested: { organisationId: string; kind: SyncKind }[] = [];
  const deps: OAuthDeps = {
    db: database.db,
    log,
    factory: createLedgerFactory({ sandboxBaseUrl: `${url}/sandbox`, xero: null, intuit: null }),
    tokenKey: config.tokenEncryptionKey,
    requestSync: async (organisationId, kind) => {
      requested.push({ organisationId, kind });
    },
    sessionSecret: config.sessionSecret,
    publicUrl: () => url,
  };
  return {
    sandbox,
    deps,
    requested,
    async stop() {
      sandbox.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
    },
  };
}

describeWith('pg', 'the embedded demo connection', () => {
  let database: Database;
  let firmId = '';
  beforeAll(async () => {
    database = await testDatabase();
    firmId = (await createFirm(database)).firm.id;
  });
  afterAll(async () => {
    if (firmId) await database.db.update(organisations).set({ status: 'disconnected' }).where(eq(organisations.firmId, firmId));
  });

  it('connects every demo company on first boot, keeps them on the next, reconnects after the sandbox forgot its grants', async () => {
    expect(DEFAULT_DEMO_COMPANIES).toHaveLength(4);
    const first = await boot(database);
    const r1 = await ensureDemoConnections(first.deps, first.sandbox.sandbox, { firmId });
    expect(r1.connected.sort()).toEqual(['Harbour Joinery Ltd', 'Kiwi Plumbing Co', 'Maple Street Bakery', 'Redwood Dental Group']);
    const orgs1 = await database.db.select().from(organisations).where(eq(organisations.firmId, firmId));
    expect(orgs1).toHaveLength(4);
    expect(first.requested.map((r) => r.kind)).toEqual(['full', 'full', 'full', 'full']);
    // One consent per company: no two organisations share a token set.
    const conns = await database.db.select().from(connections).where(eq(connections.firmId, firmId));
    expect(new Set(conns.map((c) => c.refreshTokenEnc)).size).toBe(4);
    expect(first.sandbox.sandbox.ctx.grants.all()).toHaveLength(4);

    // Same process, called again: nothing to do.
    const again = await ensureDemoConnections(first.deps, first.sandbox.sandbox, { firmId });
    expect(again.kept).toHaveLength(4);
    expect(again.connected).toEqual([]);
    await first.stop();

    // A restart: a new sandbox with the same companies but no grants.
    const second = await boot(database);
    const r2 = await ensureDemoConnections(second.deps, second.sandbox.sandbox, { firmId });
    expect(r2.reconnected.sort()).toEqual(['Harbour Joinery Ltd', 'Kiwi Plumbing Co', 'Maple Street Bakery', 'Redwood Dental Group']);
    const orgs2 = await database.db.select().from(organisations).where(eq(organisations.firmId, firmId));
    expect(orgs2.map((o) => o.id).sort()).toEqual(orgs1.map((o) => o.id).sort());
    expect(orgs2.every((o) => o.status === 'active')).toBe(true);
    expect(second.requested.map((r) => r.kind)).toEqual(['full', 'full', 'full', 'full']);

    // The user disconnects one; after the next restart it stays disconnected.
    const kiwi = orgs2.find((o) => o.name === 'Kiwi Plumbing Co')!;
    const someone = (await createFirm(database)).user;
    await disconnectOrganisation(second.deps, { firmId, organisationId: kiwi.id, userId: someone.id, userName: someone.name });
    await second.stop();
    const third = await boot(database);
    const r3 = await ensureDemoConnections(third.deps, third.sandbox.sandbox, { firmId });
    expect(r3.skipped).toEqual(['Kiwi Plumbing Co']);
    expect(r3.reconnected).toHaveLength(3);
    const [kiwiAfter] = await database.db.select().from(organisations).where(eq(organisations.id, kiwi.id));
    expect(kiwiAfter!.status).toBe('disconnected');
    await third.stop();
  }, 60_000);
});
