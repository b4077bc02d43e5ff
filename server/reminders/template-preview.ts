/**
 * A template rendered on real data — the editor's live preview and its test send. The sample
 * fits the template's timing (`sampleKind`): the step that uses it (the first by offset among
 * the firm's policies for the organisation), else the built-in's own timing, else what its merge
 * fields suggest. An upcoming-due template previews with an invoice due in the next days, an
 * overdue step with an invoice about as overdue as the step's offset, a statement with several
 * invoices. Real invoices of the organisation are used when one fits (of the chosen customer,
 * when one is chosen), else a made-up sample with the right dates. A test send goes only to the
 * address the staff member gives, marked [Test].
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { addDays, type CalendarDate, diffDays } from '../../kernel/dates';
import type { Mailer } from '../../integrations/email/transport';
import type { Db } from '../db/client';
import { contacts } from '../db/schema';
import { FIRM_HEADER } from '../email/embedded';
import { notFound } from '../../kernel/errors';
import { builtinTemplate, type TemplateBody } from './defaults';
import { mailAddress, mailDomain } from './deps';
import { loadCustomers, loadOpenInvoices, loadOrganisation, loadPolicies, loadSettings } from './load';
import { localClock } from './local-time';
import { type PlanInvoice, recipientsOf } from './plan';
import { type RenderedEmail, renderEmail } from './render';
import { templateIssues } from './templates';
import type { Policy } from './types';

export interface TemplatePreview extends RenderedEmail {
  issues: ReturnType<typeof templateIssues>;
  sample: { contactExternalId: string | null; customer: string; invoices: number; recipients: string[]; basis: string };
  organisation: string;
}

/** The timing a preview's sample should have: days from the due date, statement or not, and why, in words. */
export interface SampleKind {
  offsetDays: number;
  grouped: boolean;
  basis: string;
}

const BUILTIN_TIMING: Record<string, { offsetDays: number; grouped: boolean }> = {
  'builtin:before-due': { offsetDays: -3, grouped: false },
  'builtin:due': { offsetDays: 0, grouped: false },
  'builtin:overdue': { offsetDays: 7, grouped: false },
  'builtin:final': { offsetDays: 30, grouped: false },
  'builtin:statement': { offsetDays: 7, grouped: true },
  'builtin:statement-upcoming': { offsetDays: -3, grouped: true },
};

/** "as sent 3 days before the due date"; "a statement, as sent on the due date". */
function timingWords(offsetDays: number, grouped: boolean): string {
  const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
  const when = offsetDays < 0 ? `${days(-offsetDays)} before the due date` : offsetDays === 0 ? 'on the due date' : `${days(offsetDays)} after the due date`;
  return `${grouped ? 'a statement, ' : ''}as sent ${when}`;
}

/**
 * Pure: the sample timing for a template — the earliest step that names it, else a built-in's own
 * timing (a built-in also serves steps without a template, at many offsets), else its fields.
 */
export function sampleKind(template: TemplateBody, templateId: string | null | undefined, policies: readonly Pick<Policy, 'name' | 'grouping' | 'steps' | 'enabled'>[], groupedHint?: boolean): SampleKind {
  if (templateId) {
    const uses = policies
      .filter((p) => p.enabled)
      .flatMap((p) => p.steps.map((s, k) => ({ p, s, number: k + 1, grouped: p.grouping === 'customer' })))
      .filter(({ s }) => s.channel === 'email' && s.templateId === templateId)
      .sort((a, b) => a.s.offsetDays - b.s.offsetDays);
    const use = uses[0];
    if (use) return { offsetDays: use.s.offsetDays, grouped: use.grouped, basis: `${timingWords(use.s.offsetDays, use.grouped)} (step ${use.number} of “${use.p.name}”)` };
    const builtin = BUILTIN_TIMING[templateId];
    if (builtin && builtinTemplate(templateId)) return { ...builtin, basis: timingWords(builtin.offsetDays, builtin.grouped) };
  }
  // Not used by any step: a copy of a built-in (same subject) keeps its timing; else the fields and words say.
  const twin = Object.keys(BUILTIN_TIMING).find((id) => builtinTemplate(id)?.subject === template.subject.trim());
  if (twin) return { ...BUILTIN_TIMING[twin]!, basis: timingWords(BUILTIN_TIMING[twin]!.offsetDays, BUILTIN_TIMING[twin]!.grouped) };
  const all = `${template.subject} ${template.bodyHtml} ${template.bodyText}`;
  const grouped = groupedHint ?? /invoices\.count|total_overdue/.test(all);
  const upcoming = /days_until_due/.test(all) || (!/days_overdue|total_overdue|overdue/i.test(all) && /\b(upcoming|coming up|due soon|is due on|will be due|due in)\b/i.test(template.subject));
  const offsetDays = upcoming ? -3 : 7;
  return { offsetDays, grouped, basis: timingWords(offsetDays, grouped) };
}

/** How far an invoice's due date is from the one the step would send it at (days). */
function distance(inv: Pick<PlanInvoice, 'dueDate'>, target: CalendarDate): number {
  return inv.dueDate ? Math.abs(diffDays(inv.dueDate, target)) : Number.POSITIVE_INFINITY;
}

/** Whether an invoice fits the timing: upcoming ones not yet due (within a few weeks), overdue ones about as overdue as the step. */
function fits(inv: Pick<PlanInvoice, 'dueDate'>, kind: SampleKind, today: CalendarDate): boolean {
  if (!inv.dueDate) return false;
  const late = diffDays(inv.dueDate, today);
  if (kind.offsetDays < 0) return late < 0 && -late <= Math.max(14, -kind.offsetDays * 2);
  if (kind.offsetDays === 0) return late >= 0 && late <= 3;
  return late > 0 && Math.abs(late - kind.offsetDays) <= Math.max(7, Math.ceil(kind.offsetDays / 2));
}

/** Pure: the invoices a preview shows, from the organisation's open invoices (`contactId` chosen or not). */
export function chooseSample(open: readonly PlanInvoice[], kind: SampleKind, today: CalendarDate, contactId: string | null): { contactId: string | null; invoices: PlanInvoice[] } {
  const target = addDays(today, -kind.offsetDays);
  const byDistance = (a: PlanInvoice, b: PlanInvoice) => distance(a, target) - distance(b, target) || a.number.localeCompare(b.number);
  const pool = contactId ? open.filter((i) => i.contactExternalId === contactId) : open;
  const fitting = pool.filter((i) => fits(i, kind, today));
  if (!kind.grouped) {
    // A customer chosen by the staff member is shown on their own invoices, the nearest in timing.
    const best = [...(fitting.length || !contactId ? fitting : pool)].sort(byDistance)[0];
    return best ? { contactId: best.contactExternalId, invoices: [best] } : { contactId, invoices: [] };
  }
  if (contactId && fitting.length === 0) return { contactId, invoices: [...pool].sort((a, b) => (a.dueDate! < b.dueDate! ? -1 : a.dueDate! > b.dueDate! ? 1 : 0)) };
  // A statement: the customer with the most invoices of the right kind, listed oldest due first.
  const listed = (i: PlanInvoice) => (kind.offsetDays < 0 ? fits(i, kind, today) : i.dueDate !== null && i.dueDate <= today);
  const counts = new Map<string, number>();
  for (const i of fitting) counts.set(i.contactExternalId, 0);
  for (const i of pool) if (counts.has(i.contactExternalId) && listed(i)) counts.set(i.contactExternalId, counts.get(i.contactExternalId)! + 1);
  const who = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (!who || who[1] < 2) return { contactId, invoices: [] };
  return { contactId: who[0], invoices: pool.filter((i) => i.contactExternalId === who[0] && listed(i)) };
}

/** A made-up sample with the step's dates, in the organisation's currency. */
function madeUpSample(kind: SampleKind, today: CalendarDate, currency: string): PlanInvoice[] {
  const target = addDays(today, -kind.offsetDays);
  const dues = !kind.grouped ? [target] : kind.offsetDays < 0 ? [target, addDays(target, 7), addDays(target, 14)] : [addDays(target, -14), target, today];
  const amounts = ['1200.00', '450.00', '780.50'];
  return dues.map((due, k) => ({ id: `sample-${k + 1}`, externalId: `sample-${k + 1}`, contactExternalId: 'sample', number: `INV-000${k + 1}`, issueDate: addDays(due, -30), dueDate: due, currency, total: amounts[k]!, amountDue: amounts[k]!, amountCredited: '0', amountPaid: '0', status: 'authorised', url: null }));
}

export async function previewTemplate(db: Db, params: { firmId: string; organisationId: string; template: TemplateBody; templateId?: string | null; contactExternalId?: string | null; grouped?: boolean; stepNumber?: number; appUrl: string; now: Date }): Promise<TemplatePreview> {
  const org = await loadOrganisation(db, params.organisationId, params.firmId);
  if (!org) throw notFound('No such organisation.');
  const settings = await loadSettings(db, org.id);
  const today = localClock(org.timezone, params.now).date;
  const kind = sampleKind(params.template, params.templateId, await loadPolicies(db, params.firmId, org.id), params.templateId ? undefined : params.grouped);
  const open = (await loadOpenInvoices(db, org)).filter((i) => i.dueDate);
  const chosen = chooseSample(open, kind, today, params.contactExternalId ?? null);
  let contactId = chosen.contactId;
  let invoices = chosen.invoices;
  let customerName = 'Sample Customer Ltd';
  let firstName: string | null = 'Sam';
  let recipients: string[] = [];
  if (contactId && invoices.length > 0) {
    const c = (await loadCustomers(db, org, [contactId])).get(contactId);
    const [row] = await db
      .select({ name: contacts.name })
      .from(contacts)
      .where(and(eq(contacts.organisationId, org.id), eq(contacts.externalId, contactId)));
    customerName = row?.name ?? c?.name ?? customerName;
    firstName = c?.firstName ?? null;
    recipients = c ? recipientsOf(c).to : [];
  }
  if (invoices.length === 0) {
    contactId = null;
    invoices = madeUpSample(kind, today, org.baseCurrency);
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
  const basis = contactId ? kind.basis : `${kind.basis}, on a made-up example (no open invoice fits)`;
  return { ...rendered, organisation: org.name, issues: templateIssues(params.template), sample: { contactExternalId: contactId, customer: customerName, invoices: invoices.length, recipients, basis } };
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
