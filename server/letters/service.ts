/**
 * Letters (issue #20, docs/decisions/042): a reminder step of channel `letter` becomes a printed
 * letter on the client's letterhead with the customer's statement attached.
 *
 * - `collectLetters`: the reminder planner (server/reminders/plan.ts) with the organisation's data
 *   says which letter steps are due today, one letter per customer; each is put in the
 *   organisation's batch for the local day (`letter_batches`, one per day) as a fixed snapshot
 *   (`letters.content`), or blocked with the reason in words when the customer has no postal
 *   address a letter can go to (data quality: `postalAddress`). Letters already queued are not
 *   planned again (their steps count as claimed); a blocked letter is looked at again on the next
 *   collection. A batch already posted takes no more letters that day.
 * - `confirmPosted`: the collector says the batch went in the post. One transaction, guarded on the
 *   batch still being open: each queued letter becomes `sent` once, with one timeline entry, and its
 *   (invoice, step) occurrences are recorded as sent `reminder_sends` rows (channel letter), so the
 *   sequence goes on from the letter. Confirming again changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { type CalendarDate, longDate } from '../../kernel/dates';
import { conflict, notFound } from '../../kernel/errors';
import { postalAddress } from '../analytics/data-quality';
import type { Db } from '../db/client';
import { activities, contacts, letterBatches, letters, reminderSends, senderIdentities } from '../db/schema';
import { renderTemplate } from '../reminders/merge';
import { loadOrganisation, loadPlanData, loadSettings, type OrgInfo } from '../reminders/load';
import { localClock } from '../reminders/local-time';
import { type PlanInvoice, type PlannedLetter, plan, sendKey } from '../reminders/plan';
import { formatMoney, formatTotals, mergeValues, minorOf } from '../reminders/render';
import { templateFor } from '../reminders/templates';
import { buildStatement, statementCustomer } from '../statements/service';
import { builtInLetterText, type LetterContent, templateLetterText } from './core';

export interface LetterDeps {
  db: Db;
  now: () => Date;
}

interface LetterStep {
  invoiceExternalId: string;
  stepKey: string;
  stepNumber: number;
  stepOffset: number;
}

export const LETTER_STATUS_WORDS: Record<string, string> = { queued: 'Ready to print', blocked: 'Blocked', sent: 'Posted', replaced: 'Replaced by a later letter' };
export const BATCH_STATUS_WORDS: Record<string, string> = { open: 'Waiting to be posted', posted: 'Posted' };

export interface LetterView {
  id: string;
  customerName: string;
  status: string;
  statusText: string;
  blockedReason: string | null;
  heading: string;
  invoiceCount: number;
  sentAt: string | null;
}

export interface BatchView {
  id: string;
  organisationId: string;
  day: CalendarDate;
  dayText: string;
  status: string;
  statusText: string;
  postedAt: string | null;
  letters: LetterView[];
  /** Letters that will be printed (queued or posted). */
  printable: number;
  blocked: number;
}

async function orgOf(db: Db, firmId: string, organisationId: string): Promise<OrgInfo> {
  const org = await loadOrganisation(db, organisationId, firmId);
  if (!org) throw notFound('No such organisation.');
  return org;
}

/** Collect the letters due today into the organisation's batch for the day; answers the batch. */
export async function collectLetters(deps: LetterDeps, firmId: string, organisationId: string): Promise<BatchView> {
  const { db } = deps;
  const now = deps.now();
  const org = await orgOf(db, firmId, organisationId);
  const today = localClock(org.timezone, now).date;
  const [batch] = await db
    .insert(letterBatches)
    .values({ firmId, organisationId: org.id, localDay: today })
    .onConflictDoUpdate({ target: [letterBatches.firmId, letterBatches.organisationId, letterBatches.localDay], set: { status: sql`${letterBatches.status}` } })
    .returning();
  if (batch!.status !== 'open') return batchView(db, firmId, batch!.id);

  const data = await loadPlanData(db, org, today);
  // Letters waiting to be posted: their steps are claimed; the planner does not plan them again.
  const waiting = await db
    .select({ steps: letters.steps })
    .from(letters)
    .where(and(eq(letters.firmId, firmId), eq(letters.organisationId, org.id), eq(letters.status, 'queued')));
  for (const w of waiting) for (const s of w.steps as LetterStep[]) data.existing.set(sendKey('invoice', s.invoiceExternalId, s.stepKey), { status: 'claimed', skipReason: null, passedOn: null });
  const planned = plan({ now, organisationId: org.id, timezone: org.timezone, ...data });
  if (planned.letters.length === 0) return batchView(db, firmId, batch!.id);

  const settings = await loadSettings(db, org.id);
  const [identity] = await db.select({ footer: senderIdentities.footer }).from(senderIdentities).where(and(eq(senderIdentities.firmId, firmId), eq(senderIdentities.organisationId, org.id)));
  const fromLines = (identity?.footer ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && l.toLowerCase() !== org.name.trim().toLowerCase())
    .slice(0, 4);
  const people = await db
    .select({ id: contacts.id, externalId: contacts.externalId, name: contacts.name, firstName: contacts.firstName, addresses: contacts.addresses })
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), eq(contacts.organisationId, org.id), inArray(contacts.externalId, planned.letters.map((l) => l.contactExternalId))));
  const byExt = new Map(people.map((p) => [p.externalId, p]));

  for (const l of planned.letters) {
    const person = byExt.get(l.contactExternalId);
    const steps: LetterStep[] = l.triggers.map((t) => ({ invoiceExternalId: t.invoiceExternalId, stepKey: t.occurrence.key, stepNumber: t.occurrence.number, stepOffset: t.occurrence.offsetDays }));
    const postal = postalAddress(person?.addresses ?? []);
    const base = { firmId, organisationId: org.id, batchId: batch!.id, localDay: today, contactExternalId: l.contactExternalId, customerName: l.customerName, steps, templateId: l.occurrence.step.templateId, updatedAt: now };
    const row = postal.ok
      ? { ...base, status: 'queued', blockedReason: null, content: await letterContent(db, org, settings, l, data.invoices, today, now, { name: org.name, addressLines: fromLines }, { name: l.customerName, addressLines: postal.lines, address: postal.address }, person ? { id: person.id, firstName: person.firstName } : null) }
      : { ...base, status: 'blocked', blockedReason: `${postal.reason}: add one in the ledger and collect the letters again.`, content: {} };
    await db
      .insert(letters)
      .values(row)
      .onConflictDoUpdate({
        target: [letters.firmId, letters.organisationId, letters.contactExternalId, letters.localDay],
        set: { status: row.status, blockedReason: row.blockedReason, content: row.content, steps: row.steps, templateId: row.templateId, batchId: row.batchId, updatedAt: now },
        setWhere: sql`${letters.status} = 'blocked'`,
      });
    // An earlier day's blocked letter to this customer is replaced by today's.
    await db
      .update(letters)
      .set({ status: 'replaced', updatedAt: now })
      .where(and(eq(letters.firmId, firmId), eq(letters.organisationId, org.id), eq(letters.contactExternalId, l.contactExternalId), eq(letters.status, 'blocked'), sql`${letters.localDay} < ${today}`));
  }
  return batchView(db, firmId, batch!.id);
}

async function letterContent(
  db: Db,
  org: OrgInfo,
  settings: Awaited<ReturnType<typeof loadSettings>>,
  l: PlannedLetter,
  all: readonly PlanInvoice[],
  today: CalendarDate,
  now: Date,
  from: LetterContent['from'],
  to: LetterContent['to'],
  person: { id: string; firstName: string | null } | null,
): Promise<LetterContent> {
  const triggered = new Set(l.triggers.map((t) => t.invoiceExternalId));
  const listed = all.filter((i) => i.contactExternalId === l.contactExternalId && (triggered.has(i.externalId) || (i.dueDate !== null && i.dueDate < today)));
  const c = org.countryCode;
  const total = formatTotals(
    listed.map((i) => ({ currency: i.currency, minor: minorOf(i.amountDue, i.currency) })),
    c,
  );
  const ctx = {
    organisation: { name: org.name, countryCode: c },
    settings,
    customer: { name: l.customerName, firstName: person?.firstName ?? null, contactName: null },
    invoices: listed.map((i) => ({ number: i.number, issueDate: i.issueDate, dueDate: i.dueDate, currency: i.currency, total: i.total, amountDue: i.amountDue, url: null })),
    stepNumber: l.occurrence.number,
    today,
    unsubscribeUrl: null,
    payLink: null,
  };
  const own = l.occurrence.step.templateId;
  const text = own
    ? await (async () => {
        const t = await templateFor(db, org.firmId, own, l.occurrence.offsetDays, false);
        const values = mergeValues(ctx);
        return templateLetterText(renderTemplate(t.subject, values, 'text'), renderTemplate(t.bodyText, values, 'text'));
      })()
    : builtInLetterText({ customerName: l.customerName, total, today, organisationName: org.name });
  let statement: LetterContent['statement'] = null;
  if (person) {
    const customer = await statementCustomer(db, org.firmId, person.id);
    const s = await buildStatement(db, customer, { kind: 'open_items', currency: listed[0]?.currency }, now);
    statement = { title: `Statement of account, ${s.periodText}`, lines: s.lines.map((x) => ({ date: x.date, document: x.document, due: x.due, amount: x.debit || x.credit, open: x.balance })), balance: s.closing, aging: s.aging };
  }
  return {
    from,
    to,
    date: longDate(today),
    heading: text.heading,
    paragraphs: text.paragraphs,
    invoices: listed.map((i) => ({ number: i.number || 'Invoice', issued: longDate(i.issueDate), due: i.dueDate ? longDate(i.dueDate) : '', amountDue: formatMoney(minorOf(i.amountDue, i.currency), i.currency, c) })),
    total,
    signOff: settings.signature.trim() || settings.senderName?.trim() || org.name,
    statement,
  };
}

export async function batchView(db: Db, firmId: string, batchId: string): Promise<BatchView> {
  const [b] = await db.select().from(letterBatches).where(and(eq(letterBatches.firmId, firmId), eq(letterBatches.id, batchId)));
  if (!b) throw notFound('No such letter batch.');
  const rows = await db
    .select()
    .from(letters)
    .where(and(eq(letters.firmId, firmId), eq(letters.batchId, b.id)))
    .orderBy(letters.customerName);
  const views: LetterView[] = rows.map((r) => ({
    id: r.id,
    customerName: r.customerName,
    status: r.status,
    statusText: LETTER_STATUS_WORDS[r.status] ?? r.status,
    blockedReason: r.blockedReason,
    heading: (r.content as Partial<LetterContent>).heading ?? '',
    invoiceCount: (r.content as Partial<LetterContent>).invoices?.length ?? (r.steps as unknown[]).length,
    sentAt: r.sentAt?.toISOString() ?? null,
  }));
  return {
    id: b.id,
    organisationId: b.organisationId,
    day: b.localDay,
    dayText: longDate(b.localDay),
    status: b.status,
    statusText: BATCH_STATUS_WORDS[b.status] ?? b.status,
    postedAt: b.postedAt?.toISOString() ?? null,
    letters: views,
    printable: views.filter((v) => v.status === 'queued' || v.status === 'sent').length,
    blocked: views.filter((v) => v.status === 'blocked').length,
  };
}

export async function listBatches(db: Db, firmId: string, organisationId: string): Promise<BatchView[]> {
  await orgOf(db, firmId, organisationId);
  const rows = await db
    .select({ id: letterBatches.id })
    .from(letterBatches)
    .where(and(eq(letterBatches.firmId, firmId), eq(letterBatches.organisationId, organisationId)))
    .orderBy(desc(letterBatches.localDay))
    .limit(30);
  return Promise.all(rows.map((r) => batchView(db, firmId, r.id)));
}

/** The letters to print (queued, or already posted for a reprint), with the organisation's logo. */
export async function batchLetters(db: Db, firmId: string, batchId: string): Promise<{ batch: BatchView; contents: LetterContent[]; logo: Buffer | null }> {
  const batch = await batchView(db, firmId, batchId);
  const rows = await db
    .select({ content: letters.content })
    .from(letters)
    .where(and(eq(letters.firmId, firmId), eq(letters.batchId, batchId), inArray(letters.status, ['queued', 'sent'])))
    .orderBy(letters.customerName);
  const [identity] = await db.select({ type: senderIdentities.logoType, data: senderIdentities.logoData }).from(senderIdentities).where(and(eq(senderIdentities.firmId, firmId), eq(senderIdentities.organisationId, batch.organisationId)));
  const logo = identity?.data && (identity.type === 'image/png' || identity.type === 'image/jpeg') ? Buffer.from(identity.data, 'base64') : null;
  return { batch, contents: rows.map((r) => r.content as LetterContent), logo };
}

/** The collector confirms the batch went in the post: each queued letter is sent once. */
export async function confirmPosted(deps: LetterDeps, firmId: string, batchId: string, userId: string | null): Promise<{ batch: BatchView; sent: number }> {
  const now = deps.now();
  const sent = await deps.db.transaction(async (tx) => {
    const [b] = await tx
      .update(letterBatches)
      .set({ status: 'posted', postedAt: now, postedByUserId: userId })
      .where(and(eq(letterBatches.firmId, firmId), eq(letterBatches.id, batchId), eq(letterBatches.status, 'open')))
      .returning();
    if (!b) {
      const [exists] = await tx.select({ id: letterBatches.id }).from(letterBatches).where(and(eq(letterBatches.firmId, firmId), eq(letterBatches.id, batchId)));
      if (!exists) throw notFound('No such letter batch.');
      return 0;
    }
    const done = await tx
      .update(letters)
      .set({ status: 'sent', sentAt: now, updatedAt: now })
      .where(and(eq(letters.firmId, firmId), eq(letters.batchId, batchId), eq(letters.status, 'queued')))
      .returning();
    // An open batch with nothing to print stays open (its blocked letters may be collected again today).
    if (done.length === 0) throw conflict('Nothing in this batch is ready to post: every letter in it is blocked.', 'letters_nothing_to_post');
    const people = await tx
      .select({ id: contacts.id, externalId: contacts.externalId })
      .from(contacts)
      .where(and(eq(contacts.firmId, firmId), eq(contacts.organisationId, b.organisationId), inArray(contacts.externalId, done.map((d) => d.contactExternalId))));
    const contactId = new Map(people.map((p) => [p.externalId, p.id]));
    await tx.insert(activities).values(
      done.map((d) => ({
        firmId,
        organisationId: b.organisationId,
        actorType: userId ? 'user' : 'system',
        actorUserId: userId,
        kind: 'letter.sent',
        contactId: contactId.get(d.contactExternalId) ?? null,
        summary: `Letter posted: ${(d.content as Partial<LetterContent>).heading || 'reminder letter'}`,
        details: { letterId: d.id, batchId, invoiceExternalIds: (d.steps as LetterStep[]).map((s) => s.invoiceExternalId) },
      })),
    );
    const sends = done.flatMap((d) =>
      (d.steps as LetterStep[]).map((s) => {
        const id = randomUUID();
        return {
          id,
          firmId,
          organisationId: b.organisationId,
          subjectType: 'invoice',
          subjectId: s.invoiceExternalId,
          stepKey: s.stepKey,
          contactExternalId: d.contactExternalId,
          invoiceExternalIds: [s.invoiceExternalId],
          stepNumber: s.stepNumber,
          stepOffset: s.stepOffset,
          channel: 'letter',
          status: 'sent',
          plannedFor: d.localDay,
          messageId: `<letter.${id}@arcus.invalid>`,
          claimedAt: now,
          sentAt: now,
          updatedAt: now,
        };
      }),
    );
    if (sends.length) await tx.insert(reminderSends).values(sends).onConflictDoNothing();
    return done.length;
  });
  // sent = 0: the batch was already posted — confirming again changes nothing.
  return { batch: await batchView(deps.db, firmId, batchId), sent };
}
