/**
 * Write-backs in Chromium, against the sandbox ledger over real HTTP: the demo firm connected to
 * a small Xero company and synced, then — in the UI — a credit issued on an invoice reaches
 * "Confirmed" in the activity timeline (the in-process queue writes it to the ledger and reads it
 * back); an approval threshold set in Settings › Collections holds a larger credit in the
 * approvals queue until it is approved there; a promise and a dispute show in the timeline and
 * on the worklist; a payment plan is previewed and created. Screenshots at each step.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type SandboxServer } from '../../integrations/sandbox/server';
import { updateCollectionsPolicy } from '../../server/collections/policy';
import type { Database } from '../../server/db/client';
import { queryRows } from '../../server/db/client';
import { paymentPlans, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { type Arcus, startArcus } from '../../root/runtime';
import { runScoring } from '../../server/scoring/run';
import { runSync } from '../../server/sync/engine';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { createOrReuseRun } from '../../server/sync/runs';
import { connectSandboxCompany } from '../../server/sync/sandbox-connect';
import { emptyDemoFirm } from '../support/app';
import { demoBrowser, screenshot as take } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { until } from '../support/until';
import { scratchDir } from '../support/scratch';
import { todayIn } from '../../kernel/dates';

/** Full-page pictures from the top, so the fixed header sits where it belongs. */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, name);
}

interface Target {
  contactId: string;
  contactExternalId: string;
  name: string;
  invoiceId: string;
  invoiceNumber: string;
  amountDue: string;
  currency: string;
}

describeWith(['pg', 'chromium'], 'Write-backs in Chromium', () => {
  let database: Database;
  let sandbox: SandboxServer;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let firmId: string;
  let companyId: string;
  let organisationId: string;
  let target: Target;

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await emptyDemoFirm(database.db);
    firmId = demo.firmId;
    await updateCollectionsPolicy(database.db, firmId, { approvalThreshold: null });
    sandbox = await startSandbox({ port: 0, autoConsent: true, seed: 808, demo: { companies: [{ provider: 'xero', name: 'Harbour Joinery Ltd', customers: 8, invoices: 90 }] }, log: () => undefined });
    companyId = sandbox.sandbox.companyIds[0]!;
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('writebacks-ui'), ARCUS_DEMO: 'on', ARCUS_DEMO_CONNECT: 'off' },
      database,
      log: createLogger('silent'),
      sandbox: { url: sandbox.url },
    });
    const deps = { db: database.db, factory: arcus.factory, tokenKey: arcus.config.tokenEncryptionKey };
    const conn = await connectSandboxCompany(deps, { firmId, provider: 'xero', companyId });
    organisationId = conn.organisationId;
    const { runId } = await createOrReuseRun(database.db, { organisationId, kind: 'full' });
    const now = () => Date.now();
    await runSync({ ...deps, limiter: new MemoryRateLimiter({ now }), log: createLogger('silent'), now }, { runId });
    await runScoring(database.db, { organisationId });
    // A customer with several open invoices, one with enough still due for two credits.
    const rows = await queryRows<Target>(
      database.db,
      sql`SELECT c.id AS "contactId", c.external_id AS "contactExternalId", c.name, i.id AS "invoiceId", i.number AS "invoiceNumber", i.amount_due::text AS "amountDue", i.currency
          FROM invoices i JOIN contacts c ON c.organisation_id = i.organisation_id AND c.external_id = i.contact_external_id
          WHERE i.organisation_id = ${organisationId}::uuid AND i.status = 'authorised' AND i.amount_due >= 400 AND i.due_date < ${todayIn('UTC', arcus.clock.now())}::date
            AND (SELECT count(*) FROM invoices j WHERE j.organisation_id = i.organisation_id AND j.contact_external_id = i.contact_external_id AND j.status = 'authorised') >= 2
          ORDER BY i.amount_due DESC LIMIT 1`,
    );
    target = rows[0]!;
    expect(target).toBeDefined();
    ({ browser, page } = await demoBrowser(arcus.url));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
    await new Promise<void>((resolve) => (sandbox ? sandbox.close(() => resolve()) : resolve()));
    sandbox?.closeAllConnections?.();
    if (firmId) await updateCollectionsPolicy(database.db, firmId, { approvalThreshold: null });
  }, 120_000);

  const activity = () => page.getByTestId('customer-activity');
  const invoiceMenu = () => page.getByRole('button', { name: `Actions for ${target.invoiceNumber}` });

  async function openCustomer() {
    await page.goto(`${arcus.url}/customers/${target.contactId}`);
    await page.getByRole('heading', { name: target.name, level: 2 }).waitFor();
  }

  async function issueCredit(amount: string, reason: string) {
    await invoiceMenu().click();
    await page.getByRole('menuitem', { name: 'Issue credit…' }).click();
    const dialog = page.getByRole('dialog', { name: `Issue a credit on ${target.invoiceNumber}` });
    await dialog.getByLabel(/^Amount/).fill(amount);
    await dialog.getByLabel('Reason').fill(reason);
    return dialog;
  }

  it('issues a credit on an invoice; it reaches Confirmed in the timeline and is in the ledger once', { timeout: 120_000 }, async () => {
    await openCustomer();
    await activity().getByText(/Nothing recorded yet/).waitFor();
    await screenshot(page, 'writebacks-customer');
    const dialog = await issueCredit('12.50', 'Late delivery');
    await screenshot(page, 'writebacks-credit-form');
    await dialog.getByRole('button', { name: 'Issue credit' }).click();
    await dialog.getByTestId('credit-result').getByText(/Credit of .*12\.50 on/).waitFor();
    await screenshot(page, 'writebacks-credit-result');
    await dialog.getByRole('button', { name: 'Done' }).click();

    const entry = activity().getByTestId('activity-entry').filter({ hasText: /Goodwill credit of \w+ 12\.50/ });
    await entry.getByText('Confirmed').waitFor({ timeout: 60_000 });
    await screenshot(page, 'writebacks-credit-confirmed');

    const [wb] = await database.db.select().from(writebacks).where(and(eq(writebacks.firmId, firmId), eq(writebacks.kind, 'credit_note'), eq(writebacks.invoiceId, target.invoiceId)));
    expect(wb).toMatchObject({ status: 'confirmed', amount: expect.stringMatching(/^12\.50*$/) });
    const notes = sandbox.sandbox.ctx.store.list('creditNotes', companyId).filter((cn) => cn.id === wb!.externalId);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.total).toBe(1250);
  });

  it('shows a server validation message on its field, then saves an approval threshold', { timeout: 60_000 }, async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Collections' }).click();
    const form = page.getByTestId('collections-settings');
    await form.getByLabel('Approval threshold').fill('a lot');
    await form.getByRole('button', { name: 'Save collections policy' }).click();
    await form.getByText('Enter an amount such as 25 or 12.50.').waitFor();
    await screenshot(page, 'writebacks-settings-invalid');
    await form.getByLabel('Approval threshold').fill('100');
    await form.getByRole('button', { name: 'Save collections policy' }).click();
    await page.getByTestId('toast').getByText('Collections policy saved').waitFor();
    await expect(form.getByText(/Enter an amount/).count()).resolves.toBe(0);
    await screenshot(page, 'writebacks-settings-collections');
    const [row] = await queryRows<{ t: string }>(database.db, sql`SELECT settings->'collections'->>'approvalThreshold' AS t FROM firms WHERE id = ${firmId}::uuid`);
    expect(row!.t).toBe('100');
  });

  it('holds a credit above the threshold for approval; approving it in the queue sends it to the ledger', { timeout: 120_000 }, async () => {
    await openCustomer();
    const dialog = await issueCredit('150', 'Part of the order cancelled');
    await dialog.getByRole('button', { name: 'Issue credit' }).click();
    const result = dialog.getByTestId('credit-result');
    await result.getByText('Awaiting approval').waitFor();
    await result.getByText(/waits under Approvals/).waitFor();
    await screenshot(page, 'writebacks-credit-awaiting-approval');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await activity().getByTestId('activity-entry').filter({ hasText: /150\.00.*waiting for approval/ }).getByText('Awaiting approval').waitFor();

    // The navigation counts it; the queue lists it.
    await expect(page.getByTestId('approvals-count').textContent()).resolves.toBe('1');
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: /Approvals/ }).click();
    await page.getByRole('heading', { name: 'Approvals', level: 2 }).waitFor();
    const rows = page.getByTestId('approval-row');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain(target.name);
    await page.getByRole('checkbox', { name: 'Select all' }).check();
    await page.getByText(/1 selected/).waitFor();
    await screenshot(page, 'writebacks-approvals-queue');
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await page.getByTestId('toast').getByText('1 approved').waitFor();
    await page.getByText('Nothing waiting for approval').waitFor();
    await expect(page.getByTestId('approvals-count').count()).resolves.toBe(0);

    // The log shows it going through; the customer's timeline shows it confirmed.
    await page.getByRole('tab', { name: 'Write-back log' }).click();
    await page.getByTestId('log-row').filter({ hasText: /150\.00/ }).getByText('Confirmed').waitFor({ timeout: 60_000 });
    await screenshot(page, 'writebacks-log');
    await openCustomer();
    await activity().getByTestId('activity-entry').filter({ hasText: /Goodwill credit of \w+ 150\.00 on/ }).first().getByText('Confirmed').waitFor({ timeout: 60_000 });
    await screenshot(page, 'writebacks-approved-confirmed');
    const credits = await database.db.select().from(writebacks).where(and(eq(writebacks.firmId, firmId), eq(writebacks.kind, 'credit_note')));
    expect(credits.map((c) => c.status).sort()).toEqual(['confirmed', 'confirmed']);
    expect(sandbox.sandbox.ctx.store.list('creditNotes', companyId).filter((cn) => credits.some((c) => c.externalId === cn.id)).map((cn) => cn.total).sort((a, b) => a - b)).toEqual([1250, 15000]);
  });

  it('records a promise and a dispute: both in the timeline and on the worklist', { timeout: 120_000 }, async () => {
    await openCustomer();
    await page.getByRole('button', { name: 'Record promise' }).click();
    const promise = page.getByRole('dialog', { name: 'Record a promise to pay' });
    const date = await promise.getByLabel('Promised date').inputValue();
    await promise.getByLabel('Note').fill('Said so on the phone');
    await screenshot(page, 'writebacks-promise-form');
    await promise.getByRole('button', { name: 'Record promise' }).click();
    await page.getByTestId('toast').getByText('Promise recorded').waitFor();
    await activity().getByText(new RegExp(`promised to pay their open invoices by ${date}: Said so on the phone`)).waitFor();

    await invoiceMenu().click();
    await page.getByRole('menuitem', { name: 'Mark disputed…' }).click();
    const dispute = page.getByRole('dialog', { name: 'Mark disputed' });
    await dispute.getByLabel('What is disputed').fill('Doors arrived scratched');
    await dispute.getByRole('button', { name: 'Mark disputed' }).click();
    await page.getByTestId('toast').getByText('Marked disputed').waitFor();
    await activity().getByText(`${target.name} disputes ${target.invoiceNumber}: Doors arrived scratched`).waitFor();
    await screenshot(page, 'writebacks-timeline-promise-dispute');

    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Worklist' }).click();
    const card = page.getByTestId('worklist-customer').filter({ hasText: target.name });
    await card.getByText(`promised to pay by ${date}`).waitFor({ timeout: 30_000 });
    await card.getByText(/disputed since \d{4}-\d{2}-\d{2}/).waitFor();
    await screenshot(page, 'writebacks-worklist');
  });

  it('sets up a payment plan with a preview of dates and amounts', { timeout: 120_000 }, async () => {
    await openCustomer();
    await page.getByRole('button', { name: 'Payment plan' }).click();
    const dialog = page.getByRole('dialog', { name: `Payment plan for ${target.name}` });
    await dialog.getByRole('textbox', { name: 'Instalments' }).fill('3');
    await dialog.getByRole('button', { name: 'Preview schedule' }).click();
    const preview = dialog.getByTestId('plan-preview');
    await preview.waitFor();
    await expect(preview.getByRole('row').count()).resolves.toBe(1 + 3 + 1);
    await expect(preview.textContent()).resolves.toMatch(/3 monthly instalments/);
    await screenshot(page, 'writebacks-plan-preview');
    await dialog.getByRole('button', { name: 'Create plan' }).click();
    await dialog.getByTestId('plan-created').waitFor();
    await page.getByTestId('toast').getByText('Payment plan set up').waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('plans-card').getByText('active').waitFor();
    await page.getByTestId('plans-card').getByRole('button', { name: 'Schedule' }).click();
    await screenshot(page, 'writebacks-plan-created');
    const plans = await database.db.select().from(paymentPlans).where(and(eq(paymentPlans.firmId, firmId), eq(paymentPlans.contactExternalId, target.contactExternalId)));
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ status: 'active', frequency: 'monthly' });
  });

  it('emails the customer a pay link from the customer page, once', { timeout: 60_000 }, async () => {
    await openCustomer();
    await page.getByRole('button', { name: 'Pay link', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Pay link' });
    const url = await dialog.getByRole('textbox', { name: 'Link', exact: true }).inputValue();
    expect(url).toMatch(new RegExp(`^${arcus.url}/pay/[A-Za-z0-9_-]{43}$`));
    await dialog.getByLabel('A line to add (optional)').fill('As promised, here is the link.');
    await dialog.getByRole('button', { name: `Email it to ${target.name}` }).click();
    await dialog.getByTestId('pay-link-sent').getByText(/^Emailed to /).waitFor();
    await screenshot(page, 'writebacks-pay-link-sent');
    const mail = await until(async () => {
      const rows = await queryRows<{ text: string }>(database.db, sql`SELECT text FROM mailbox_messages WHERE firm_id = ${firmId}::uuid AND text LIKE ${`%${url}%`}`);
      return rows.length ? rows : null;
    });
    expect(mail).toHaveLength(1);
    expect(mail[0]!.text).toContain('As promised, here is the link.');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await activity().getByTestId('activity-entry').filter({ hasText: /Pay link emailed to/ }).first().waitFor();
  });
});
