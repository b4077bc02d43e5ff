/**
 * QuickBooks' `intuit_tid` (and Xero's correlation id) kept with every call (docs/app-store.md):
 * each ledger call's log line carries the reference the provider sent for it, a failed sync run
 * stores it with its error, and a refused write's error (what a write-back stores) names it —
 * against the sandbox ledger, which answers every QuickBooks call with an intuit_tid header and
 * every Xero call with a Xero-Correlation-Id. No token or QuickBooks data reaches the log.
 */
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LedgerError } from '../../integrations/ledger/errors';
import { openTokens } from '../../server/connections/tokens';
import { connections, contacts, invoices, syncRuns } from '../../server/db/schema';
import { createLedgerGateway } from '../../server/ledger/gateway';
import { createLogger } from '../../server/logger';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun, type RunError } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from './connect-helper';

let fx: SyncFixture;

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { log: createLogger('info', dest), lines, raw };
}

const admin = () => ({ authorization: `Bearer ${fx.server.sandbox.ctx.options.adminToken}` });
async function fault(body: Record<string, unknown>) {
  const res = await fetch(`${fx.url}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin() }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
}
async function clearFaults() {
  await fetch(`${fx.url}/admin/faults`, { method: 'DELETE', headers: admin() });
}

describeWith('pg', 'provider references (intuit_tid) in logs and stored errors', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({
      seed: 4242,
      companies: [
        { provider: 'quickbooks', customers: 6, invoices: 30 },
        { provider: 'xero', customers: 4, invoices: 12 },
      ],
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('a QuickBooks sync logs each call with its intuit_tid; a failed call stores the intuit_tid with the run’s error', async () => {
    const org = await fx.connect('quickbooks', fx.companyIds[0]!);
    const { log, lines, raw } = capture();
    const ok = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' });
    await runSync({ ...fx.engineDeps(), log }, { runId: ok.runId });
    // One line per call, with what it was and its status. (node-quickbooks' query helpers drop a
    // successful response's headers, so those lines cannot carry the intuit_tid: docs/app-store.md.)
    const calls = lines.filter((l) => l['msg'] === 'ledger call');
    expect(calls.length).toBeGreaterThan(2);
    for (const c of calls) expect(c).toMatchObject({ provider: 'quickbooks', organisationId: org.organisationId, status: 200, purpose: 'sync' });
    // Every other successful call names its intuit_tid, each a different one.
    const before = lines.length;
    const gateway = createLedgerGateway({ factory: fx.factory, tokenKey: fx.tokenKey, limiter: fx.limiter, db: fx.db, log, now: fx.now });
    await (await gateway.open(org.organisationId, { purpose: 'read' })).reads.organisation();
    const reads = lines.slice(before).filter((l) => l['msg'] === 'ledger call');
    expect(reads.map((l) => l['call'])).toEqual(['Reading the QuickBooks company', 'Reading QuickBooks preferences']);
    for (const c of reads) expect(c['intuit_tid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(reads[0]!['intuit_tid']).not.toBe(reads[1]!['intuit_tid']);

    // The next call QuickBooks answers with a 503: the run stores the error with that call's intuit_tid.
    await fault({ provider: 'quickbooks', companyId: fx.companyIds[0], kind: '5xx', status: 503, count: 50 });
    const failing = await createOrReuseRun(fx.db, { organisationId: org.organisationId, kind: 'full' });
    await runSync({ ...fx.engineDeps(), log }, { runId: failing.runId, attempt: 1, retryDelayMs: 1000 }).catch(() => undefined);
    await clearFaults();
    const [run] = await fx.db.select().from(syncRuns).where(eq(syncRuns.id, failing.runId));
    const errors = run!.errors as RunError[];
    expect(errors.length).toBeGreaterThan(0);
    const last = errors.at(-1)!;
    expect(last.reference?.name).toBe('intuit_tid');
    expect(last.message).toContain(`intuit_tid ${last.reference!.value}`);
    const failedLine = lines.find((l) => l['msg'] === 'ledger call failed' && l['intuit_tid'] === last.reference!.value);
    expect(failedLine).toMatchObject({ status: 503, code: 'server', provider: 'quickbooks' });

    // Never a token or the company's data in the log.
    const [conn] = await fx.db.select().from(connections).where(eq(connections.organisationId, org.organisationId));
    const tokens = openTokens(fx.tokenKey, conn!);
    const names = (await fx.db.select({ name: contacts.name, emails: contacts.emails }).from(contacts).where(eq(contacts.organisationId, org.organisationId))).flatMap((c) => [c.name, ...((c.emails as { address?: string }[]) ?? []).map((e) => e.address)]).filter((v): v is string => !!v && v.length > 3);
    expect(names.length).toBeGreaterThan(0);
    const all = raw.join('\n');
    expect(all).not.toContain(tokens.accessToken);
    expect(all).not.toContain(tokens.refreshToken);
    for (const n of names) expect(all).not.toContain(n);
  });

  it('a refused QuickBooks write names its intuit_tid in the error a write-back stores; Xero calls carry the correlation id', async () => {
    const org = await fx.connect('quickbooks', fx.companyIds[0]!);
    const { log, lines } = capture();
    const gateway = createLedgerGateway({ factory: fx.factory, tokenKey: fx.tokenKey, limiter: fx.limiter, db: fx.db, log, now: fx.now });
    const ledger = await gateway.open(org.organisationId, { purpose: 'writeback' });
    const [inv] = await fx.db.select({ externalId: invoices.externalId }).from(invoices).where(eq(invoices.organisationId, org.organisationId)).limit(1);
    await fault({ provider: 'quickbooks', companyId: fx.companyIds[0], kind: '5xx', status: 500, count: 1 });
    const err = await ledger.writes.voidDocument({ key: 'wb-intuit-tid-1', type: 'invoice', externalId: inv!.externalId }).catch((e: unknown) => e);
    await clearFaults();
    expect(err).toBeInstanceOf(LedgerError);
    const e = err as LedgerError;
    expect(e.options.reference?.name).toBe('intuit_tid');
    expect(e.code).toBe('server');
    expect(e.message).toMatch(/\(intuit_tid [0-9a-f-]{36}\)$/);
    expect(lines.find((l) => l['msg'] === 'ledger call failed')?.['intuit_tid']).toBe(e.options.reference!.value);

    const xero = await fx.connect('xero', fx.companyIds[1]!);
    const x = await gateway.open(xero.organisationId, { purpose: 'read' });
    await x.reads.organisation();
    const line = lines.find((l) => l['msg'] === 'ledger call' && l['provider'] === 'xero');
    expect(line?.['xero_correlation_id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
