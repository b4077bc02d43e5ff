/**
 * A template rendered on real data — the editor's live preview and its test send. The sample
 * is the chosen customer or, by default, the organisation's customer with the most overdue
 * invoices; a test send goes only to the address the staff member gives, marked [Test].
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Mailer } from '../../integrations/email/transport';
import type { Db } from '../db/client';
import { contacts } from '../db/schema';
import { FIRM_HEADER } from '../email/embedded';
import { notFound } from '../../kernel/errors';
import type { TemplateBody } from './defaults';
import { mailAddress, mailDomain } from './deps';
import { loadCustomers, loadOpenInvoices, loadOrganisation, loadSettings } from './load';
import { localClock } from './local-time';
import { recipientsOf } from './plan';
import { type RenderedEmail, renderEmail } from './render';
import { templateIssues } from './templates';

export interface TemplatePreview extends RenderedEmail {
  issues: ReturnType<typeof templateIssues>;
  sample: { contactExternalId: string | null; customer: string; invoices: number; recipients: string[] };
  organisation: string;
}

export async function previewTemplate(db: Db, params: { firmId: string; organisationId: string; template: TemplateBody; contactExternalId?: string | null; grouped?: boolean; stepNumber?: number; appUrl: string; now: Date }): Promise<TemplatePreview> {
  const org = await loadOrganisation(db, params.organisationId, params.firmId);
  if (!org) throw notFound('No such organisation.');
  const settings = await loadSettings(db, org.id);
  const today = localClock(org.timezone, params.now).date;
  const open = (await loadOpenInvoices(db, org)).filter((i) => i.dueDate);
  let contactId = params.contactExternalId ?? null;
  if (!contactId) {
    const overdue = new Map<string, number>();
    for (const i of open) if (i.dueDate! < today) overdue.set(i.contactExternalId, (overdue.get(i.contactExternalId) ?? 0) + 1);
    contactId = [...overdue.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? open[0]?.contactExternalId ?? null;
  }
  let customerName = 'Sample Customer Ltd';
  let firstName: string | null = 'Sam';
  let recipients: string[] = [];
  let invoices = contactId ? open.filter((i) => i.contactExternalId === contactId) : [];
  if (contactId) {
    const c = (await loadCustomers(db, org, [contactId])).get(contactId);
    const [row] = await db
      .select({ name: contacts.name })
      .from(contacts)
      .where(and(eq(contacts.organisationId, org.id), eq(contacts.externalId, contactId)));
    customerName = row?.name ?? c?.name ?? customerName;
    firstName = c?.firstName ?? null;
    recipients = c ? recipientsOf(c).to : [];
  }
  if (!params.grouped) invoices = invoices.slice(0, 1);
  if (invoices.length === 0) {
    invoices = [{ id: 'sample', externalId: 'sample', contactExternalId: 'sample', number: 'INV-0001', issueDate: today, dueDate: today, currency: org.baseCurrency, total: '1200.00', amountDue: '1200.00', amountCredited: '0', amountPaid: '0', status: 'authorised', url: null }];
  }
  const rendered = renderEmail(params.template, {
    organisation: { name: org.name, countryCode: org.countryCode },
    settings,
    customer: { name: customerName, firstName, contactName: null },
    invoices,
    stepNumber: params.stepNumber ?? 1,
    today,
    unsubscribeUrl: `${params.appUrl.replace(/\/+$/, '')}/u/preview`,
  });
  return { ...rendered, organisation: org.name, issues: templateIssues(params.template), sample: { contactExternalId: contactId, customer: customerName, invoices: invoices.length, recipients } };
}

export async function sendTestEmail(params: { db: Db; mailer: Mailer; mailFrom: string; embedded: boolean; firmId: string; to: string; preview: TemplatePreview; organisationName: string }): Promise<{ messageId: string }> {
  const messageId = `<test.${randomUUID()}@${mailDomain(params.mailFrom)}>`;
  await params.mailer.send({
    messageId,
    from: `"${params.organisationName.replace(/["\\\r\n]/g, '')} (test)" <${mailAddress(params.mailFrom)}>`,
    to: [params.to],
    subject: `[Test] ${params.preview.subject}`,
    text: params.preview.text,
    html: params.preview.html,
    headers: params.embedded ? { [FIRM_HEADER]: params.firmId } : {},
  });
  return { messageId };
}
