/**
 * The monthly report email: sent on the first business day of the month in the organisation's time
 * zone (from 08:00), exactly once per period — two workers at once, and a re-run, send one
 * message — to the organisation's client contacts, with the PDF attached. Real PostgreSQL, a real
 * SMTP server (integrations/email/smtp-server.ts), a pinned clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpCapture, type ReceivedMail } from '../../integrations/email/smtp-server';
import { smtpMailer } from '../../integrations/email/transport';
import { manualClock } from '../../kernel/clock';
import type { Database } from '../../server/db/client';
import { runReportTick } from '../../server/reports/send';
import { createFirm, testDatabase } from '../support/db';
import { testServices } from '../support/process';
import { pdfText, seedReportClient } from './seed';

describe('the monthly report email', () => {
  let database: Database;
  const received: ReceivedMail[] = [];
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  let client: Awaited<ReturnType<typeof seedReportClient>>;
  let firmName: string;

  beforeAll(async () => {
    database = await testDatabase();
    const { firm } = await createFirm(database, 'admin');
    firmName = firm.name;
    client = await seedReportClient(database, firm.id);
    smtp = await startSmtpCapture({ onMessage: async (m) => void received.push(m) });
  });
  afterAll(async () => {
    await smtp?.close();
  });

  const mine = () => received.filter((m) => m.envelopeTo.includes(client.contactEmail));

  it('waits for the first business day: 1 August 2026 is a Saturday, so it goes on Monday the 3rd from 08:00 New York time', async () => {
    const clock = manualClock('2026-08-01T14:00:00Z'); // Saturday 10:00 in New York
    const mailer = smtpMailer(smtp.url, { pool: false });
    const services = testServices({ db: database.db, clock, mailer });
    await runReportTick(services);
    clock.set('2026-08-02T14:00:00Z'); // Sunday
    await runReportTick(services);
    clock.set('2026-08-03T11:30:00Z'); // Monday 07:30 in New York: before 08:00
    await runReportTick(services);
    expect(mine()).toHaveLength(0);

    clock.set('2026-08-03T13:00:00Z'); // Monday 09:00 in New York
    // Two workers at once, then a re-run later that day and later in the month: one message.
    await Promise.all([runReportTick(services), runReportTick(testServices({ db: database.db, clock, mailer: smtpMailer(smtp.url, { pool: false }) }))]);
    clock.set('2026-08-03T20:00:00Z');
    await runReportTick(services);
    clock.set('2026-08-20T20:00:00Z');
    await runReportTick(services);
    await mailer.close();

    const got = mine();
    expect(got).toHaveLength(1);
    const mail = got[0]!.parsed;
    expect(mail.subject).toBe(`${client.name}: credit control report for July 2026`);
    expect(mail.from?.text).toContain(firmName);
    // The body: cash collected and DSO against the baseline (hand-computed in seed.ts).
    expect(mail.text).toContain('Cash collected: US$500.00.');
    expect(mail.text).toContain('46.00 days (baseline 92.00 days)');
    expect(mail.text).toContain(`https://arcus.test/organisations/${client.organisationId}/report?month=2026-07`);
    // The PDF: a PDF naming the client and a KPI figure.
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf).toBeDefined();
    expect(pdf!.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(pdf!.content);
    expect(text).toContain(client.name);
    expect(text).toContain('46.00 days');
    expect(text).toContain('Cash released: US$500.00');
  });

  it('records the period as sent once', async () => {
    const rows = await database.pool!.query<{ status: string; attempts: number; recipient_count: number }>('SELECT status, attempts, recipient_count FROM client_report_sends WHERE organisation_id = $1', [client.organisationId]);
    expect(rows.rows).toEqual([{ status: 'sent', attempts: 1, recipient_count: 1 }]);
  });
});
