/**
 * The monthly report email (server/reports/README.md, "Exactly once"). `runReportTick` runs hourly:
 * for each organisation with a service, when its local day is on or after the first business day
 * of the month (from 08:00 on that day), it sends last month's report to the organisation's client
 * contacts, the PDF attached. One row per (organisation, month) in client_report_sends is claimed
 * before the email and completed after it, so two workers or a re-run send it once.
 */
import { and, eq, lt, or, sql } from 'drizzle-orm';
import { longDate } from '../../kernel/dates';
import { wallClock } from '../../kernel/zoned-time';
import { MailError } from '../../integrations/email/transport';
import { escapeHtml } from '../../kernel/rich-text';
import type { Db } from '../db/client';
import { asSystem, withFirm } from '../db/firm-scope';
import { clientReportSends, clientServices, memberships, membershipOrganisations, organisations, users } from '../db/schema';
import { mailAddress, mailDomain } from '../reminders/deps';
import type { Services } from '../services';
import { renderReportPdf } from './pdf';
import { buildClientReport, type ClientReport } from './report';
import { dueReportMonth, monthRange, type ReportMonth } from './schedule';

/** How long a claim is held before another worker may take it over (a worker that died mid-send). */
export const CLAIM_LEASE_MS = 15 * 60_000;

export type SendOutcome = 'sent' | 'already' | 'no_recipients' | 'failed';

type ReportServices = Pick<Services, 'db' | 'clock' | 'mail' | 'appUrl' | 'log'>;

/** Every organisation whose report is due now: [firm, organisation, month]. */
export async function dueReports(db: Db, now: Date): Promise<{ firmId: string; organisationId: string; month: ReportMonth }[]> {
  const rows = await asSystem(() =>
    db
      .select({ firmId: clientServices.firmId, organisationId: clientServices.organisationId, startDate: clientServices.startDate, timezone: organisations.timezone })
      .from(clientServices)
      .innerJoin(organisations, and(eq(organisations.id, clientServices.organisationId), eq(organisations.firmId, clientServices.firmId))),
  );
  const due: { firmId: string; organisationId: string; month: ReportMonth }[] = [];
  for (const r of rows) {
    const w = wallClock(r.timezone, now.getTime());
    const today = `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
    const month = dueReportMonth(today, w.hour);
    // Only months the service was running in: a service started on 10 November reports November on.
    if (month && monthRange(month).to >= r.startDate) due.push({ firmId: r.firmId, organisationId: r.organisationId, month });
  }
  return due;
}

export async function runReportTick(s: ReportServices): Promise<Record<SendOutcome, number>> {
  const counts: Record<SendOutcome, number> = { sent: 0, already: 0, no_recipients: 0, failed: 0 };
  for (const d of await dueReports(s.db, s.clock.now())) {
    const outcome = await withFirm(d.firmId, () => sendMonthlyReport(s, d));
    counts[outcome]++;
  }
  return counts;
}

/** The claim: a new row, or a 'sending' row whose lease ran out (its worker died or the mail server deferred). */
async function claim(db: Db, firmId: string, organisationId: string, month: ReportMonth, now: Date): Promise<{ attempts: number } | null> {
  const lease = new Date(now.getTime() + CLAIM_LEASE_MS);
  const fresh = await db
    .insert(clientReportSends)
    .values({ firmId, organisationId, period: month, status: 'sending', claimedAt: now, leaseUntil: lease })
    .onConflictDoNothing()
    .returning({ attempts: clientReportSends.attempts });
  if (fresh[0]) return fresh[0];
  const taken = await db
    .update(clientReportSends)
    .set({ attempts: sql`${clientReportSends.attempts} + 1`, claimedAt: now, leaseUntil: lease })
    .where(
      and(
        eq(clientReportSends.firmId, firmId),
        eq(clientReportSends.organisationId, organisationId),
        eq(clientReportSends.period, month),
        eq(clientReportSends.status, 'sending'),
        or(lt(clientReportSends.leaseUntil, now), sql`${clientReportSends.leaseUntil} IS NULL`),
      ),
    )
    .returning({ attempts: clientReportSends.attempts });
  return taken[0] ?? null;
}

async function finish(db: Db, key: { firmId: string; organisationId: string; month: ReportMonth }, set: Partial<typeof clientReportSends.$inferInsert>): Promise<void> {
  await db
    .update(clientReportSends)
    .set(set)
    .where(and(eq(clientReportSends.firmId, key.firmId), eq(clientReportSends.organisationId, key.organisationId), eq(clientReportSends.period, key.month), eq(clientReportSends.status, 'sending')));
}

/** The organisation's client contacts (their addresses are never logged). */
export async function clientContactAddresses(db: Db, firmId: string, organisationId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ email: users.email })
    .from(membershipOrganisations)
    .innerJoin(memberships, and(eq(memberships.firmId, membershipOrganisations.firmId), eq(memberships.userId, membershipOrganisations.userId)))
    .innerJoin(users, eq(users.id, membershipOrganisations.userId))
    .where(and(eq(membershipOrganisations.firmId, firmId), eq(membershipOrganisations.organisationId, organisationId), eq(memberships.role, 'client_contact')));
  return rows.map((r) => r.email).sort();
}

export const reportMessageId = (organisationId: string, month: ReportMonth, mailFrom: string) => `<report.${organisationId}.${month}@${mailDomain(mailFrom)}>`;

export async function sendMonthlyReport(s: ReportServices, key: { firmId: string; organisationId: string; month: ReportMonth }): Promise<SendOutcome> {
  const { firmId, organisationId, month } = key;
  const now = s.clock.now();
  const claimed = await claim(s.db, firmId, organisationId, month, now);
  if (!claimed) return 'already';
  const messageId = reportMessageId(organisationId, month, s.mail.from);
  // A retry after a crash between the server's 250 and our update: ask the server when it can tell.
  if (claimed.attempts > 1 && s.mail.mailer.delivered && (await s.mail.mailer.delivered(messageId))) {
    await finish(s.db, key, { status: 'sent', sentAt: now, leaseUntil: null, messageId });
    return 'sent';
  }
  const to = await clientContactAddresses(s.db, firmId, organisationId);
  if (to.length === 0) {
    await finish(s.db, key, { status: 'no_recipients', leaseUntil: null });
    return 'no_recipients';
  }
  const report = await buildClientReport(s.db, { firmId, organisationId, month, now });
  if (!report) {
    await finish(s.db, key, { status: 'failed', leaseUntil: null, error: 'The organisation no longer exists.' });
    return 'failed';
  }
  const pdf = await renderReportPdf(report);
  const link = s.appUrl ? `${s.appUrl.replace(/\/$/, '')}/organisations/${organisationId}/report?month=${month}` : null;
  const { text, html } = emailBody(report, link);
  try {
    await s.mail.mailer.send({
      messageId,
      from: `"${(report.firmName || report.organisationName).replace(/["\\\r\n]/g, '')}" <${mailAddress(s.mail.from)}>`,
      to,
      subject: `${report.organisationName}: credit control report for ${report.monthName}`,
      text,
      html,
      attachments: [{ filename: `${report.organisationName.replace(/[^A-Za-z0-9]+/g, '-')}-${month}.pdf`, content: pdf, contentType: 'application/pdf' }],
    });
  } catch (err) {
    const e = err instanceof MailError ? err : new MailError('temporary', 'Sending failed');
    // Temporary: the lease is released so the next tick tries again; permanent: given up, said in words.
    await finish(s.db, key, e.kind === 'permanent' ? { status: 'failed', leaseUntil: null, error: e.message.slice(0, 500) } : { leaseUntil: now, error: e.message.slice(0, 500) });
    s.log.warn({ organisationId, month, kind: e.kind, code: e.responseCode }, 'monthly report not sent');
    return 'failed';
  }
  await finish(s.db, key, { status: 'sent', sentAt: now, leaseUntil: null, recipientCount: to.length, messageId, error: null });
  s.log.info({ organisationId, month, recipients: to.length }, 'monthly report sent');
  return 'sent';
}

function emailBody(r: ClientReport, link: string | null): { text: string; html: string } {
  const dso = r.kpis[0]!;
  const lines = [
    `Your credit control report for ${r.monthName} is attached.`,
    '',
    `Cash collected: ${r.collected.total.text}.`,
    `${dso.name}: ${dso.current === null ? 'no value' : `${dso.current.toFixed(2)} days`}${dso.baseline === null ? '' : ` (baseline ${dso.baseline.toFixed(2)} days)`}.`,
    ...(r.cashReleased ? [`Cash released: ${r.cashReleased.amount.text}. ${r.cashReleased.sentence}`] : []),
    ...(link ? ['', `See it online: ${link}`] : []),
    '',
    r.firmName,
  ];
  const text = lines.join('\n');
  const html = `<div style="font-family:Helvetica,Arial,sans-serif;color:#1f2933">${lines.map((l) => (l === '' ? '<br>' : `<p style="margin:0 0 4px">${escapeHtml(l)}</p>`)).join('')}</div>`;
  return { text, html };
}

/** The period in words, for logs and tests. */
export const periodWords = (month: ReportMonth) => `${longDate(monthRange(month).from)} to ${longDate(monthRange(month).to)}`;
