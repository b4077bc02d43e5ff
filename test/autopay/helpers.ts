/**
 * Test support for autopay: a fresh customer with one 200.00 invoice in a sandbox company (synced),
 * the customer's statement pay link as the pay page sees it, the charge service's dependencies.
 */
import { and, eq } from 'drizzle-orm';
import type { Provider } from '../../integrations/ledger/types';
import type { PaymentProvider } from '../../integrations/payments/provider';
import { addDays } from '../../kernel/dates';
import type { AutopayDeps } from '../../server/autopay/charge';
import { invoices } from '../../server/db/schema';
import { ensureStatementLink } from '../../server/pay/links';
import { findLink, type LinkView, loadLinkView } from '../../server/pay/view';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { companyToday } from '../ledger-writes/helpers';
import type { Capture } from '../reminders/harness';
import type { SyncFixture } from '../sync/connect-helper';
import { expect } from 'vitest';

export const LINK_KEY = Buffer.alloc(32, 9);
export const APP_URL = 'http://arcus.test';

export async function sync(fx: SyncFixture, organisationId: string): Promise<void> {
  fx.advance(61_000);
  const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'incremental' });
  expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
}

/** A new customer (its own email) with one approved 200.00 invoice due `dueIn` days from today, synced. */
export async function customerWithInvoice(fx: SyncFixture, org: { organisationId: string; companyId: string }, name: string, email: string, dueIn: number) {
  const store = fx.server.sandbox.ctx.store;
  const contact = store.createContact(org.companyId, { name, email });
  const today = companyToday(store, org.companyId);
  const provider = store.company(org.companyId).provider as Provider;
  const inv = store.createInvoice(org.companyId, {
    contactId: contact.id,
    issueDate: addDays(today, -5),
    dueDate: addDays(today, dueIn),
    lines: [{ description: 'Monthly bookkeeping', unitAmount: 20_000, taxAmount: 0 }],
    status: 'AUTHORISED',
    lineAmountTypes: 'NoTax',
    ...(provider === 'quickbooks' ? { number: String(70_000 + store.list('invoices', org.companyId).length) } : {}),
  });
  await sync(fx, org.organisationId);
  const [row] = await fx.db.select().from(invoices).where(and(eq(invoices.organisationId, org.organisationId), eq(invoices.externalId, inv.id)));
  return { contactExternalId: contact.id, invoiceId: row!.id, invoiceExternalId: inv.id };
}

/** The customer's statement pay link, as the pay page loads it. */
export async function viewFor(fx: SyncFixture, organisationId: string, contactExternalId: string): Promise<{ view: LinkView; token: string }> {
  const link = await ensureStatementLink(fx.db, { firmId: fx.firmId, organisationId, contactExternalId }, { linkKey: LINK_KEY, appUrl: APP_URL });
  const row = await findLink(fx.db, link.token);
  const view = await loadLinkView(fx.db, row!, new Date(fx.now()));
  return { view: view!, token: link.token };
}

export function autopayDeps(fx: SyncFixture, capture: Capture, provider: PaymentProvider, queue: string[], extra: Partial<AutopayDeps> = {}): AutopayDeps {
  return { db: fx.db, provider, enqueueExecute: async (id) => void queue.push(id), now: () => new Date(fx.now()), mail: { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', embedded: false }, appUrl: APP_URL, linkKey: LINK_KEY, ...extra };
}

export const DAY = 86_400_000;
