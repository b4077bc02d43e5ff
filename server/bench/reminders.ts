/**
 * Planning and sending 10k reminders (× scale) to a local SMTP server (smtp-server on
 * 127.0.0.1 that accepts and discards), into PostgreSQL (a scratch database
 * `arcus_bench_reminders`, migrated, dropped at the end):
 *
 * - engine: one organisation with 10k open invoices due today across 2k customers; one run
 *   plans and claims them all, then 8 concurrent senders do what `reminders.send` does for
 *   each claim — lease, re-check against fresh data, daily-limit reservation, render, SMTP,
 *   mark sent + queue the ledger note + timeline activity — over nodemailer's pooled transport;
 * - baseline, same run: raw nodemailer sends of the same 10k rendered messages (same pool,
 *   same concurrency) with no planning, no claims and no database.
 *
 * Figures: messages per second for each, their ratio, the planning + claiming time, and peak
 * memory (process RSS high-water mark, sampled every 20 ms) during each phase.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { smtpMailer } from '../../integrations/email/transport';
import { addDays } from '../../kernel/dates';
import { withFirm } from '../db/firm-scope';
import { contacts, firms, invoices, organisations, reminderPolicies, reminderSends, reminderSettings, settingOverrides } from '../db/schema';
import { createLogger } from '../logger';
import type { ReminderDeps } from '../reminders/deps';
import { localClock } from '../reminders/local-time';
import { DEFAULT_STEPS, scopeKeys } from '../reminders/policy';
import { runOrganisation } from '../reminders/run';
import { sendDue } from '../reminders/send-batch';
import { recheckFigures } from './reminders-recheck';
import { scratchDatabase } from './scratch-db';
import type { Bench, BenchFigure } from './types';

const BENCH_DB = 'arcus_bench_reminders';
const CONCURRENCY = 8;
const BATCH = 200;

/** An SMTP server that accepts everything and keeps nothing. */
async function sink(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        n++;
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, received: () => n, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** RSS high-water mark while `fn` runs. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakMb: number; ms: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakMb: peak / 1_048_576, ms: performance.now() - t0 };
  } finally {
    clearInterval(timer);
  }
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export const remindersBench: Bench = {
  name: 'reminders',
  summary: 'Plan, claim and send 10k reminders to a local SMTP server vs raw nodemailer sends of the same messages',
  async run({ scale }) {
    const total = Math.max(100, Math.round(10_000 * scale));
    const customers = Math.max(20, Math.round(total / 5));
    const scratch = await scratchDatabase(BENCH_DB);
    const database = scratch.open(CONCURRENCY + 2);
    // Database round trips (every statement a pooled connection runs), counted here only.
    let roundTrips = 0;
    database.pool?.on('connect', (client) => {
      const query = client.query.bind(client) as (...a: unknown[]) => unknown;
      (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
        roundTrips++;
        return query(...a);
      };
    });
    const smtp = await sink();
    try {
      await database.migrate();
      const db = database.db;
      const timezone = 'Europe/London';
      const now = new Date();
      const today = localClock(timezone, now).date;
      // The whole day, every day: as the firm default (firms.settings.defaults, docs/decisions/028) and as the organisation's settings below.
      const [firm] = await db.insert(firms).values({ name: 'Bench firm', settings: { defaults: { sendingWindow: { startMinute: 0, endMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7] } } } }).returning();
      const [org] = await db.insert(organisations).values({ firmId: firm!.id, provider: 'xero', externalId: randomUUID(), name: 'Bench Joinery Ltd', baseCurrency: 'GBP', timezone, countryCode: 'GB' }).returning();
      // Confirmed before (issue #15's first-run preview is not what this measures), one email per invoice (10k emails).
      await db.insert(reminderSettings).values({ organisationId: org!.id, firmId: firm!.id, enabled: true, dailyLimit: 1_000_000, customerDailyLimit: 10, confirmedAt: new Date('2026-01-01T00:00:00Z') });
      // Open all day, every day (the window in force is the organisation's override): the bench runs at any hour.
      await db.insert(settingOverrides).values({ firmId: firm!.id, organisationId: org!.id, settingGroup: 'sendingWindow', value: { startMinute: 0, endMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7] } });
      await db.insert(reminderPolicies).values({ firmId: firm!.id, scope: 'organisation', scopeKey: scopeKeys.organisation(org!.id), organisationId: org!.id, name: 'One email per invoice', grouping: 'invoice', steps: DEFAULT_STEPS, enabled: true });
      for (let i = 0; i < customers; i += 1000) {
        await db.insert(contacts).values(
          Array.from({ length: Math.min(1000, customers - i) }, (_, k) => ({ firmId: firm!.id, organisationId: org!.id, externalId: `c${i + k}`, name: `Customer ${i + k} Ltd`, firstName: 'Alex', emails: [{ address: `ap${i + k}@customer.example`, name: null, primary: true, includeInEmails: true }] })),
        );
      }
      for (let i = 0; i < total; i += 1000) {
        await db.insert(invoices).values(
          Array.from({ length: Math.min(1000, total - i) }, (_, k) => {
            const n = i + k;
            return { firmId: firm!.id, organisationId: org!.id, externalId: `i${n}`, contactExternalId: `c${n % customers}`, number: `INV-${100000 + n}`, issueDate: addDays(today, -30), dueDate: today, currency: 'GBP', total: `${100 + (n % 900)}.50`, amountDue: `${100 + (n % 900)}.50`, status: 'authorised', url: `https://in.xero.example/${n}` };
          }),
        );
      }

      const mailer = smtpMailer(smtp.url);
      const deps: ReminderDeps = {
        db,
        log: createLogger('silent'),
        mailer,
        mailFrom: 'Arcus <reminders@arcus.bench>',
        appUrl: 'https://arcus.bench',
        secret: 'bench-secret-bench-secret-bench-secret',
        embedded: false,
        now: () => new Date(),
        enqueueSend: async () => {},
        // The notes' write-backs are recorded with each send and left pending (no ledger here).
        enqueueWriteback: async () => {},
      };

      // Engine: plan + claim, then send every claim.
      let planMs = 0;
      let planTrips = 0;
      const tripsBefore = roundTrips;
      // As the reminder jobs run: as the firm, every statement under row-level security.
      const engine = await peakRss(() => withFirm(org!.firmId, async () => {
        const t0 = performance.now();
        const run = await runOrganisation(deps, org!.id);
        planMs = performance.now() - t0;
        planTrips = roundTrips - tripsBefore;
        // As the `reminders.send-batch` job does: batches of claims, each sent CONCURRENCY at a time.
        const r = await sendDue(deps, org!.id, { size: BATCH, concurrency: CONCURRENCY });
        return { claimed: run.claimed.length, sent: r.sent };
      }));
      const sendTrips = roundTrips - tripsBefore - planTrips;
      if (engine.result.sent !== total) throw new Error(`the engine sent ${engine.result.sent} of ${total}`);

      // Baseline: the same rendered messages, straight through nodemailer.
      const rows = await db.select({ subject: reminderSends.subjectLine, text: reminderSends.bodyText, html: reminderSends.bodyHtml, to: reminderSends.recipients }).from(reminderSends);
      const messages = rows.filter((r) => r.subject).map((r) => ({ subject: r.subject!, text: r.text!, html: r.html!, to: r.to as string[] }));
      const raw = smtpMailer(smtp.url);
      const baseline = await peakRss(async () => {
        await pool(messages, CONCURRENCY, async (m) => {
          await raw.send({ messageId: `<${randomUUID()}@arcus.bench>`, from: '"Bench Joinery Ltd" <reminders@arcus.bench>', to: m.to, subject: m.subject, text: m.text, html: m.html });
        });
        return messages.length;
      });
      await raw.close();

      // The pre-send ledger check: extra ledger calls per reminder sent (check off = the baseline, 0).
      const recheck = await recheckFigures(db, mailer, scale);
      await mailer.close();

      const engineRate = total / (engine.ms / 1000);
      const baseRate = baseline.result / (baseline.ms / 1000);
      const figures: BenchFigure[] = [
        {
          bench: 'reminders',
          figure: `plan + claim + send ${total.toLocaleString('en')} reminders (${CONCURRENCY} senders, pooled SMTP)`,
          value: engineRate,
          unit: 'messages/s',
          baseline: { label: 'raw nodemailer, same messages', value: baseRate },
          ratio: engineRate / baseRate,
        },
        { bench: 'reminders', figure: `planning + claiming ${total.toLocaleString('en')} reminders (one run)`, value: planMs / 1000, unit: 's' },
        { bench: 'reminders', figure: 'engine wall time', value: engine.ms / 1000, unit: 's' },
        { bench: 'reminders', figure: 'database round trips per message: planning + claiming', value: planTrips / total, unit: 'statements' },
        { bench: 'reminders', figure: 'database round trips per message: sending and recording', value: sendTrips / total, unit: 'statements' },
        { bench: 'reminders', figure: 'peak memory (RSS) while planning and sending', value: engine.peakMb, unit: 'MB', baseline: { label: 'raw nodemailer sends', value: baseline.peakMb }, ratio: engine.peakMb / baseline.peakMb },
        { bench: 'reminders', figure: 'messages the SMTP server accepted (engine + baseline + ledger check)', value: smtp.received(), unit: 'messages' },
        ...recheck,
      ];
      return figures;
    } finally {
      await smtp.close();
      await database.close();
      await scratch.drop();
    }
  },
};
