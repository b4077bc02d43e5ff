import { startTestApp } from '../support/app';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { contacts, reminderSends, reminderUnsubscribes } from '../../server/db/schema';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import { getSend, listOutbox, retrySend } from '../../server/reminders/outbox';
import type { Arcus, } from '../../root/runtime';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { addDays } from '../../kernel/dates';
import { MONDAY, seedOrg } from './seed';
import { until } from '../support/until';

function client(base: string) {
  let cookie = '';
  let csrf = '';
  const call = async (p: string, init: { method?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = { cookie };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
    const res = await fetch(base + p, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  return {
    call,
    async signIn() {
      csrf = (await call('/api/session')).body.csrfToken;
      csrf = (await call('/api/auth/demo', { method: 'POST' })).body.csrfToken;
    },
  };
}


describeWith('pg', 'Reminders API, demo mailbox and unsubscribe page', () => {
  let arcus: Arcus;
  let database: Database;
  let api: ReturnType<typeof client>;
  let orgId: string;

  beforeAll(async () => {
    database = await testDatabase();
    const demo = await ensureDemoFirm(database.db);
    const org = await seedOrg(database.db, demo.firmId, {
      timezone: 'Europe/London',
      contacts: [
        { externalId: 'api-good', name: 'Good Payer Ltd', firstName: 'Gina', emails: [{ address: 'ap@goodpayer.example', primary: true }] },
        { externalId: 'api-bad', name: 'Bounce Ltd', emails: [{ address: 'ap@bounce.invalid', primary: true }] },
      ],
      invoices: [
        { number: 'API-1', due: -12, contact: 'api-good' },
        { number: 'API-2', due: -12, contact: 'api-bad' },
      ],
      settings: { enabled: false },
    });
    orgId = org.id;
    // The seeded invoices are dated from MONDAY: the app runs as of that Monday morning.
    arcus = await startTestApp('reminders-api', database, { LEDGER_SANDBOX: 'off', ARCUS_NOW: `${MONDAY}T10:00:00Z` });
    api = client(arcus.url);
    await api.signIn();
  }, 60_000);
  afterAll(async () => arcus?.close());

  it('needs a session', async () => {
    expect((await client(arcus.url).call(`/api/reminders/outbox?organisationId=${orgId}`)).status).toBe(401);
  });

  it('saves settings, refusing a bad colour or window', async () => {
    expect((await api.call(`/api/reminders/settings/${orgId}`, { method: 'PUT', body: { brandColour: 'blue' } })).body.error.fields).toEqual([{ field: 'brandColour', message: 'Choose a colour, written like #1c7ed6.' }]);
    expect((await api.call(`/api/reminders/settings/${orgId}`, { method: 'PUT', body: { windowStartMinute: 600, windowEndMinute: 500 } })).status).toBe(400);
    const ok = await api.call(`/api/reminders/settings/${orgId}`, { method: 'PUT', body: { enabled: true, windowStartMinute: 0, windowEndMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7], brandColour: '#0b7285', signature: 'Accounts team' } });
    expect(ok.status).toBe(200);
    expect(ok.body.settings).toMatchObject({ enabled: true, brandColour: '#0b7285', timezone: 'Europe/London' });
  });

  it('refuses templates with unknown merge fields, saying where; validates drafts; saves good ones', async () => {
    const bad = await api.call('/api/reminders/templates', { method: 'POST', body: { name: 'Bad', subject: 'Pay {{invoice.numbr}}', bodyHtml: '<p>{{customer.name}}</p>', bodyText: 'Hi\n{{ amount }}' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toEqual({ code: 'template_invalid', message: 'Unknown merge field “invoice.numbr” in the subject (line 1, column 5) and 1 more problem.' });
    const v = await api.call('/api/reminders/templates/validate', { method: 'POST', body: { subject: 'x', bodyHtml: 'ok', bodyText: 'Hi\n{{ amount }}' } });
    expect(v.body.issues.bodyText).toEqual([{ message: 'Unknown merge field “amount”', field: 'amount', index: 3, line: 2, column: 1 }]);
    const good = await api.call('/api/reminders/templates', { method: 'POST', body: { name: 'Friendly', subject: 'About {{invoice.number}}', bodyHtml: '<p>Hi {{contact.first_name}}</p>{{invoices.table}}', bodyText: 'Hi {{contact.first_name}}\n{{invoices.table}}' } });
    expect(good.status).toBe(201);
    const list = await api.call(`/api/reminders/templates?organisationId=${orgId}`);
    expect(list.body.templates.map((t: { name: string }) => t.name)).toContain('Friendly');
    expect(list.body.templates.filter((t: { builtin: boolean }) => t.builtin)).toHaveLength(6);
  });

  it('creates, refuses and updates policies', async () => {
    const dup = await api.call('/api/reminders/policies', { method: 'POST', body: { name: 'x', scope: 'organisation', organisationId: orgId, steps: [{ offsetDays: 7 }, { offsetDays: 7 }] } });
    expect(dup.body.error.fields).toEqual([{ field: 'steps', message: 'Two steps are 7 days after the due date; each step needs its own day.' }]);
    const foreign = await api.call('/api/reminders/policies', { method: 'POST', body: { name: 'x', scope: 'firm', steps: [{ offsetDays: 7, templateId: '00000000-0000-4000-8000-000000000000' }] } });
    expect(foreign.body.error.fields).toEqual([{ field: 'steps', message: 'A step uses a template that no longer exists: choose another template.' }]);
    const created = await api.call('/api/reminders/policies', { method: 'POST', body: { name: 'Harbour', scope: 'organisation', organisationId: orgId, steps: [{ offsetDays: 0 }, { offsetDays: 10, repeatEveryDays: 14, repeatMax: 3 }] } });
    expect(created.status).toBe(201);
    expect(created.body.policy.steps.map((s: { key: string }) => s.key)).toEqual(['due', 'after-10']);
    expect((await api.call('/api/reminders/policies', { method: 'POST', body: { name: 'Again', scope: 'organisation', organisationId: orgId, steps: [{ offsetDays: 0 }] } })).status).toBe(409);
    const updated = await api.call(`/api/reminders/policies/${created.body.policy.id}`, { method: 'PUT', body: { name: 'Harbour', scope: 'organisation', organisationId: orgId, steps: [{ key: 'due', offsetDays: 1 }, { key: 'after-10', offsetDays: 10 }] } });
    expect(updated.body.policy.steps.map((s: { key: string; offsetDays: number }) => `${s.key}@${s.offsetDays}`)).toEqual(['due@1', 'after-10@10']);
    expect((await api.call(`/api/reminders/policies/${created.body.policy.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('previews a template on real data and test-sends it into the demo mailbox', async () => {
    const draft = { organisationId: orgId, subject: 'About {{invoice.number}} ({{invoice.status}})', bodyHtml: '<p>Hi {{contact.first_name}}</p>{{invoices.table}}', bodyText: 'Hi {{contact.first_name}}\n{{invoices.table}}', contactExternalId: 'api-good' };
    const p = await api.call('/api/reminders/templates/preview', { method: 'POST', body: draft });
    expect(p.body.preview.subject).toMatch(/^About API-1 \(\d+ days overdue\)$/);
    expect(p.body.preview.html).toContain('background:#0b7285');
    expect(p.body.preview.sample).toMatchObject({ customer: 'Good Payer Ltd', recipients: ['ap@goodpayer.example'] });
    const sent = await api.call('/api/reminders/templates/test-send', { method: 'POST', body: { ...draft, to: 'me@northwind.example' } });
    expect(sent.body).toMatchObject({ sent: true, to: 'me@…' });
    const box = await until(async () => {
      const r = await api.call('/api/mailbox');
      return r.body.messages.find((m: { subject: string }) => m.subject.startsWith('[Test] About API-1')) ? r.body : null;
    });
    expect(box.enabled).toBe(true);
    const msg = box.messages.find((m: { subject: string }) => m.subject.startsWith('[Test]'));
    const full = await api.call(`/api/mailbox/${msg.id}`);
    expect(full.body.message).toMatchObject({ to: 'me@northwind.example' });
    expect(full.body.message.html).toContain('API-1');
  });

  it('runs: the outbox shows a sent reminder and a permanent failure; the sent one is in the mailbox', async () => {
    // Switched on for the first time: "Run now" shows a preview and needs its confirmation (issue #15).
    const refused = await api.call(`/api/reminders/run/${orgId}`, { method: 'POST', body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'confirmation_required' });
    expect(refused.body.error.message).toMatch(/first run for Harbour Test Ltd: preview it and confirm before anything is sent/);
    const plannedRes = await api.call(`/api/reminders/run/${orgId}/plan`, { method: 'POST', body: {} });
    expect(plannedRes.body).toMatchObject({ plan: {} });
    const planned = plannedRes.body.plan;
    expect(planned).toMatchObject({ confirmationRequired: true, reason: 'first_run', customers: 2, emails: 2, invoices: 2, awaitingApproval: 0, inWindow: true });
    expect(planned.reasonText).toMatch(/^This is the first run/);
    expect(planned.steps).toEqual([{ step: 'Reminder 3, 7 days after the due date', emails: 2 }]);
    expect(planned.samples.map((x: { customer: string; amounts: string[] }) => `${x.customer} ${x.amounts.join()}`).sort()).toEqual(['Bounce Ltd £1,250.00', 'Good Payer Ltd £1,250.00']);
    const token = planned.confirmation.token as string;
    const wrong = await api.call(`/api/reminders/run/${orgId}`, { method: 'POST', body: { confirmation: `${token.slice(0, -2)}xx` } });
    expect(wrong.body.error).toMatchObject({ code: 'confirmation_invalid' });
    expect((await api.call(`/api/reminders/run/${orgId}`, { method: 'POST', body: { confirmation: token } })).status).toBe(202);
    // A confirmation is used once.
    expect((await api.call(`/api/reminders/run/${orgId}`, { method: 'POST', body: { confirmation: token } })).body.error).toMatchObject({ code: 'confirmation_invalid' });
    const outbox = await until(async () => {
      const r = await api.call(`/api/reminders/outbox?organisationId=${orgId}`);
      return r.body.items?.length === 2 && r.body.items.every((i: { status: string }) => i.status === 'sent' || i.status === 'failed_permanent') ? r.body : null;
    });
    const sent = outbox.items.find((i: { status: string }) => i.status === 'sent');
    const failed = outbox.items.find((i: { status: string }) => i.status === 'failed_permanent');
    expect(sent).toMatchObject({ customer: 'Good Payer Ltd', invoices: ['API-1'], recipients: ['ap@goodpayer.example'] });
    expect(failed).toMatchObject({ customer: 'Bounce Ltd', invoices: ['API-2'] });
    expect(failed.error).toMatch(/550/);
    expect((await api.call(`/api/reminders/outbox?organisationId=${orgId}&filter=attention`)).body.items.map((i: { id: string }) => i.id)).toEqual([failed.id]);
    const detail = await api.call(`/api/reminders/sends/${sent.id}`);
    expect(detail.body.send.bodyHtml).toContain('API-1');
    expect(detail.body.send.notes).toHaveLength(1);
    const box = await api.call('/api/mailbox');
    // One email per customer by default: the statement names the customer (its invoices are in the body).
    expect(box.body.messages.some((m: { subject: string; to: string }) => m.subject.startsWith('Good Payer Ltd: £1,250.00 overdue') && m.to === 'ap@goodpayer.example')).toBe(true);
    const preview = await api.call(`/api/reminders/preview?organisationId=${orgId}`);
    expect(preview.body.preview).toMatchObject({ organisationName: 'Harbour Test Ltd', enabled: true });
  });

  it('keeps firms apart', async () => {
    const other = await createFirm(database);
    const otherOrg = await seedOrg(database.db, other.firm.id, { timezone: 'UTC', contacts: [], invoices: [] });
    expect((await api.call(`/api/reminders/outbox?organisationId=${otherOrg.id}`)).status).toBe(404);
    expect((await api.call(`/api/reminders/settings/${otherOrg.id}`)).status).toBe(404);
    // And the other way round: the other firm cannot see or act on ours.
    const [mine] = await database.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, orgId), eq(reminderSends.status, 'sent')));
    await expect(getSend(database.db, other.firm.id, mine!.id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(listOutbox(database.db, { firmId: other.firm.id, organisationId: orgId, filter: 'all', limit: 10, offset: 0 })).rejects.toMatchObject({ kind: 'not_found' });
    await expect(retrySend(database.db, other.firm.id, mine!.id, new Date())).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('unsubscribes by the link in the email; a resync of the contact keeps it; the next reminder is skipped', async () => {
    const box = await api.call('/api/mailbox');
    const msg = box.body.messages.find((m: { subject: string; to: string }) => m.to === 'ap@goodpayer.example' && !m.subject.startsWith('[Test]'));
    const full = await api.call(`/api/mailbox/${msg.id}`);
    const link = /<([^>]+)>/.exec(full.body.message.headers['list-unsubscribe'])![1]!;
    expect(link.startsWith(`${arcus.url}/u/`)).toBe(true);
    const page = await fetch(link);
    expect(await page.text()).toContain('Stop payment reminders?');
    expect((await fetch(`${link}x`)).status).toBe(404);
    const done = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(await done.text()).toContain('You are unsubscribed');
    // A resync rewrites the ledger contact; Arcus's unsubscribe stays.
    await database.db.update(contacts).set({ name: 'Good Payer Limited', syncedAt: new Date() }).where(and(eq(contacts.organisationId, orgId), eq(contacts.externalId, 'api-good')));
    const rows = await database.db.select().from(reminderUnsubscribes).where(eq(reminderUnsubscribes.organisationId, orgId));
    expect(rows.map((r) => r.address)).toEqual(['ap@goodpayer.example']);
    const cust = await api.call(`/api/reminders/customers/${orgId}/api-good`);
    expect(cust.body.customer).toMatchObject({ recipients: [], block: null, unsubscribed: [{ address: 'ap@goodpayer.example', source: 'link' }] });
    const preview = await api.call(`/api/reminders/preview?organisationId=${orgId}&date=${addDays(MONDAY, 37)}`);
    expect(preview.body.preview.skips.find((s: { invoice: string }) => s.invoice === 'API-1')).toMatchObject({ reason: 'unsubscribed' });
  });
});
