/**
 * Reminders API (under /api, firm-scoped in every query):
 *
 *   GET    /reminders/organisations                      viewer+   organisations with reminder status and counts
 *   GET    /reminders/settings/:organisationId            viewer+   window, business days, daily limit, branding
 *   PUT    /reminders/settings/:organisationId            admin
 *   GET    /reminders/firm-settings                       viewer+   firm-wide: recheckLedger (re-read invoices from the ledger before sending)
 *   PUT    /reminders/firm-settings                       admin     { recheckLedger? }
 *   GET    /reminders/policies                            viewer+
 *   POST   /reminders/policies                            admin     { name, scope, organisationId?, segment?, contactExternalId?, grouping, steps[] }
 *   PUT    /reminders/policies/:id                        admin
 *   DELETE /reminders/policies/:id                        admin
 *   GET    /reminders/templates?organisationId=           viewer+   the firm's templates and the built-ins
 *   GET    /reminders/merge-fields                        viewer+
 *   POST   /reminders/templates                           admin     refused (422) with unknown merge fields
 *   PUT    /reminders/templates/:id                       admin
 *   DELETE /reminders/templates/:id                       admin
 *   POST   /reminders/templates/:id/duplicate             admin     a firm template or a built-in → "Copy of …"
 *   POST   /reminders/templates/validate                  viewer+   { subject, bodyHtml, bodyText } → issues with line/column
 *   POST   /reminders/templates/preview                   viewer+   rendered on real data
 *   POST   /reminders/templates/test-send                 collector+ { to } — one [Test] email
 *   GET    /reminders/outbox?organisationId=&filter=      viewer+   outbox and sent log
 *   GET    /reminders/sends/:id                           viewer+   one reminder: content, recipients, notes
 *   POST   /reminders/sends/:id/approve|skip|retry        collector+
 *   GET    /reminders/preview?organisationId=&date=       viewer+   what will be sent that day (default tomorrow)
 *   POST   /reminders/run/:organisationId/plan            admin     dry run: customers, emails, steps, samples; a confirmation token when needed
 *   POST   /reminders/run/:organisationId                 admin     run now (inside the window only) { confirmation? } — 409 without one when needed
 *   GET    /reminders/customers?organisationId=&q=        viewer+
 *   GET    /reminders/customers/:organisationId/:contactExternalId        viewer+  holds, recipients, timeline
 *   PUT    /reminders/customers/:organisationId/:contactExternalId        collector+
 *   DELETE /reminders/customers/:organisationId/:contactExternalId/unsubscribes/:address  admin
 *   PUT    /reminders/invoices/:organisationId/:invoiceExternalId/hold    collector+
 *
 * And, public (no session): GET/POST /u/:token — the unsubscribe page and RFC 8058 one-click.
 */

import { eq } from 'drizzle-orm';
import express, { type Request, Router } from 'express';
import { z } from 'zod';
import { isCalendarDate } from '../../kernel/dates';
import { DomainError, notFound, unprocessable } from '../../kernel/errors';
import { allow } from '../auth/permissions';
import type { Db } from '../db/client';
import { reminderSends } from '../db/schema';
import { scopeByParam } from '../http/firm-param';
import { parseInput } from '../http/validate';
import type { Logger } from '../logger';
import type { QueuePort } from '../queue';
import { createPolicy, createTemplate, deletePolicy, deleteTemplate, duplicateTemplate, getSettings, listPolicies, PolicyInputSchema, SettingsInputSchema, saveSettings, TemplateInputSchema, updatePolicy, updateTemplate } from '../reminders/config-store';
import { CustomerInputSchema, customerDetail, InvoiceHoldInputSchema, resubscribe, saveCustomer, saveInvoiceHold, searchCustomers } from '../reminders/customers';
import type { ReminderEnv } from '../reminders/deps';
import { loadReminderFirmSettings, ReminderFirmSettingsPatchSchema, updateReminderFirmSettings } from '../reminders/firm-settings';
import { sendJobId } from '../reminders/job-ids';
import { MERGE_FIELDS } from '../reminders/merge';
import { organisationSummaries } from '../reminders/organisations';
import { approveSend, getSend, listOutbox, OUTBOX_FILTERS, rejectSend, retrySend } from '../reminders/outbox';
import { previewDay } from '../reminders/preview';
import { isEmailAddress, maskList } from '../reminders/recipients';
import { previewRun, redeemConfirmation, requireConfirmation } from '../reminders/run-confirm';
import { previewTemplate, sendTestEmail } from '../reminders/template-preview';
import { listTemplates, templateIssues } from '../reminders/templates';
import { findUnsubscribeTarget, unsubscribe, verifyUnsubscribeToken } from '../reminders/unsubscribe';

export interface ReminderRouteDeps {
  db: Db;
  log: Logger;
  queue: QueuePort;
  env: () => ReminderEnv;
}

const Uuid = z.uuid();
const DateParam = z.string().refine(isCalendarDate, 'Enter a date.');
const TemplateDraft = z.object({ subject: z.string().max(500), bodyHtml: z.string().max(100_000), bodyText: z.string().max(100_000) });
const TemplateRef = z.string().regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|builtin:[a-z-]+)$/i, 'Choose a template from the list.');
const PreviewBody = TemplateDraft.extend({ organisationId: z.uuid(), templateId: TemplateRef.nullable().optional(), contactExternalId: z.string().max(200).nullable().optional(), grouped: z.boolean().optional(), stepNumber: z.number().int().min(1).max(99).optional() });
const TestSendBody = PreviewBody.extend({ to: z.string().trim().refine(isEmailAddress, 'Enter the email address to send the test to.') });
const RunBody = z.object({ confirmation: z.string().trim().min(20).max(200).optional() }).strict();
const OutboxQuery = z.object({
  organisationId: z.uuid(),
  filter: z.enum(OUTBOX_FILTERS).default('all'),
  contactExternalId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  /** The previous page's `nextCursor` (opaque): the page after it, instead of `offset`. */
  cursor: z.string().min(1).max(500).optional(),
});

function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}

function uuidParam(req: Request, name: string): string {
  const v = Uuid.safeParse(param(req, name));
  if (!v.success) throw notFound('This item does not exist, or was deleted.');
  return v.data;
}

export function reminderRoutes(deps: ReminderRouteDeps): Router {
  const r = Router();
  const { db } = deps;
  const now = () => deps.env().now();

  r.get('/reminders/organisations', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ organisations: await organisationSummaries(db, auth.firmId, now()), embedded: deps.env().embedded });
  });

  r.get('/reminders/settings/:organisationId', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ settings: await getSettings(db, auth.firmId, uuidParam(req, 'organisationId')) });
  });

  r.put('/reminders/settings/:organisationId', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const input = parseInput(SettingsInputSchema, req.body ?? {});
    res.json({ settings: await saveSettings(db, auth.firmId, uuidParam(req, 'organisationId'), input, now()) });
  });

  r.get('/reminders/firm-settings', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ settings: await loadReminderFirmSettings(db, auth.firmId) });
  });

  r.put('/reminders/firm-settings', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ settings: await updateReminderFirmSettings(db, auth.firmId, parseInput(ReminderFirmSettingsPatchSchema, req.body ?? {})) });
  });

  r.get('/reminders/policies', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ policies: await listPolicies(db, auth.firmId) });
  });

  r.post('/reminders/policies', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.status(201).json({ policy: await createPolicy(db, auth.firmId, parseInput(PolicyInputSchema, req.body ?? {}), now()) });
  });

  r.put('/reminders/policies/:id', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ policy: await updatePolicy(db, auth.firmId, uuidParam(req, 'id'), parseInput(PolicyInputSchema, req.body ?? {}), now()) });
  });

  r.delete('/reminders/policies/:id', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    await deletePolicy(db, auth.firmId, uuidParam(req, 'id'));
    res.status(204).end();
  });

  r.get('/reminders/templates', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const org = typeof req.query['organisationId'] === 'string' && Uuid.safeParse(req.query['organisationId']).success ? (req.query['organisationId'] as string) : null;
    res.json({ templates: await listTemplates(db, auth.firmId, org) });
  });

  r.get('/reminders/merge-fields', (req, res) => {
    allow(req, 'firm.read');
    res.json({ fields: MERGE_FIELDS });
  });

  r.post('/reminders/templates', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.status(201).json({ template: await createTemplate(db, auth.firmId, parseInput(TemplateInputSchema, req.body ?? {}), now()) });
  });

  r.put('/reminders/templates/:id', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ template: await updateTemplate(db, auth.firmId, uuidParam(req, 'id'), parseInput(TemplateInputSchema, req.body ?? {}), now()) });
  });

  r.delete('/reminders/templates/:id', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    await deleteTemplate(db, auth.firmId, uuidParam(req, 'id'));
    res.status(204).end();
  });

  r.post('/reminders/templates/:id/duplicate', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const id = TemplateRef.safeParse(req.params['id']);
    if (!id.success) throw notFound('No such template.');
    res.status(201).json({ template: await duplicateTemplate(db, auth.firmId, id.data, now()) });
  });

  r.post('/reminders/templates/validate', (req, res) => {
    allow(req, 'firm.read');
    res.json({ issues: templateIssues(parseInput(TemplateDraft, req.body ?? {})) });
  });

  r.post('/reminders/templates/preview', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const body = parseInput(PreviewBody, req.body ?? {});
    res.json({ preview: await previewTemplate(db, { firmId: auth.firmId, organisationId: body.organisationId, template: body, templateId: body.templateId, contactExternalId: body.contactExternalId, grouped: body.grouped, stepNumber: body.stepNumber, appUrl: deps.env().appUrl, now: now() }) });
  });

  r.post('/reminders/templates/test-send', async (req, res) => {
    const auth = allow(req, 'collect');
    const body = parseInput(TestSendBody, req.body ?? {}, { to: 'recipient' });
    const preview = await previewTemplate(db, { firmId: auth.firmId, organisationId: body.organisationId, template: body, templateId: body.templateId, contactExternalId: body.contactExternalId, grouped: body.grouped, stepNumber: body.stepNumber, appUrl: deps.env().appUrl, now: now() });
    const total = preview.issues.subject.length + preview.issues.bodyHtml.length + preview.issues.bodyText.length;
    if (total > 0) throw unprocessable('Fix the template’s problems before sending a test.', 'template_invalid');
    const env = deps.env();
    try {
      const sent = await sendTestEmail({ db, mailer: env.mailer, mailFrom: env.mailFrom, embedded: env.embedded, firmId: auth.firmId, to: body.to, preview, organisationName: (await getSettings(db, auth.firmId, body.organisationId)).senderName || preview.organisation });
      deps.log.info({ organisationId: body.organisationId }, 'test reminder sent');
      res.json({ sent: true, messageId: sent.messageId, to: maskList([body.to]) });
    } catch (err) {
      // The mail server's own words (codes, hosts) go to the log; the person reads a sentence.
      deps.log.warn({ err, organisationId: body.organisationId }, 'test reminder not sent');
      throw new DomainError('upstream_failed', 'The test email could not be sent: the mail server did not accept it. Try again in a minute.', { code: 'send_failed', cause: err });
    }
  });

  r.get('/reminders/outbox', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(OutboxQuery, req.query);
    res.json(await listOutbox(db, { firmId: auth.firmId, ...q }));
  });

  r.get('/reminders/sends/:id', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ send: await getSend(db, auth.firmId, uuidParam(req, 'id')) });
  });

  r.post('/reminders/sends/:id/approve', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = uuidParam(req, 'id');
    const row = await approveSend(db, auth.firmId, id, auth.userId, now());
    // Held for the client as well: it waits in the client's queue and is queued when the client approves.
    if (row.status === 'claimed') await deps.queue.request('reminders.send', { sendId: id }, { jobId: sendJobId(id, row.attempts) });
    res.json({ send: await getSend(db, auth.firmId, id) });
  });

  r.post('/reminders/sends/:id/skip', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = uuidParam(req, 'id');
    await rejectSend(db, auth.firmId, id, now());
    res.json({ send: await getSend(db, auth.firmId, id) });
  });

  r.post('/reminders/sends/:id/retry', async (req, res) => {
    const auth = allow(req, 'collect');
    const id = uuidParam(req, 'id');
    await retrySend(db, auth.firmId, id, now());
    await deps.queue.request('reminders.send', { sendId: id }, { jobId: `${sendJobId(id, 0)}-retry-${Date.now()}` });
    res.json({ send: await getSend(db, auth.firmId, id) });
  });

  r.get('/reminders/preview', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(z.object({ organisationId: z.uuid(), date: DateParam.optional() }), req.query);
    const preview = await previewDay(db, { firmId: auth.firmId, organisationId: q.organisationId, date: q.date, now: now() });
    if (!preview) throw notFound('No such organisation.');
    res.json({ preview });
  });

  r.post('/reminders/run/:organisationId/plan', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    res.json({ plan: await previewRun(db, { firmId: auth.firmId, organisationId: uuidParam(req, 'organisationId'), userId: auth.userId, now: now() }) });
  });

  r.post('/reminders/run/:organisationId', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    const id = uuidParam(req, 'organisationId');
    const body = parseInput(RunBody, req.body ?? {});
    await getSettings(db, auth.firmId, id);
    // A first run, or one above the organisation's threshold, needs a previewed confirmation.
    const confirmationId = body.confirmation ? await redeemConfirmation(db, { firmId: auth.firmId, organisationId: id, token: body.confirmation, now: now() }) : null;
    if (!confirmationId) await requireConfirmation(db, { firmId: auth.firmId, organisationId: id, now: now() });
    const payload = confirmationId ? { organisationId: id, confirmationId } : { organisationId: id };
    await deps.queue.request('reminders.run', payload, { jobId: `rrun-${id}-manual-${confirmationId ?? Date.now()}` });
    res.status(202).json({ queued: true, confirmed: confirmationId !== null });
  });

  r.get('/reminders/customers', async (req, res) => {
    const auth = allow(req, 'firm.read');
    const q = parseInput(z.object({ organisationId: z.uuid(), q: z.string().max(100).default(''), limit: z.coerce.number().int().min(1).max(100).default(20) }), req.query);
    res.json({ customers: await searchCustomers(db, { firmId: auth.firmId, ...q }) });
  });

  r.get('/reminders/customers/:organisationId/:contactExternalId', async (req, res) => {
    const auth = allow(req, 'firm.read');
    res.json({ customer: await customerDetail(db, { firmId: auth.firmId, organisationId: uuidParam(req, 'organisationId'), contactExternalId: param(req, 'contactExternalId'), now: now() }) });
  });

  r.put('/reminders/customers/:organisationId/:contactExternalId', async (req, res) => {
    const auth = allow(req, 'collect');
    const organisationId = uuidParam(req, 'organisationId');
    const contactExternalId = param(req, 'contactExternalId');
    await saveCustomer(db, { firmId: auth.firmId, organisationId, contactExternalId, input: parseInput(CustomerInputSchema, req.body ?? {}), now: now() });
    res.json({ customer: await customerDetail(db, { firmId: auth.firmId, organisationId, contactExternalId, now: now() }) });
  });

  r.delete('/reminders/customers/:organisationId/:contactExternalId/unsubscribes/:address', async (req, res) => {
    const auth = allow(req, 'settings.manage');
    await resubscribe(db, { firmId: auth.firmId, organisationId: uuidParam(req, 'organisationId'), contactExternalId: param(req, 'contactExternalId'), address: param(req, 'address') });
    res.status(204).end();
  });

  r.put('/reminders/invoices/:organisationId/:invoiceExternalId/hold', async (req, res) => {
    const auth = allow(req, 'collect');
    await saveInvoiceHold(db, { firmId: auth.firmId, organisationId: uuidParam(req, 'organisationId'), invoiceExternalId: param(req, 'invoiceExternalId'), input: parseInput(InvoiceHoldInputSchema, req.body ?? {}), now: now() });
    res.status(204).end();
  });

  return r;
}

// ---- the public unsubscribe page ---------------------------------------------------------------

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>
<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f4f5f7;color:#1f2933;margin:0}main{max-width:480px;margin:10vh auto;background:#fff;border-radius:10px;padding:32px;box-shadow:0 1px 3px rgba(0,0,0,.08)}h1{font-size:22px;margin:0 0 12px}p{line-height:1.5}button{background:#1c7ed6;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:15px;cursor:pointer}</style></head>
<body><main>${body}</main></body></html>`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function unsubscribeRoutes(deps: { db: Db; env: () => Pick<ReminderEnv, 'secret' | 'now'>; log: Logger }): Router {
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: '4kb' }));

  // The token names a reminder send: its firm is found as the system, the request runs as that firm.
  r.param(
    'token',
    scopeByParam(async (token) => {
      const id = verifyUnsubscribeToken(deps.env().secret, token);
      if (!id) return null;
      const [row] = await deps.db.select({ firmId: reminderSends.firmId }).from(reminderSends).where(eq(reminderSends.id, id)).limit(1);
      return row?.firmId ?? null;
    }),
  );
  const target = async (token: string) => {
    const id = verifyUnsubscribeToken(deps.env().secret, token);
    return id ? findUnsubscribeTarget(deps.db, id) : null;
  };
  const invalid = page('Link not valid', '<h1>This link is not valid</h1><p>The unsubscribe link is incomplete or has expired. Reply to the reminder email and ask to stop receiving reminders.</p>');

  r.get('/:token', async (req, res) => {
    const t = await target(param(req, 'token'));
    res.set('cache-control', 'no-store');
    if (!t) return void res.status(404).type('html').send(invalid);
    if (t.done) return void res.type('html').send(page('Unsubscribed', `<h1>You are unsubscribed</h1><p>${esc(maskList(t.recipients, 3))} will not get payment reminders from ${esc(t.organisationName)} any more.</p>`));
    res
      .type('html')
      .send(
        page(
          'Stop payment reminders?',
          `<h1>Stop payment reminders?</h1><p>${esc(maskList(t.recipients, 3))} will no longer get payment reminders from ${esc(t.organisationName)}. Invoices and statements are not affected.</p><form method="post"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
  });

  // The confirmation button, and mail clients' one-click (List-Unsubscribe-Post, RFC 8058).
  r.post('/:token', async (req, res) => {
    const t = await target(param(req, 'token'));
    res.set('cache-control', 'no-store');
    if (!t) return void res.status(404).type('html').send(invalid);
    const added = await unsubscribe(deps.db, t, { source: 'link', now: deps.env().now() });
    deps.log.info({ sendId: t.sendId, added }, 'reminder unsubscribe');
    res.type('html').send(page('Unsubscribed', `<h1>You are unsubscribed</h1><p>${esc(maskList(t.recipients, 3))} will not get payment reminders from ${esc(t.organisationName)} any more.</p>`));
  });
  return r;
}
