/**
 * The pre-send ledger check's cost (server/reminders/presend.ts): extra ledger API calls per
 * reminder sent. Two firms, each with one sandbox Xero company of the same shape (the sandbox
 * ledger over HTTP on 127.0.0.1), connected and synced into the reminders bench's scratch
 * database; one run and every send per organisation — the first firm with the check on (the
 * default), the second with it off (the baseline: 0 calls), measured in the same run.
 */
import { randomBytes } from 'node:crypto';
import type { Mailer } from '../../integrations/email/transport';
import { createLedgerFactory } from '../../integrations/ledger/factory';
import { MemoryRateLimiter } from '../../integrations/ledger/rate-limit';
import { startSandbox } from '../../integrations/sandbox/server';
import type { Db } from '../db/client';
import { firms, reminderSettings, settingOverrides } from '../db/schema';
import { createLedgerGateway } from '../ledger/gateway';
import { createLogger } from '../logger';
import type { ReminderDeps } from '../reminders/deps';
import { updateReminderFirmSettings } from '../reminders/firm-settings';
import { runOrganisation } from '../reminders/run';
import { sendReminder } from '../reminders/send';
import { runSync } from '../sync/engine';
import { createOrReuseRun } from '../sync/runs';
import { connectSandboxCompany } from '../sync/sandbox-connect';
import type { BenchFigure } from './types';

export async function recheckFigures(db: Db, mailer: Mailer, scale: number): Promise<BenchFigure[]> {
  const invoices = Math.max(60, Math.round(600 * scale));
  const spec = { provider: 'xero' as const, timezone: 'Europe/London', countryCode: 'GB', baseCurrency: 'GBP', customers: Math.max(10, Math.round(invoices / 6)), invoices };
  const server = await startSandbox({ port: 0, autoConsent: true, seed: 16, demo: { companies: [{ ...spec, name: 'Checked Joinery Ltd' }, { ...spec, name: 'Unchecked Joinery Ltd' }] }, log: () => undefined });
  try {
    const limiter = new MemoryRateLimiter();
    const factory = createLedgerFactory({ sandboxBaseUrl: server.url, xero: null, intuit: null, limiter });
    const tokenKey = randomBytes(32);
    const log = createLogger('silent');
    const gateway = createLedgerGateway({ factory, tokenKey, limiter, db, log });
    const requested: string[] = [];
    const out: { calls: number; sent: number }[] = [];
    for (const [i, check] of [true, false].entries()) {
      // The whole day, every day, as the firm default too (firms.settings.defaults, docs/decisions/028).
      const [firm] = await db.insert(firms).values({ name: `Bench recheck firm ${i}`, settings: { defaults: { sendingWindow: { startMinute: 0, endMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7] } } } }).returning();
      await updateReminderFirmSettings(db, firm!.id, { recheckLedger: check });
      const c = await connectSandboxCompany({ db, factory, tokenKey }, { firmId: firm!.id, provider: 'xero', companyId: server.sandbox.companyIds[i]!, timezone: 'Europe/London' });
      const { runId } = await createOrReuseRun(db, { organisationId: c.organisationId, kind: 'full' });
      const synced = await runSync({ db, factory, tokenKey, limiter, log, gateway }, { runId });
      if (synced.status !== 'succeeded') throw new Error(`the bench sync ${synced.status}`);
      await db.insert(reminderSettings).values({ organisationId: c.organisationId, firmId: firm!.id, enabled: true, dailyLimit: 1_000_000, confirmedAt: new Date('2026-01-01T00:00:00Z') });
      // Open all day, every day (the window in force is the organisation's override): the bench runs at any hour.
      await db.insert(settingOverrides).values({ firmId: firm!.id, organisationId: c.organisationId, settingGroup: 'sendingWindow', value: { startMinute: 0, endMinute: 1440, businessDays: [1, 2, 3, 4, 5, 6, 7] } });
      const deps: ReminderDeps = {
        db,
        log,
        mailer,
        mailFrom: 'Arcus <reminders@arcus.bench>',
        appUrl: 'https://arcus.bench',
        secret: 'bench-secret-bench-secret-bench-secret',
        embedded: false,
        now: () => new Date(),
        ledger: { gateway, requestSync: async (organisationId) => requested.push(organisationId) },
        enqueueSend: async () => {},
        enqueueWriteback: async () => {},
      };
      const run = await runOrganisation(deps, c.organisationId);
      let sent = 0;
      for (const id of run.claimed) if ((await sendReminder(deps, id)).outcome === 'sent') sent++;
      if (sent === 0) throw new Error('the recheck bench sent no reminders');
      out.push({ calls: run.ledger.calls, sent });
    }
    const [on, off] = out as [{ calls: number; sent: number }, { calls: number; sent: number }];
    return [
      // Two lines rather than a ratio: the baseline is 0.
      { bench: 'reminders', figure: `extra ledger calls per reminder sent, pre-send check on (${on.calls} calls for ${on.sent} reminders, sandbox Xero over HTTP)`, value: on.calls / on.sent, unit: 'calls/reminder' },
      { bench: 'reminders', figure: `extra ledger calls per reminder sent, check off — baseline (${off.calls} calls for ${off.sent} reminders)`, value: off.calls / off.sent, unit: 'calls/reminder' },
    ];
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
  }
}
