import { startTestApp } from '../support/app';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import type { Arcus } from '../../root/runtime';
import { type ContactSeed, type InvoiceSeed, MONDAY, seedOrg } from '../reminders/seed';
import { launchBrowser, screenshot as take } from '../support/browser';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { until } from '../support/until';

/** Full-page pictures from the top, so the fixed header sits where it belongs. */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return take(page, name);
}

const CONTACTS: ContactSeed[] = [
  { externalId: 'b-bayside', name: 'Bayside Cafe Ltd', firstName: 'Sam', emails: [{ address: 'accounts@baysidecafe.example', primary: true }, { address: 'sam@baysidecafe.example', includeInEmails: true }] },
  { externalId: 'b-north', name: 'North Yard Builders', firstName: 'Priya', emails: [{ address: 'ap@northyard.example', primary: true }] },
  { externalId: 'b-bounce', name: 'Old Mill Bakery', emails: [{ address: 'orders@oldmill.invalid', primary: true }] },
];
const INVOICES: InvoiceSeed[] = [
  { number: 'INV-2041', due: -16, contact: 'b-bayside', amount: '1840.00' },
  { number: 'INV-2055', due: -9, contact: 'b-bayside', amount: '320.50' },
  { number: 'INV-2060', due: -2, contact: 'b-north', amount: '5600.00' },
  { number: 'INV-2071', due: 2, contact: 'b-north', amount: '980.00' },
  { number: 'INV-2033', due: -20, contact: 'b-bounce', amount: '415.20' },
  { number: 'INV-2012', due: -35, contact: 'b-north', amount: '2250.00' },
];

/** What the settings test saves through the form: on, all day, every day, the organisation's branding. */
const ALL_DAY_SETTINGS = { enabled: true, windowStartMinute: 0, windowEndMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7], brandColour: '#0b7285', signature: 'The accounts team\nHarbour Test Ltd' };

/** The policy editor's default steps, as the policy test saves them: the 30-day step waits for approval. */
const HARBOUR_POLICY_STEPS = [
  { offsetDays: -3, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 0, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 7, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 14, channel: 'email', templateId: null, approval: 'auto', repeatEveryDays: null, repeatMax: 0 },
  { offsetDays: 30, channel: 'email', templateId: null, approval: 'manual', repeatEveryDays: 14, repeatMax: 6 },
];

interface Policy {
  id: string;
  name: string;
  scope: string;
  organisationId: string | null;
  steps: { approval: string }[];
}
interface OutboxItem {
  id: string;
  status: string;
  invoices: string[];
}

describeWith(['pg', 'chromium'], 'Reminders in Chromium', () => {
  let database: Database;
  let firmId: string;
  let arcus: Arcus;
  let browser: BrowserContext;
  let page: Page;
  let csrf: string;
  /** The shared organisation: reminders start off; tests that need them on ensure it. */
  let orgId: string;

  /** A new organisation with the same customers and invoices, reminders off, no policy, nothing sent. */
  async function seedHarbour(): Promise<string> {
    const org = await seedOrg(database.db, firmId, { timezone: 'Europe/London', contacts: CONTACTS, invoices: INVOICES, settings: { enabled: false } });
    return org.id;
  }

  /** The app's own API with the browser's signed-in session (page.request shares its cookies). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  async function call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await page.request.fetch(`${arcus.url}/api${path}`, { method, data: body, headers: csrf ? { 'x-csrf-token': csrf } : {} });
    if (!res.ok()) throw new Error(`${method} /api${path} answered ${res.status()}: ${await res.text()}`);
    return res.status() === 204 ? null : res.json();
  }

  /** Reminders on with an all-day, every-day window and the branding (idempotent). */
  async function ensureRemindersOn(id: string) {
    const { settings } = await call('GET', `/reminders/settings/${id}`);
    const current = Object.entries(ALL_DAY_SETTINGS).every(([k, v]) => JSON.stringify(settings[k]) === JSON.stringify(v));
    if (!current) await call('PUT', `/reminders/settings/${id}`, ALL_DAY_SETTINGS);
  }

  /** The organisation has a policy of its own with an approval step (idempotent). */
  async function ensureHarbourPolicy(id: string) {
    const { policies } = (await call('GET', '/reminders/policies')) as { policies: Policy[] };
    const own = policies.find((p) => p.scope === 'organisation' && p.organisationId === id);
    if (own?.steps.some((s) => s.approval === 'manual')) return;
    const body = { name: 'Harbour standard', scope: 'organisation', organisationId: id, grouping: 'invoice', enabled: true, steps: HARBOUR_POLICY_STEPS };
    if (own) await call('PUT', `/reminders/policies/${own.id}`, body);
    else await call('POST', '/reminders/policies', body);
  }

  async function outbox(id: string): Promise<OutboxItem[]> {
    return (await call('GET', `/reminders/outbox?organisationId=${id}`)).items;
  }

  /** A run has happened for the organisation and INV-2041's reminder went out (idempotent: runs only once). */
  async function ensureRun(id: string) {
    await ensureRemindersOn(id);
    await ensureHarbourPolicy(id);
    if ((await outbox(id)).length === 0) {
      // A first run needs its preview confirmed (issue #15): the plan's token, then the run.
      const { plan } = await call('POST', `/reminders/run/${id}/plan`, {});
      await call('POST', `/reminders/run/${id}`, plan.confirmation ? { confirmation: plan.confirmation.token } : {});
    }
    await until(
      async () => {
        const items = await outbox(id);
        const busy = items.some((i) => i.status === 'claimed' || i.status === 'sending');
        return !busy && items.some((i) => i.status === 'sent' && i.invoices.includes('INV-2041'));
      },
      30_000,
      'the run’s reminders to be sent',
    );
  }

  /** The demo mailbox holds the run's emails, INV-2041's among them. */
  async function ensureMailSent(id: string) {
    await ensureRun(id);
    await until(
      async () => {
        const { messages } = (await call('GET', '/mailbox')) as { messages: { subject: string }[] };
        return messages.length >= 3 && messages.some((m) => m.subject.includes('INV-2041'));
      },
      30_000,
      'the reminders in the demo mailbox',
    );
  }

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await ensureDemoFirm(database.db);
    firmId = demo.firmId;
    orgId = await seedHarbour();
    // The seeded invoices are dated from MONDAY: the app runs as of that Monday morning.
    arcus = await startTestApp('reminders-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T09:00:00Z` });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    csrf = (await call('GET', '/session')).csrfToken;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  }, 60_000);

  it('settings: switches reminders on with an all-day window and the organisation’s branding', async () => {
    // An organisation of its own, so it starts with reminders off whatever ran before.
    const id = await seedHarbour();
    await page.goto(`${arcus.url}/reminders/settings?org=${id}`);
    await page.getByRole('heading', { name: 'Reminders', exact: true }).waitFor();
    await page.getByText('Reminders off').waitFor();
    await page.getByLabel('Send reminders for this organisation').check();
    await page.getByLabel('From', { exact: true }).fill('00:00');
    await page.getByLabel('Until').fill('23:59');
    for (const d of ['Sat', 'Sun']) await page.getByText(d, { exact: true }).click();
    await page.getByLabel('Brand colour').fill('#0b7285');
    await page.getByLabel('Signature').fill('The accounts team\nHarbour Test Ltd');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByText('Reminders on').waitFor();
    await screenshot(page, 'reminders-settings');
    // What the form saved is what the other tests ensure through the API.
    expect((await call('GET', `/reminders/settings/${id}`)).settings).toMatchObject(ALL_DAY_SETTINGS);
  });

  it('policy editor: an organisation policy with an approval step and a repeat', async () => {
    // An organisation of its own (no policy yet), and no firm-wide policy that would show in every organisation.
    const id = await seedHarbour();
    const { policies } = (await call('GET', '/reminders/policies')) as { policies: Policy[] };
    for (const p of policies.filter((p) => p.organisationId === null)) await call('DELETE', `/reminders/policies/${p.id}`);
    await page.goto(`${arcus.url}/reminders/policies?org=${id}`);
    await page.getByText('No policies yet').waitFor();
    await page.getByRole('button', { name: 'New policy' }).click();
    const dialog = page.getByRole('dialog', { name: 'New policy' });
    await dialog.getByLabel('Name').fill('Harbour standard');
    await screenshot(page, 'reminders-policy-editor');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await dialog.waitFor({ state: 'detached' });
    const card = page.getByTestId('policy-card').filter({ hasText: 'Harbour standard' });
    await card.waitFor();
    await expect(card.getByText('30 days after due, then every 14 d ×6').isVisible()).resolves.toBe(true);
    await screenshot(page, 'reminders-policies');
    const saved = ((await call('GET', '/reminders/policies')) as { policies: Policy[] }).policies.find((p) => p.organisationId === id);
    expect(saved?.steps.map((s) => s.approval)).toEqual(HARBOUR_POLICY_STEPS.map((s) => s.approval));
  });

  it('template editor: refuses an unknown merge field with its position, previews on real data, saves', async () => {
    await ensureRemindersOn(orgId); // the preview wears the organisation's branding
    const { templates } = (await call('GET', `/reminders/templates?organisationId=${orgId}`)) as { templates: { id: string; name: string; builtin: boolean }[] };
    for (const t of templates.filter((t) => !t.builtin && t.name === 'Friendly nudge')) await call('DELETE', `/reminders/templates/${t.id}`);
    await page.goto(`${arcus.url}/reminders/templates?org=${orgId}`);
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name').fill('Friendly nudge');
    await page.getByLabel('Subject').fill('{{customer.name}}: {{invoice.numbr}} is {{invoice.status}}');
    const problems = page.getByText(/1 problem: the template cannot be saved/);
    await problems.waitFor();
    await page.getByText('Subject, line 1, column 20: Unknown merge field “invoice.numbr”').waitFor();
    await expect(page.getByRole('button', { name: 'Save template' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, 'reminders-template-invalid');
    await page.getByLabel('Subject').fill('{{customer.name}}: {{invoice.number}} is {{invoice.status}}');
    await problems.waitFor({ state: 'detached' });
    const preview = page.getByTestId('template-preview');
    // The sample fits an overdue reminder (about a week): INV-2055, 9 days overdue — not the oldest invoice.
    await preview.getByText('Subject: Bayside Cafe Ltd: INV-2055 is 9 days overdue').waitFor();
    const frame = page.frameLocator('iframe[title="Email preview"]');
    await frame.getByText('INV-2055').first().waitFor();
    await screenshot(page, 'reminders-template-preview');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByRole('table', { name: 'Templates' }).getByText('Friendly nudge').waitFor();
  });

  it('rich-text editor: duplicate a built-in, insert a merge field chip, save; the preview merges it', async () => {
    await page.setViewportSize({ width: 1440, height: 1000 });
    const listed = async () => ((await call('GET', `/reminders/templates?organisationId=${orgId}`)) as { templates: { id: string; name: string; builtin: boolean; bodyHtml: string; bodyText: string }[] }).templates;
    for (const t of (await listed()).filter((t) => !t.builtin && t.name.includes('Upcoming due date'))) await call('DELETE', `/reminders/templates/${t.id}`);
    await page.goto(`${arcus.url}/reminders/templates?org=${orgId}`);
    await page.getByRole('table', { name: 'Templates' }).getByText('Upcoming due date (built-in)').click();
    await page.getByRole('button', { name: 'Duplicate to edit' }).click();
    await page.getByRole('heading', { name: 'Copy of Upcoming due date', exact: true }).waitFor();
    // An upcoming-due template previews on the invoice due in two days, never an overdue one.
    const preview = page.getByTestId('template-preview');
    await preview.getByText('Subject: Invoice INV-2071 is due on 25 Nov 2026').waitFor();
    // Merge fields load as chips, not as {{…}} text.
    const body = page.locator('.ProseMirror');
    await body.locator('[data-merge-field="invoice.number"]').first().waitFor();
    await expect(body.textContent()).resolves.not.toContain('{{');
    await body.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('P.S. This note is for ');
    await page.getByRole('button', { name: 'Insert field' }).click();
    await page.getByRole('menuitem', { name: /^Customer name/ }).click();
    await body.locator('[data-merge-field="customer.name"]').waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+b');
    await page.keyboard.type('Thank you!');
    // The plain-text part: generated from the body once the hand-written one is let go.
    await page.getByLabel('Write the plain-text version by hand').uncheck();
    await expect.poll(() => page.getByRole('textbox', { name: 'Plain-text version' }).inputValue(), { timeout: 10_000 }).toContain('P.S. This note is for {{customer.name}}\n\nThank you!');
    const frame = page.frameLocator('iframe[title="Email preview"]');
    await frame.getByText('P.S. This note is for North Yard Builders').waitFor();
    await expect(preview.locator('iframe').evaluate((f: HTMLIFrameElement) => f.srcdoc)).resolves.not.toMatch(/overdue/i);
    await screenshot(page, 'reminders-template-rich-text');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByRole('table', { name: 'Templates' }).getByText('Copy of Upcoming due date').waitFor();
    const saved = (await listed()).find((t) => t.name === 'Copy of Upcoming due date')!;
    expect(saved.bodyHtml).toContain('<p>P.S. This note is for {{customer.name}}</p><p><strong>Thank you!</strong></p>');
    expect(saved.bodyHtml).toContain('{{invoices.table}}{{#discount_offer}}<p><strong>{{discount_offer}}</strong></p>{{/discount_offer}}{{#payment_link}}<p><a href="{{payment_link}}">View and pay online</a></p>{{/payment_link}}');
    expect(saved.bodyText).toContain('P.S. This note is for {{customer.name}}\n\nThank you!');
    // Opened again: the chip is back, the preview merges it.
    await page.getByRole('table', { name: 'Templates' }).getByText('Copy of Upcoming due date').click();
    await body.locator('[data-merge-field="customer.name"]').waitFor();
    await frame.getByText('P.S. This note is for North Yard Builders').waitFor();
    await screenshot(page, 'reminders-template-rich-text-reopened');
    // A second copy of the built-in is numbered.
    await page.getByRole('button', { name: '← Templates' }).click();
    await page.getByRole('table', { name: 'Templates' }).getByText('Upcoming due date (built-in)').click();
    await page.getByRole('button', { name: 'Duplicate to edit' }).click();
    await page.getByRole('heading', { name: 'Copy of Upcoming due date (2)', exact: true }).waitFor();
    await page.getByRole('button', { name: '← Templates' }).click();
  });

  it('tomorrow: what the policy will send', async () => {
    // An organisation of its own with reminders on and the policy, where nothing has been sent yet.
    const id = await seedHarbour();
    await ensureRemindersOn(id);
    await ensureHarbourPolicy(id);
    await page.goto(`${arcus.url}/reminders/tomorrow?org=${id}`);
    const table = page.getByRole('table', { name: 'Emails that day' });
    await table.waitFor();
    await expect(table.getByText('North Yard Builders').first().isVisible()).resolves.toBe(true);
    await screenshot(page, 'reminders-tomorrow');
  });

  it('outbox: a run sends, shows a failure and waits for approval where the policy says so', async () => {
    // An organisation of its own, so "Run now" makes the first run: reminders on all day, a policy with an approval step.
    const id = await seedHarbour();
    await ensureRemindersOn(id);
    await ensureHarbourPolicy(id);
    // Escalations wait for the step before (issue #15): the approval step here is the due-date one,
    // and two reminders a day per customer let North Yard get one sent and one held.
    const own = ((await call('GET', '/reminders/policies')) as { policies: Policy[] }).policies.find((p) => p.organisationId === id)!;
    await call('PUT', `/reminders/policies/${own.id}`, { name: own.name, scope: 'organisation', organisationId: id, grouping: 'invoice', enabled: true, steps: HARBOUR_POLICY_STEPS.map((st) => ({ ...st, approval: st.offsetDays === 0 ? 'manual' : 'auto' })) });
    await call('PUT', `/reminders/settings/${id}`, { customerDailyLimit: 2 });
    await page.goto(`${arcus.url}/reminders/outbox?org=${id}`);
    await page.getByText('Reminders on').waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    // The first run: a preview to check, in plain words, before anything is sent.
    const dialog = page.getByRole('dialog', { name: 'Check this run before anything is sent' });
    await dialog.getByText('This is the first run for this organisation').waitFor();
    await expect(dialog.getByText(/^4 emails to 3 customers, about 4 invoices\.$/).isVisible()).resolves.toBe(true);
    await expect(dialog.getByText('1 more reminder will wait for a collector to approve it.', { exact: false }).isVisible()).resolves.toBe(true);
    const words = await dialog.innerText();
    expect(words).toContain('Bayside Cafe Ltd');
    expect(words).toContain('Reminder 3, 7 days after the due date');
    // No ids, codes or enum values: nothing like a uuid, a snake_case or a dotted key.
    expect(words).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}|\b[a-z]+_[a-z_]+\b|\b[a-z]+\.[a-z]+\b|first_run|above_threshold/);
    await screenshot(page, 'reminders-run-preview');
    await page.setViewportSize({ width: 390, height: 844 });
    const send = dialog.getByRole('button', { name: 'Send 4 emails' });
    await send.scrollIntoViewIfNeeded();
    await page.screenshot({ path: await screenshot(page, 'reminders-run-preview-phone') });
    const box = await send.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });
    await send.click();
    await dialog.waitFor({ state: 'detached' });
    const table = page.getByRole('table', { name: 'Reminders' });
    await table.getByText('Sent').first().waitFor({ timeout: 20_000 });
    await table.getByText('Failed', { exact: true }).waitFor({ timeout: 20_000 });
    await expect(table.getByText(/refused the message \(550\)/).isVisible()).resolves.toBe(true);
    await table.getByText('Needs approval').waitFor();
    await screenshot(page, 'reminders-outbox');
    await table.getByRole('button', { name: 'Approve' }).click();
    await table.getByText('Needs approval').waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('one reminder, and the customer’s timeline', async () => {
    await ensureRun(orgId);
    await page.goto(`${arcus.url}/reminders/outbox?org=${orgId}`);
    const table = page.getByRole('table', { name: 'Reminders' });
    const row = table.getByRole('row').filter({ hasText: 'INV-2041' }).first();
    await row.waitFor();
    await row.getByRole('link').first().click();
    await page.getByText('What was sent').waitFor({ timeout: 10_000 });
    await page.frameLocator('iframe[title="Sent email"]').getByText('INV-2041').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'reminders-send');
    await page.getByRole('link', { name: 'Bayside Cafe Ltd' }).click();
    await page.getByRole('heading', { name: 'Bayside Cafe Ltd' }).waitFor();
    await page.getByText('Reminder timeline').waitFor();
    await screenshot(page, 'reminders-customer');
  });

  it('the demo mailbox shows what went out', async () => {
    await ensureMailSent(orgId);
    await page.goto(`${arcus.url}/mailbox`);
    await page.getByRole('heading', { name: 'Demo mailbox' }).waitFor();
    await page.getByTestId('mailbox-item').first().waitFor();
    expect(await page.getByTestId('mailbox-item').count()).toBeGreaterThanOrEqual(3);
    await page.getByTestId('mailbox-item').filter({ hasText: 'INV-2041' }).first().click();
    await page.frameLocator('iframe[title="Message"]').getByText('INV-2041').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'reminders-mailbox');
  });
});
