/**
 * Settings › Team in Chromium: the demo's administrator invites a collector through the Team
 * screen; the invitation lands in the demo mailbox; its link, opened in a fresh browser (no
 * cookies), asks for a name, accepts and lands signed in as the collector, who sees no invite
 * controls and whose API calls to invite are refused. Screenshots at desktop width.
 */
import { randomUUID } from 'node:crypto';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { screenshot } from '../support/browser';
import { realClockEnv } from '../support/child-env';
import { testDatabase } from '../support/db';
import { services } from '../support/services';
import { describeWith } from '../support/services';

describeWith(['pg', 'chromium'], 'Settings › Team in Chromium', () => {
  let arcus: Arcus;
  let browser: Browser;
  const email = `casey-${randomUUID().slice(0, 6)}@northwind.example`;

  beforeAll(async () => {
    const database = await testDatabase();
    arcus = await startTestApp('team-ui', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: '2026-12-07T09:00:00Z' });
    await emptyDemoFirm(database.db);
    browser = await chromium.launch({ executablePath: services.chromiumPath, env: realClockEnv(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await arcus?.close();
  });

  it('an administrator invites a collector; the link from the mailbox signs them in; a collector sees no invite controls', async () => {
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await adminContext.newPage();
    await page.goto(`${arcus.url}/`);
    await page.getByRole('button', { name: 'Sign in to the demo' }).click();
    await page.getByRole('heading', { name: 'Portfolio' }).waitFor();
    await page.goto(`${arcus.url}/settings/team`);
    await page.getByRole('heading', { name: 'Invite someone' }).waitFor();
    await page.getByLabel('Email address').fill(email);
    // The role select shows words; Collector is the default.
    await expect(page.getByRole('combobox', { name: 'Role' }).inputValue()).resolves.toBe('Collector');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(email).first().waitFor();
    await page.getByText(/Valid until 14 December 2026/).waitFor();
    await screenshot(page, 'team-admin-invited');
    const body = await page.locator('body').innerText();
    expect(body).not.toMatch(/\bclient_contact\b|\bcollector\b(?! )/);

    // The invitation is in the demo mailbox (what the embedded SMTP server received).
    const list = (await (await page.request.get(`${arcus.url}/api/mailbox`)).json()) as { messages: { id: string; subject: string; to: string[] | string }[] };
    const message = list.messages.find((m) => m.subject.startsWith('Invitation to'));
    expect(message, 'the invitation email is in the mailbox').toBeDefined();
    const detail = JSON.stringify(await (await page.request.get(`${arcus.url}/api/mailbox/${message!.id}`)).json());
    const link = new RegExp(`${arcus.url.replace(/[.:/]/g, '\\$&')}/invite/[A-Za-z0-9_-]{43}`).exec(detail)?.[0];
    expect(link, 'the email carries the invitation link').toBeDefined();

    // A fresh browser: no cookies, nobody signed in.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const invitee = await fresh.newPage();
    await invitee.goto(link!);
    await invitee.getByRole('heading', { name: /Join .* in Arcus/ }).waitFor();
    await invitee.getByText('Collector', { exact: true }).waitFor();
    await screenshot(invitee, 'team-invitation-page');
    await invitee.getByLabel('Your name').fill('Casey Collector');
    await invitee.getByRole('button', { name: 'Accept and sign in' }).click();
    await invitee.getByRole('heading', { name: 'Portfolio' }).waitFor();
    await invitee.getByRole('button', { name: 'Account menu' }).click();
    await invitee.getByText(`${email} · Collector`).waitFor();
    await screenshot(invitee, 'team-collector-signed-in');
    await invitee.keyboard.press('Escape');

    // The collector: the Team tab shows no invite form, no role controls; the API refuses.
    await invitee.goto(`${arcus.url}/settings/team`);
    await invitee.getByText('Only a manager or an administrator can see the team.').waitFor();
    expect(await invitee.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
    expect(await invitee.getByRole('button', { name: 'Change role' }).count()).toBe(0);
    await screenshot(invitee, 'team-collector-no-controls');
    const csrf = ((await (await invitee.request.get(`${arcus.url}/api/session`)).json()) as { csrfToken: string }).csrfToken;
    const refused = await invitee.request.post(`${arcus.url}/api/team/invitations`, { data: { email: 'x@example.com', role: 'viewer' }, headers: { 'x-csrf-token': csrf } });
    expect(refused.status()).toBe(403);

    // Back as the administrator: the collector is a member, shown by role name.
    await page.reload();
    await page.getByRole('cell', { name: 'Casey Collector' }).waitFor();
    await expect(page.getByRole('row', { name: /Casey Collector/ }).innerText()).resolves.toContain('Collector');
    await screenshot(page, 'team-admin-members');
    await fresh.close();
    await adminContext.close();
  }, 120_000);
});
