/**
 * A sandbox ledger on 127.0.0.1:0 with one Xero and one QuickBooks demo company, connected by
 * the OAuth code flow (autoConsent), and the writers pointed at it — no database needed.
 * Also a hook that changes a QuickBooks invoice right after the writer has read it, to make
 * its SyncToken stale between read and write.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'vitest';
import { LedgerError } from '../../integrations/ledger/errors';
import { createLedgerWrites } from '../../integrations/ledger/create-writes';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import type { LedgerFactory } from '../../integrations/ledger/provider';
import type { Provider } from '../../integrations/ledger/types';
import type { LedgerWrites } from '../../integrations/ledger/writes';
import type { SbInvoice } from '../../integrations/sandbox/model';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import type { SandboxStore } from '../../integrations/sandbox/store';
import { addDays, type CalendarDate, todayIn } from '../../kernel/dates';
import { authorizeWithSandbox } from '../../server/sync/sandbox-connect';

export interface WritesFixture {
  server: SandboxServer;
  store: SandboxStore;
  factory: LedgerFactory;
  xero: { companyId: string; writes: () => LedgerWrites };
  qbo: { companyId: string; writes: () => LedgerWrites };
  close(): Promise<void>;
}

export async function startWritesFixture(seed = 11): Promise<WritesFixture> {
  const server = await startSandbox({
    port: 0,
    autoConsent: true,
    seed,
    demo: {
      companies: [
        { provider: 'xero', customers: 6, invoices: 40 },
        { provider: 'quickbooks', customers: 6, invoices: 40 },
      ],
    },
    log: () => undefined,
  });
  const store = server.sandbox.ctx.store;
  const factory = createLedgerFactory({ sandboxBaseUrl: server.url, xero: null, intuit: null, now: () => store.clock.peek() });
  const connect = async (provider: Provider, companyId: string) => {
    const { tokens } = await authorizeWithSandbox(factory.oauth(provider)!, companyId);
    return () => createLedgerWrites(factory, provider, { accessToken: tokens.accessToken, tenantId: companyId, runner: factory.runner(provider, companyId) });
  };
  const [xeroId, qboId] = server.sandbox.companyIds as [string, string];
  return {
    server,
    store,
    factory,
    xero: { companyId: xeroId, writes: await connect('xero', xeroId) },
    qbo: { companyId: qboId, writes: await connect('quickbooks', qboId) },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
    },
  };
}

/** Today in the company's zone, on sandbox time. */
export function companyToday(store: SandboxStore, companyId: string): CalendarDate {
  return todayIn(store.company(companyId).timezone, new Date(store.clock.peek()));
}

/** A fresh approved invoice of 200.00 (no tax), dated ten days ago, to a customer in the base currency. */
export function openInvoice(store: SandboxStore, companyId: string): SbInvoice {
  const company = store.company(companyId);
  const contact = store.list('contacts', companyId).find((c) => c.currency === company.baseCurrency && c.status === 'ACTIVE' && c.deletedAt === null);
  if (!contact) throw new Error('the demo company has no active customer in its base currency');
  const today = companyToday(store, companyId);
  return store.createInvoice(companyId, {
    contactId: contact.id,
    issueDate: addDays(today, -10),
    dueDate: addDays(today, 20),
    lines: [{ description: 'Consulting', unitAmount: 20_000, taxAmount: 0 }],
    status: 'AUTHORISED',
    lineAmountTypes: 'NoTax',
    ...(company.provider === 'quickbooks' ? { number: String(90_000 + store.list('invoices', companyId).length) } : {}),
  });
}

/**
 * After each of the next `times` successful QuickBooks reads of `invoiceId`, change the invoice
 * in the sandbox (its PrivateNote), so the SyncToken the writer just read is stale.
 */
export function bumpAfterRead(fx: WritesFixture, invoiceId: string, times: number): { bumps: () => number; stop: () => void } {
  let bumps = 0;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || !new RegExp(`/qbo/v3/company/[^/]+/invoice/${invoiceId}(\\?|$)`).test(req.url ?? '')) return;
    res.once('finish', () => {
      if (bumps >= times || res.statusCode !== 200) return;
      bumps++;
      const inv = fx.store.invoice(fx.qbo.companyId, invoiceId);
      fx.store.updateInvoice(fx.qbo.companyId, invoiceId, { privateNote: `${inv.privateNote}\nEdited by staff ${bumps}`.trim() });
    });
  };
  fx.server.on('request', listener);
  return { bumps: () => bumps, stop: () => fx.server.off('request', listener) };
}

/** The LedgerError a call fails with (fails the test when it succeeds or fails otherwise). */
export async function rejection(p: Promise<unknown>): Promise<LedgerError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LedgerError);
  return err as LedgerError;
}
