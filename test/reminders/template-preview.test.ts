/**
 * The editor's preview picks a sample that fits the template's timing (an upcoming-due template
 * never previews on a 661-day-overdue invoice), and duplicating names the copy "Copy of …".
 */
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '../../server/db/client';
import { reminderPolicies, reminderTemplates } from '../../server/db/schema';
import { copyName, createTemplate, duplicateTemplate } from '../../server/reminders/config-store';
import { builtinTemplate } from '../../server/reminders/defaults';
import { zonedInstant } from '../../server/reminders/local-time';
import { scopeKeys } from '../../server/reminders/policy';
import { previewTemplate, sampleKind } from '../../server/reminders/template-preview';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { MONDAY, seedOrg } from './seed';
import { builtinFor } from '../../server/reminders/defaults';
import { statementForListed } from '../../server/reminders/templates';

const now = zonedInstant(MONDAY, 600, 'Europe/London');

describeWith('pg', 'template preview samples and duplicates', () => {
  let db: Db;
  let firmId: string;
  let otherFirmId: string;
  let orgId: string;
  let bareOrgId: string;

  beforeAll(async () => {
    const database = await testDatabase();
    db = database.db;
    firmId = (await createFirm(database)).firm.id;
    otherFirmId = (await createFirm(database)).firm.id;
    const contacts = [
      { externalId: 'ancient', name: 'Ancient Debts Ltd', emails: [{ address: 'ap@ancient.example', primary: true, includeInEmails: true }] },
      { externalId: 'soon', name: 'Soon Due Ltd', emails: [{ address: 'ap@soon.example', primary: true, includeInEmails: true }] },
      { externalId: 'many', name: 'Many Invoices Ltd', emails: [{ address: 'ap@many.example', primary: true, includeInEmails: true }] },
    ];
    // The customer with the most overdue invoices also holds the oldest: the old preview's choice.
    const org = await seedOrg(db, firmId, {
      timezone: 'Europe/London',
      contacts,
      invoices: [
        { number: 'OLD-661', due: -661, contact: 'ancient' },
        { number: 'OLD-500', due: -500, contact: 'ancient' },
        { number: 'OLD-400', due: -400, contact: 'ancient' },
        { number: 'OLD-300', due: -300, contact: 'ancient' },
        { number: 'SOON-3', due: 3, contact: 'soon' },
        { number: 'SOON-40', due: 40, contact: 'soon' },
        { number: 'M-8', due: -8, contact: 'many' },
        { number: 'M-20', due: -20, contact: 'many' },
        { number: 'M-35', due: -35, contact: 'many' },
      ],
    });
    orgId = org.id;
    bareOrgId = (await seedOrg(db, firmId, { timezone: 'Europe/London', contacts: contacts.slice(0, 1), invoices: [{ number: 'ONLY-661', due: -661, contact: 'ancient' }] })).id;
  }, 60_000);

  const preview = (organisationId: string, templateId: string, template = builtinTemplate(templateId)!) => previewTemplate(db, { firmId, organisationId, template, templateId, appUrl: 'https://arcus.test', now });

  it('an upcoming-due template previews on an invoice due in the next days, never an overdue one', async () => {
    const p = await preview(orgId, 'builtin:before-due');
    expect(p.sample).toMatchObject({ customer: 'Soon Due Ltd', invoices: 1 });
    expect(p.subject).toBe('Invoice SOON-3 is due on 26 Nov 2026');
    expect(p.text).toContain('due in 3 days');
    expect(p.text).not.toMatch(/overdue/i);
    expect(p.html).not.toContain('OLD-661');
    expect(p.sample.basis).toBe('as sent 3 days before the due date');
  });

  it('with no invoice due soon, an upcoming template previews on a made-up one due in a few days', async () => {
    const p = await preview(bareOrgId, 'builtin:before-due');
    expect(p.sample).toMatchObject({ contactExternalId: null, customer: 'Sample Customer Ltd', invoices: 1 });
    expect(p.text).toContain('due in 3 days');
    expect(p.text).not.toMatch(/overdue|ONLY-661/i);
    expect(p.sample.basis).toContain('made-up example');
  });

  it('an overdue step previews on an invoice about as overdue as its offset; a statement lists several', async () => {
    const overdue = await preview(orgId, 'builtin:overdue');
    expect(overdue.subject).toBe('Reminder: invoice M-8 is overdue');
    expect(overdue.text).toContain('8 days overdue');
    const statement = await preview(orgId, 'builtin:statement');
    expect(statement.sample).toMatchObject({ customer: 'Many Invoices Ltd', invoices: 3 });
    for (const n of ['M-8', 'M-20', 'M-35']) expect(statement.html).toContain(n);
    expect(statement.html).not.toContain('OLD-661');
  });

  it('a statement listing nothing overdue yet is sent as the falling-due one: the total due, never “£0.00 overdue”', async () => {
    expect(builtinFor(-3, true).id).toBe('builtin:statement');
    const statement = { ...builtinFor(-3, true), language: 'en' };
    const today = '2026-11-23';
    expect(statementForListed(statement, [{ dueDate: '2026-11-26' }, { dueDate: '2026-12-10' }], today).id).toBe('builtin:statement-upcoming');
    // One overdue invoice among them: the overdue statement, as before.
    expect(statementForListed(statement, [{ dueDate: '2026-11-22' }, { dueDate: '2026-11-26' }], today).id).toBe('builtin:statement');
    // In the customer's language, and never for a firm's own or another built-in template.
    const french = { ...builtinTemplate('builtin:statement:fr')!, language: 'fr' };
    expect(statementForListed(french, [{ dueDate: '2026-11-26' }], today)).toMatchObject({ id: 'builtin:statement-upcoming:fr', language: 'fr' });
    const overdue = { ...builtinTemplate('builtin:overdue')!, language: 'en' };
    expect(statementForListed(overdue, [{ dueDate: '2026-11-26' }], today)).toBe(overdue);
    // Soon Due Ltd has one invoice falling due (a statement needs two), so the made-up three, £2,430.50 in all.
    const p = await preview(orgId, 'builtin:statement-upcoming');
    expect(p.subject).toMatch(/^Sample Customer Ltd: £2,430\.50 falling due with /);
    expect(p.text).toContain('fall due soon — £2,430.50 in total');
    expect(`${p.subject} ${p.text}`).not.toMatch(/overdue|£0\.00/i);
    expect(p.sample.basis).toContain('a statement');
  });

  it('a firm template takes the timing of the step that uses it', async () => {
    const t = await createTemplate(db, firmId, { name: 'Gentle nudge', organisationId: null, subject: 'Coming up: {{invoice.number}}', bodyHtml: '<p>{{invoice.number}} is {{invoice.status}}</p>', bodyText: '{{invoice.number}} is {{invoice.status}}' }, now);
    await db.insert(reminderPolicies).values({ firmId, scope: 'organisation', scopeKey: scopeKeys.organisation(orgId), organisationId: orgId, name: 'Harbour', grouping: 'invoice', steps: [{ key: 'soon', offsetDays: -5, channel: 'email', templateId: t.id, approval: 'auto', repeatEveryDays: null, repeatMax: 0 }], enabled: true });
    const p = await preview(orgId, t.id, t);
    expect(p.subject).toBe('Coming up: SOON-3');
    expect(p.sample.basis).toBe('as sent 5 days before the due date (step 1 of “Harbour”)');
  });

  it('duplicating names the copy “Copy of …”, then “Copy of … (2)”', async () => {
    const first = await duplicateTemplate(db, firmId, 'builtin:before-due', now);
    expect(first).toMatchObject({ name: 'Copy of Upcoming due date', builtin: false, organisationId: null, subject: builtinTemplate('builtin:before-due')!.subject });
    expect((await duplicateTemplate(db, firmId, 'builtin:before-due', now)).name).toBe('Copy of Upcoming due date (2)');
    const [own] = await db.insert(reminderTemplates).values({ firmId, organisationId: orgId, name: 'Friendly', subject: 's {{invoice.number}}', bodyHtml: '<p>b</p>', bodyText: 'b' }).returning();
    const copy = await duplicateTemplate(db, firmId, own!.id, now);
    expect(copy).toMatchObject({ name: 'Copy of Friendly', organisationId: orgId, bodyHtml: '<p>b</p>' });
    expect((await duplicateTemplate(db, firmId, copy.id, now)).name).toBe('Copy of Copy of Friendly');
    // Another firm's template is not found, nor is a made-up built-in.
    await expect(duplicateTemplate(db, otherFirmId, own!.id, now)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(duplicateTemplate(db, firmId, 'builtin:nope', now)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('a template no step uses: a built-in’s copy keeps its timing, else its fields and subject say', () => {
    const t = (subject: string, body = '<p>x</p>') => ({ subject, bodyHtml: body, bodyText: 'x' });
    expect(sampleKind(t(builtinTemplate('builtin:before-due')!.subject), 'a1b2c3d4-0000-4000-8000-000000000000', [])).toMatchObject({ offsetDays: -3, grouped: false });
    expect(sampleKind(t('Heads up', '<p>{{invoice.days_until_due}} days</p>'), null, [])).toMatchObject({ offsetDays: -3 });
    expect(sampleKind(t('Coming up: invoice {{invoice.number}}'), null, [])).toMatchObject({ offsetDays: -3 });
    expect(sampleKind(t('{{total_overdue}} overdue'), null, [])).toMatchObject({ offsetDays: 7, grouped: true });
  });

  it('copyName skips names in use, case aside', () => {
    expect(copyName('Overdue reminder (built-in)', [])).toBe('Copy of Overdue reminder');
    expect(copyName('Late', ['copy of late', 'Copy of Late (2)'])).toBe('Copy of Late (3)');
  });
});
