/**
 * Statement emails (README.md, "Exactly once"): on demand from the customer page, and monthly on
 * the first business day in the organisation's time zone for organisations that opted in. One row
 * per (organisation, customer, period) in statement_sends is claimed before the email and
 * completed after it — 'YYYY-MM' for the monthly email, 'now:<request id>' on demand — so two
 * workers, a re-run or a double-click send one email. The statement pay link goes with it.
 */
import { and, eq, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { MailError } from '../../integrations/email/transport';
import { longDate } from '../../kernel/dates';
import { escapeHtml } from '../../kernel/rich-text';
import { wallClock } from '../../kernel/zoned-time';
import { type Db, queryRows } from '../db/client';
import { asSystem, withFirm } from '../db/firm-scope';
import { activities, statementSends, statementSettings } from '../db/schema';
import { ensureStatementLink } from '../pay/links';
import { mailAddress, mailDomain } from '../reminders/deps';
import { loadCustomerState } from '../reminders/load';
import { chooseRecipients, type RecipientChoice } from '../reminders/recipients';
import { dueReportMonth, monthRange, type ReportMonth } from '../reports/schedule';
import type { Services } from '../services';
import { renderStatementPdf } from './pdf';
import { buildStatement, type StatementCustomer, type StatementKind, statementCustomer } from './service';

export const CLAIM_LEASE_MS = 15 * 60_000;
export type StatementSendOutcome = 'sent' | 'already' | 'no_recipients' | 'unsubscribed' | 'failed';

export type StatementSendServices = Pick<Services, 'db' | 'clock' | 'mail' | 'appUrl' | 'log'> & { payLinkKey: Buffer };

/**
 * Who a statement goes to: exactly whom a reminder would go to (server/reminders/recipients.ts) —
 * the customer's reminder recipients when Arcus overrides them, else the ledger's — minus every
 * address that unsubscribed from this organisation's emails. Runs in the firm's scope.
 */
export async function statementRecipients(db: Db, customer: StatementCustomer): Promise<RecipientChoice & { unsubscribed: number }> {
  const state = await loadCustomerState(db, { id: customer.organisationId, firmId: customer.firmId }, customer.contactExternalId);
  const choice = chooseRecipients({ emails: state.emails, override: state.recipientsOverride, unsubscribed: state.unsubscribed });
  const all = chooseRecipients({ emails: state.emails, override: state.recipientsOverride, unsubscribed: new Set() });
  return { ...choice, unsubscribed: all.to.length - choice.to.length };
}

export const SendStatementSchema = z
  .object({
    /** The page's id for this click: the same id twice is one email. */
    requestId: z.uuid({ message: 'Reload the page and try again.' }),
    kind: z.enum(['open_items', 'activity'], { message: 'Choose open items or activity.' }).optional(),
  })
  .strict();

async function claim(db: Db, key: SendKey, now: Date, userId: string | null): Promise<{ attempts: number } | null> {
  const lease = new Date(now.getTime() + CLAIM_LEASE_MS);
  const fresh = await db
    .insert(statementSends)
    .values({ firmId: key.firmId, organisationId: key.organisationId, contactExternalId: key.contactExternalId, period: key.period, status: 'sending', claimedAt: now, leaseUntil: lease, requestedByUserId: userId })
    .onConflictDoNothing()
    .returning({ attempts: statementSends.attempts });
  if (fresh[0]) return fresh[0];
  const taken = await db
    .update(statementSends)
    .set({ attempts: sql`${statementSends.attempts} + 1`, claimedAt: now, leaseUntil: lease })
    .where(and(match(key), eq(statementSends.status, 'sending'), or(lt(statementSends.leaseUntil, now), sql`${statementSends.leaseUntil} IS NULL`)))
    .returning({ attempts: statementSends.attempts });
  return taken[0] ?? null;
}

interface SendKey {
  firmId: string;
  organisationId: string;
  contactExternalId: string;
  period: string;
}
const match = (k: SendKey) =>
  and(eq(statementSends.firmId, k.firmId), eq(statementSends.organisationId, k.organisationId), eq(statementSends.contactExternalId, k.contactExternalId), eq(statementSends.period, k.period));

async function finish(db: Db, key: SendKey, set: Partial<typeof statementSends.$inferInsert>): Promise<void> {
  await db.update(statementSends).set(set).where(and(match(key), eq(statementSends.status, 'sending')));
}

export const statementMessageId = (k: SendKey, mailFrom: string) => `<statement.${k.organisationId}.${k.contactExternalId.replace(/[^A-Za-z0-9-]/g, '')}.${k.period.replace(/[^A-Za-z0-9-]/g, '')}@${mailDomain(mailFrom)}>`;

/** Sends one customer's statement once for `period`. Runs in the firm's scope. */
export async function sendStatement(
  s: StatementSendServices,
  input: { customer: StatementCustomer; period: string; kind: StatementKind; range: { from: string; to: string } | null; userId: string | null },
): Promise<StatementSendOutcome> {
  const { customer } = input;
  const key: SendKey = { firmId: customer.firmId, organisationId: customer.organisationId, contactExternalId: customer.contactExternalId, period: input.period };
  const now = s.clock.now();
  const claimed = await claim(s.db, key, now, input.userId);
  if (!claimed) return 'already';
  const messageId = statementMessageId(key, s.mail.from);
  if (claimed.attempts > 1 && s.mail.mailer.delivered && (await s.mail.mailer.delivered(messageId))) {
    await finish(s.db, key, { status: 'sent', sentAt: now, leaseUntil: null, messageId });
    return 'sent';
  }
  const { to, allUnsubscribed } = await statementRecipients(s.db, customer);
  if (to.length === 0) {
    await finish(s.db, key, { status: 'no_recipients', leaseUntil: null });
    return allUnsubscribed ? 'unsubscribed' : 'no_recipients';
  }
  const statement = await buildStatement(s.db, customer, { kind: input.kind, ...(input.range ?? {}) }, now);
  const link = await ensureStatementLink(s.db, { firmId: customer.firmId, organisationId: customer.organisationId, contactExternalId: customer.contactExternalId }, { appUrl: s.appUrl, linkKey: s.payLinkKey }).catch(() => null);
  const pdf = await renderStatementPdf(statement, link?.url ?? null);
  const lines = [
    `Dear ${customer.customerName},`,
    '',
    `Your ${statement.kindText.toLowerCase()} statement from ${customer.organisationName}, ${statement.periodText}, is attached.`,
    `Balance due: ${statement.closing}.`,
    ...(link ? ['', `Pay online: ${link.url}`] : []),
    '',
    customer.organisationName,
  ];
  try {
    await s.mail.mailer.send({
      messageId,
      from: `"${customer.organisationName.replace(/["\\\r\n]/g, '')}" <${mailAddress(s.mail.from)}>`,
      to,
      subject: `Statement from ${customer.organisationName} — ${statement.periodText}`,
      text: lines.join('\n'),
      html: `<div style="font-family:Helvetica,Arial,sans-serif;color:#1f2933">${lines.map((l) => (l === '' ? '<br>' : `<p style="margin:0 0 4px">${escapeHtml(l)}</p>`)).join('')}</div>`,
      attachments: [{ filename: `Statement-${customer.customerName.replace(/[^A-Za-z0-9]+/g, '-')}-${statement.to}.pdf`, content: pdf, contentType: 'application/pdf' }],
    });
  } catch (err) {
    const e = err instanceof MailError ? err : new MailError('temporary', 'Sending failed');
    await finish(s.db, key, e.kind === 'permanent' ? { status: 'failed', leaseUntil: null, error: e.message.slice(0, 500) } : { leaseUntil: now, error: e.message.slice(0, 500) });
    s.log.warn({ organisationId: customer.organisationId, kind: e.kind, code: e.responseCode }, 'statement not sent');
    return 'failed';
  }
  await s.db.transaction(async (tx) => {
    await finish(tx as unknown as Db, key, { status: 'sent', sentAt: now, leaseUntil: null, messageId, error: null });
    await tx.insert(activities).values({
      firmId: customer.firmId,
      organisationId: customer.organisationId,
      actorUserId: input.userId,
      actorType: input.userId ? 'user' : 'system',
      kind: 'statement.sent',
      contactId: customer.contactId,
      summary: `Statement sent to ${customer.customerName} (${statement.periodText}, balance due ${statement.closing})`,
      details: { period: input.period },
      createdAt: now,
    });
  });
  s.log.info({ organisationId: customer.organisationId, recipients: to.length }, 'statement sent');
  return 'sent';
}

/** Organisations that opted in and whose first business day (from 08:00 local) has come: [firm, organisation, month]. */
export async function dueStatementRuns(db: Db, now: Date): Promise<{ firmId: string; organisationId: string; month: ReportMonth; kind: StatementKind }[]> {
  const rows = await asSystem(() =>
    queryRows<{ firm_id: string; organisation_id: string; timezone: string; kind: StatementKind }>(
      db,
      sql`SELECT s.firm_id, s.organisation_id, o.timezone, s.kind FROM statement_settings s JOIN organisations o ON o.id = s.organisation_id AND o.firm_id = s.firm_id
          WHERE s.monthly_email AND o.status = 'active'`,
    ),
  );
  const due = [];
  for (const r of rows) {
    const w = wallClock(r.timezone, now.getTime());
    const today = `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
    const month = dueReportMonth(today, w.hour);
    if (month) due.push({ firmId: r.firm_id, organisationId: r.organisation_id, month, kind: r.kind });
  }
  return due;
}

/** `statements.tick`: each due organisation's customers with a balance or with activity last month, once each. */
export async function runStatementTick(s: StatementSendServices): Promise<Record<StatementSendOutcome, number>> {
  const counts: Record<StatementSendOutcome, number> = { sent: 0, already: 0, no_recipients: 0, unsubscribed: 0, failed: 0 };
  for (const d of await dueStatementRuns(s.db, s.clock.now())) {
    const range = monthRange(d.month);
    await withFirm(d.firmId, async () => {
      const customers = await queryRows<{ id: string }>(
        s.db,
        sql`SELECT c.id::text FROM contacts c
            WHERE c.firm_id = ${d.firmId} AND c.organisation_id = ${d.organisationId} AND c.deleted_at IS NULL
              AND EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = c.organisation_id AND i.contact_external_id = c.external_id AND i.status NOT IN ('draft', 'submitted', 'voided', 'deleted')
                          AND (i.amount_due <> 0 OR i.issue_date BETWEEN ${range.from}::date AND ${range.to}::date))
            ORDER BY c.name, c.id`,
      );
      for (const c of customers) {
        const customer = await statementCustomer(s.db, d.firmId, c.id);
        counts[await sendStatement(s, { customer, period: d.month, kind: d.kind, range: d.kind === 'activity' ? range : { from: range.from, to: range.to }, userId: null })]++;
      }
    });
  }
  return counts;
}

export async function setStatementSchedule(db: Db, input: { firmId: string; organisationId: string; userId: string; monthlyEmail: boolean; kind: StatementKind }): Promise<void> {
  await db
    .insert(statementSettings)
    .values({ firmId: input.firmId, organisationId: input.organisationId, monthlyEmail: input.monthlyEmail, kind: input.kind, setByUserId: input.userId })
    .onConflictDoUpdate({ target: [statementSettings.organisationId, statementSettings.firmId], set: { monthlyEmail: input.monthlyEmail, kind: input.kind, setByUserId: input.userId, updatedAt: new Date() } });
}

export async function statementSchedule(db: Db, firmId: string, organisationId: string): Promise<{ monthlyEmail: boolean; kind: StatementKind }> {
  const [row] = await db.select().from(statementSettings).where(and(eq(statementSettings.firmId, firmId), eq(statementSettings.organisationId, organisationId)));
  return { monthlyEmail: row?.monthlyEmail ?? false, kind: (row?.kind as StatementKind) ?? 'open_items' };
}

export const periodWords = (month: ReportMonth) => `${longDate(monthRange(month).from)} to ${longDate(monthRange(month).to)}`;
