/**
 * `arcus sync [--org ID] [--full] [--sandbox-url URL]`: sync organisations now, in this
 * process, against the configured database, and print per-organisation counts — and, after
 * each, the count and ids of invoices whose ledger balance the synced settlements do not
 * explain (the balance invariant, server/sync/balance-invariant.ts).
 *
 * Ledgers: the real Xero / Intuit endpoints, or with LEDGER_SANDBOX on the sandbox ledger —
 * `--sandbox-url`, else with DATABASE_URL the running app's `APP_URL/sandbox` (as the worker
 * uses), else (embedded mode) a sandbox started in this process from SANDBOX_SEED, to which
 * the organisations are reconnected first (its grants live in memory, so the app's stored
 * tokens do not carry over).
 *
 * Embedded mode uses the PGlite folder, which only one process may open: the command refuses
 * to run while `arcus start` answers on APP_URL. Stop the app first, or use Sync in the app.
 */
import { parseArgs } from 'node:util';
import { and, eq, ne, type SQL } from 'drizzle-orm';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { compose } from '../../root/compose';
import { RetryLaterError } from '../../server/queue';
import { loadConfig } from '../../server/config';
import { organisations } from '../../server/db/schema';
import { SANDBOX_MOUNT } from '../../server/embedded/sandbox';
import { createLogger } from '../../server/logger';
import { checkOrganisationBalances } from '../../server/sync/balance-check';
import { runSync, type SyncResult } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';
import type { Command } from '../command';
import { UsageError } from '../command';
import { asSystem, withFirm } from '../../server/db/firm-scope';

/** The CLI waits out rate-limit deferrals up to this long each; longer ones are left queued. */
const MAX_CLI_WAIT_MS = 5 * 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function appIsRunning(appUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${appUrl}/healthz`, { signal: AbortSignal.timeout(800) });
    return res.ok;
  } catch {
    return false;
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export const command: Command = {
  name: 'sync',
  summary: 'Sync connected organisations from Xero / QuickBooks now and print the counts',
  usage: 'arcus sync [--org ORGANISATION_ID] [--full] [--sandbox-url URL]',
  async run(args) {
    const { values } = parseArgs({ args, options: { org: { type: 'string' }, full: { type: 'boolean', default: false }, 'sandbox-url': { type: 'string' } } });
    if (values.org !== undefined && !UUID.test(values.org)) throw new UsageError('--org takes an organisation id (a uuid)');
    const config = loadConfig();
    if (config.embedded && (await appIsRunning(config.appUrl))) {
      console.error(`arcus sync: Arcus is running at ${config.appUrl} on the same data folder (${config.dataDir}); PGlite allows one process per folder. Stop it first, or use Sync in the app.`);
      return 1;
    }
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    let sandbox: SandboxServer | null = null;
    let sandboxBaseUrl: string | null = null;
    if (values['sandbox-url']) sandboxBaseUrl = values['sandbox-url'].replace(/\/+$/, '');
    else if (config.sandbox && !config.embedded) sandboxBaseUrl = `${config.appUrl}${SANDBOX_MOUNT}`;
    else if (config.sandbox) {
      sandbox = await startSandbox({ port: 0, autoConsent: true, seed: config.sandboxSeed, log: (m) => log.error(m) });
      sandboxBaseUrl = sandbox.url;
    }
    const app = await compose({ config, log, sandboxBaseUrl, mail: 'smtp' });
    const database = app.database;
    const { factory, limiter } = app.ledgers;
    try {
      const filters: SQL[] = [ne(organisations.status, 'disconnected')];
      if (values.org) filters.push(eq(organisations.id, values.org));
      // An operator command across firms: the organisations are listed as the system, and each
      // one is connected and synced as its own firm (docs/decisions/007).
      const orgs = await asSystem(() => database.db.select().from(organisations).where(and(...filters)));
      if (orgs.length === 0) {
        console.log(values.org ? `No connected organisation ${values.org}.` : 'No connected organisations: connect a Xero organisation or QuickBooks company in the app first.');
        return values.org ? 1 : 0;
      }
      if (sandbox) {
        // The in-process sandbox issued no grants yet: reconnect its companies (same organisation rows).
        const known = new Set(sandbox.sandbox.companyIds);
        for (const o of orgs) {
          if (!known.has(o.externalId)) continue;
          await withFirm(o.firmId, () => connectSandboxCompany({ db: database.db, factory, tokenKey: config.tokenEncryptionKey }, { firmId: o.firmId, provider: o.provider, companyId: o.externalId }));
        }
      }
      const deps = { db: database.db, factory, tokenKey: config.tokenEncryptionKey, limiter, log, now: () => app.clock.ms() };
      const kind = values.full ? 'full' : 'incremental';
      console.log(`${pad('Organisation', 32)} ${pad('Ledger', 10)} ${pad('Result', 10)} ${pad('Contacts', 9)} ${pad('Invoices', 9)} ${pad('Payments', 9)} ${pad('Credits', 8)} ${pad('Removed', 8)} ${pad('Calls', 6)} Time`);
      let failures = 0;
      let unexplained = 0;
      for (const o of orgs) {
        const { runId } = await withFirm(o.firmId, () => createOrReuseRun(database.db, { organisationId: o.id, kind }));
        let result: SyncResult | null = null;
        let note = '';
        for (let attempt = 1; attempt <= 6 && !result; attempt++) {
          try {
            result = await withFirm(o.firmId, () => runSync(deps, { runId, attempt, finalAttempt: attempt === 6 }));
          } catch (err) {
            if (err instanceof RetryLaterError && err.delayMs <= MAX_CLI_WAIT_MS) {
              console.error(`  ${o.name}: ${err.message}; waiting ${Math.ceil(err.delayMs / 1000)} s`);
              await new Promise((r) => setTimeout(r, err.delayMs));
              continue;
            }
            note = err instanceof RetryLaterError ? `deferred: ${err.message} (run ${runId} stays queued)` : err instanceof Error ? err.message : String(err);
            break;
          }
        }
        const ledger = o.provider === 'xero' ? 'Xero' : 'QuickBooks';
        if (!result) {
          failures++;
          console.log(`${pad(o.name.slice(0, 32), 32)} ${pad(ledger, 10)} ${pad('failed', 10)} ${note}`);
          continue;
        }
        const c = result.counts;
        console.log(
          `${pad(o.name.slice(0, 32), 32)} ${pad(ledger, 10)} ${pad(result.status === 'succeeded' ? 'ok' : result.status, 10)} ${pad(String(c.contacts), 9)} ${pad(String(c.invoices), 9)} ${pad(String(c.payments), 9)} ${pad(String(c.creditNotes + c.overpayments + c.prepayments), 8)} ${pad(String(c.deleted), 8)} ${pad(String(result.apiCalls), 6)} ${(result.durationMs / 1000).toFixed(1)} s`,
        );
        // The balance invariant (docs/decisions/012-xero-settlements.md): invoices whose ledger balance the synced settlements do not explain.
        const balances = await withFirm(o.firmId, () => checkOrganisationBalances(database.db, { firmId: o.firmId, organisationId: o.id }));
        if (balances.unexplained.length) {
          unexplained += balances.unexplained.length;
          console.log(`  ${balances.unexplained.length} of ${balances.checked} invoices have a balance Arcus cannot explain (invoice ids):`);
          for (const v of balances.unexplained) console.log(`    ${v.id}  ${v.externalId}  ${v.kind}: ${v.message}`);
        }
      }
      if (unexplained) console.log(`${unexplained} invoice${unexplained === 1 ? '' : 's'} with a balance Arcus cannot explain.`);
      return failures ? 1 : 0;
    } finally {
      if (sandbox) await new Promise<void>((resolve) => sandbox!.close(() => resolve()));
      await app.close();
    }
  },
};
