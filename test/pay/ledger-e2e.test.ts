
import { randomBytes } from 'node:crypto';
import { and, eq, like, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../server/db/client';
import { HIDDEN_PAY_TOKEN } from '../../server/pay/url-at-rest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writebackEnqueuer } from '../../server/writebacks/enqueue';
import type { Provider } from '../../integrations/ledger/types';
import { invoices, writebacks } from '../../server/db/schema';
import { addDays, todayIn } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { createLogger } from '../../server/logger';
import { ensurePayLink } from '../../server/pay/links';
import { previewDay } from '../../server/reminders/preview';
import { type Arcus, startArcus } from '../../root/runtime';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';
import { until } from '../support/until';
import { connectAndSync } from '../writebacks/harness';
import { scratchDir } from '../support/scratch';

/** The tables in which any row's text holds `needle` (a copy of the database, searched). */
async function tablesHolding(db: Db, needle: string): Promise<string[]> {
  const tables = await queryRows<{ name: string }>(db, sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const found: string[] = [];
  for (const { name } of tables) {
    const [hit] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(name)} t WHERE strpos(t::text, ${needle}) > 0`);
    if (hit!.n > 0) found.push(name);
  }
  return found;
}

describeWith('pg', 'Pay link to PAID, end to end against the sandbox ledger', () => {
  let fx: SyncFixture;
  let app: Arcus;
  const orgs = new Map<Provider, { organisationId: string; companyId: string; timezone: string }>();

  const sync = async (organisationId: string, kind: 'full' | 'incremental') => {
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind });
    const result = await runSync(fx.engineDeps(), { runId });
    expect(result.status).toBe('succeeded');
  };

  /** The invoices the reminder planner would remind about over the next 45 days. */
  const plannedInvoices = async (organisationId: string, timezone: string) => {
    const today = todayIn(timezone);
    const ids = new Set<string>();
    for (let d = 0; d <= 45; d++) {
      const p = await previewDay(fx.db, { firmId: fx.firmId, organisationId, date: addDays(today, d), now: new Date() });
      for (const s of p?.sends ?? []) for (const i of s.invoices) ids.add(i.externalId);
    }
    return ids;
  };

  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 31, companies: [{ provider: 'xero', customers: 5, invoices: 60 }, { provider: 'quickbooks', customers: 5, invoices: 60 }] });
    for (const [p, o] of (await connectAndSync(fx, { name: 'Pat Payments', email: 'pat@firm.example' })).orgs) orgs.set(p, o);
    app = await startArcus({
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        ARCUS_DATA_DIR: scratchDir('pay-e2e'),
        ARCUS_DEMO: 'off',
        SESSION_SECRET: randomBytes(24).toString('hex'),
        TOKEN_ENCRYPTION_KEY: fx.tokenKey.toString('hex'),
        PAYMENTS_PROVIDER: 'sandbox',
        LOG_LEVEL: 'silent',
      },
      database: fx.database,
      sandbox: { url: fx.url },
      log: createLogger('silent'),
      demoConnect: false,
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await fx?.close();
  });

  for (const provider of ['xero', 'quickbooks'] as const) {
    it(`${provider}: the debtor pays through the link → one payment in the ledger, PAID there and in Arcus after the next sync, reminders stop`, async () => {
      const { organisationId, companyId, timezone } = orgs.get(provider)!;
      const store = fx.server.sandbox.ctx.store;
      const planned = await plannedInvoices(organisationId, timezone);
      const open = await fx.db
        .select()
        .from(invoices)
        .where(and(eq(invoices.organisationId, organisationId), eq(invoices.status, 'authorised')));
      const inv = open.find((i) => planned.has(i.externalId) && toMinor(i.amountDue) > 0 && toMinor(i.amountPaid) === 0);
      expect(inv, 'an open invoice the planner reminds about').toBeTruthy();
      const paymentsBefore = store.list('payments', companyId).length;

      const link = await ensurePayLink(fx.db, { firmId: fx.firmId, organisationId, invoiceId: inv!.id }, { appUrl: app.url, enqueueExecute: writebackEnqueuer(app.queue), linkKey: app.config.payLinkKey });
      expect(link.url).toBe(`${app.url}/pay/${link.token}`);

      // The debtor's side, over HTTP as the pay page does it.
      const summary = await (await fetch(`${app.url}/pay-api/${link.token}`)).json();
      expect(JSON.stringify(summary)).toContain(inv!.number);
      const opened = await fetch(`${app.url}/pay-api/${link.token}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(opened.status).toBe(201);
      const checkout = (await opened.json()) as { checkoutId: string; url: string; amount: string };
      expect(toMinor(checkout.amount)).toBe(toMinor(inv!.amountDue));
      const paid = await fetch(checkout.url, { method: 'POST', redirect: 'manual' });
      expect(paid.status).toBe(303);
      const back = await fetch(`${app.url}/pay-api/${link.token}/checkouts/${checkout.checkoutId}`);
      expect(back.status).toBe(200);

      // The payment write-back goes through the app's queue to the ledger and is confirmed.
      const row = await until(async () => {
        const [w] = await fx.db
          .select()
          .from(writebacks)
          .where(and(eq(writebacks.firmId, fx.firmId), like(writebacks.sourceKey, `payment:${checkout.checkoutId}:%`)));
        return w?.status === 'confirmed' ? w : null;
      });
      expect(row).toMatchObject({ kind: 'payment', requestedBy: 'debtor', invoiceId: inv!.id });
      // A second return from the provider changes nothing.
      expect((await fetch(`${app.url}/pay-api/${link.token}/checkouts/${checkout.checkoutId}`)).status).toBe(200);
      const newPayments = store.list('payments', companyId).slice(paymentsBefore);
      expect(newPayments.filter((p) => p.allocations.some((a) => a.invoiceId === inv!.externalId))).toHaveLength(1);
      expect(newPayments[0]!.amount).toBe(toMinor(inv!.amountDue));
      const inLedger = store.invoice(companyId, inv!.externalId);
      expect(inLedger.amountDue).toBe(0);
      expect(inLedger.status).toBe('PAID');
      // The link itself was written onto the invoice in the ledger (Xero Url / QuickBooks customer memo).
      await until(async () => {
        const [w] = await fx.db.select().from(writebacks).where(and(eq(writebacks.firmId, fx.firmId), eq(writebacks.sourceKey, `pay_link:${inv!.id}`)));
        return w?.status === 'confirmed';
      });
      const shown = store.invoice(companyId, inv!.externalId);
      if (provider === 'xero') expect(shown.url).toBe(link.url);
      else expect(shown.customerMemo).toContain(link.url);
      // The pay page now also offers the ledger's own online invoice (Xero always; QuickBooks when it takes online payments).
      const again = (await (await fetch(`${app.url}/pay-api/${link.token}`)).json()) as { invoices: { number: string; onlineUrl: string | null }[] };
      const onlineUrl = again.invoices.find((i) => i.number === inv!.number)?.onlineUrl ?? null;
      if (provider === 'xero' || store.company(companyId).onlinePayments) {
        expect(onlineUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/(xero\/in|qbo\/pay)\//);
        const view = await fetch(onlineUrl!);
        expect(view.status).toBe(200);
        expect(await view.text()).toContain(`Invoice ${inv!.number}`);
      } else expect(onlineUrl).toBeNull();

      // Arcus learns it at the next sync; the planner stops reminding.
      await sync(organisationId, 'incremental');
      const [after] = await fx.db.select().from(invoices).where(eq(invoices.id, inv!.id));
      expect(after).toMatchObject({ status: 'paid' });
      expect(toMinor(after!.amountDue)).toBe(0);
      expect((await plannedInvoices(organisationId, timezone)).has(inv!.externalId)).toBe(false);

      // The link went into the ledger and came back with the sync, yet no table holds its token:
      // the write-back named the link row, the read-back and the synced Url keep it hidden.
      const [wb] = await fx.db.select({ request: writebacks.request }).from(writebacks).where(and(eq(writebacks.firmId, fx.firmId), eq(writebacks.sourceKey, `pay_link:${inv!.id}`)));
      expect(wb!.request).toEqual({ payLinkId: expect.any(String) });
      if (provider === 'xero') expect(after!.url).toBe(`${app.url}/pay/${HIDDEN_PAY_TOKEN}`);
      expect(await tablesHolding(fx.db, link.token)).toEqual([]);
    }, 120_000);
  }
});
