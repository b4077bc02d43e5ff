/**
 * A small organisation written straight into this worker's PostgreSQL database (as the sync
 * engine would store it), with a capturing SMTP server and a fake clock that starts on a
 * Monday at 10:00 in the organisation's zone — for the focused reminder tests.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../server/db/client';
import { contacts, invoices, organisations, reminderPolicies, reminderSettings } from '../../server/db/schema';
import { updateReminderFirmSettings } from '../../server/reminders/firm-settings';
import { DEFAULT_STEPS, scopeKeys } from '../../server/reminders/policy';
import { addDays, type CalendarDate } from '../../kernel/dates';
import { createLogger } from '../../server/logger';
import type { ReminderEnv } from '../../server/reminders/deps';
import { zonedInstant } from '../../server/reminders/local-time';
import type { OrgSettings } from '../../server/reminders/types';
import { createFirm, testDatabase } from '../support/db';
import { type Capture, Driver, type CrashPlan, startCapture } from './harness';

export const MONDAY: CalendarDate = '2026-11-23';

export interface ContactSeed {
  externalId: string;
  name: string;
  firstName?: string;
  emails?: { address: string; name?: string; primary?: boolean; includeInEmails?: boolean }[];
}

export interface InvoiceSeed {
  number: string;
  /** Due date in days from MONDAY. */
  due: number;
  contact?: string;
  amount?: string;
  currency?: string;
  status?: string;
  url?: string | null;
}

export interface Small {
  db: Db;
  firmId: string;
  userId: string;
  org: { id: string; timezone: string };
  capture: Capture;
  env: ReminderEnv;
  now(): Date;
  advance(ms: number): void;
  set(at: Date): void;
  driver(crash?: CrashPlan): Driver;
  invoiceId(number: string): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_CONTACTS: ContactSeed[] = [
  { externalId: 'c-bayside', name: 'Bayside Cafe Ltd', firstName: 'Sam', emails: [{ address: 'ap@bayside.example', primary: true, includeInEmails: true }, { address: 'sam@bayside.example', includeInEmails: true }, { address: 'owner@bayside.example' }] },
  { externalId: 'c-north', name: 'North Yard', emails: [{ address: 'accounts@northyard.example', primary: true, includeInEmails: true }] },
  { externalId: 'c-none', name: 'No Email Co', emails: [] },
  { externalId: 'c-bad', name: 'Bad Address Ltd', emails: [{ address: 'ap@nowhere.invalid', primary: true, includeInEmails: true }] },
];

export async function seedOrg(db: Db, firmId: string, params: { timezone: string; countryCode?: string; provider?: 'xero' | 'quickbooks'; contacts: ContactSeed[]; invoices: InvoiceSeed[]; settings?: Partial<OrgSettings>; perInvoice?: boolean; recheckLedger?: boolean }) {
  const [org] = await db
    .insert(organisations)
    .values({ firmId, provider: params.provider ?? 'xero', externalId: `tenant-${randomUUID()}`, name: 'Harbour Test Ltd', baseCurrency: 'GBP', timezone: params.timezone, countryCode: params.countryCode ?? 'GB' })
    .returning();
  if (params.contacts.length) {
    await db.insert(contacts).values(
      params.contacts.map((c) => ({
        firmId,
        organisationId: org!.id,
        externalId: c.externalId,
        name: c.name,
        firstName: c.firstName ?? null,
        emails: (c.emails ?? []).map((e) => ({ address: e.address, name: e.name ?? null, primary: e.primary ?? false, includeInEmails: e.includeInEmails ?? false })),
      })),
    );
  }
  if (params.invoices.length) {
    await db.insert(invoices).values(
      params.invoices.map((i, n) => ({
        firmId,
        organisationId: org!.id,
        externalId: `inv-${n}-${i.number}`,
        contactExternalId: i.contact ?? 'c-bayside',
        number: i.number,
        issueDate: addDays(MONDAY, i.due - 30),
        dueDate: addDays(MONDAY, i.due),
        currency: i.currency ?? 'GBP',
        total: i.amount ?? '1250.00',
        amountDue: i.amount ?? '1250.00',
        status: i.status ?? 'authorised',
        url: i.url === undefined ? `https://in.xero.example/${i.number}` : i.url,
      })),
    );
  }
  // These organisations have had a confirmed run before (the first-run preview is tested in run-confirm.test.ts).
  // `perInvoice`: one email per invoice — since issue #15 an explicit policy choice (the default is
  // one email per customer) — with room for several a day per customer.
  await db.insert(reminderSettings).values({ organisationId: org!.id, firmId, enabled: true, confirmedAt: new Date('2026-01-01T00:00:00Z'), ...(params.perInvoice ? { customerDailyLimit: 10 } : {}), ...params.settings });
  // No ledger behind these invoices: the pre-send ledger check is off (test/reminders/presend-recheck.test.ts runs it against the sandbox).
  if (!params.recheckLedger) await updateReminderFirmSettings(db, firmId, { recheckLedger: false });
  if (params.perInvoice) await db.insert(reminderPolicies).values({ firmId, scope: 'organisation', scopeKey: scopeKeys.organisation(org!.id), organisationId: org!.id, name: 'One email per invoice', grouping: 'invoice', steps: DEFAULT_STEPS, enabled: true });
  return org!;
}

export async function startSmall(opts: { timezone?: string; contacts?: ContactSeed[]; invoices: InvoiceSeed[]; settings?: Partial<OrgSettings>; startMinute?: number; reject?: (a: string) => string | { code: number; message: string } | null; provider?: 'xero' | 'quickbooks' }): Promise<Small> {
  const database = await testDatabase();
  const db = database.db;
  const { firm, user } = await createFirm(database);
  const timezone = opts.timezone ?? 'Europe/London';
  // These tests are about sending one email per invoice: since issue #15 that is an explicit policy
  // choice (the default is one email per customer), with room for several a day per customer.
  const org = await seedOrg(db, firm.id, { timezone, contacts: opts.contacts ?? DEFAULT_CONTACTS, invoices: opts.invoices, settings: opts.settings, provider: opts.provider, perInvoice: true });
  let t = zonedInstant(MONDAY, opts.startMinute ?? 600, timezone).getTime();
  const now = () => new Date(t);
  const capture = await startCapture({ now, reject: opts.reject });
  const env: ReminderEnv = { mailer: capture.mailer, mailFrom: 'Arcus <reminders@arcus.test>', appUrl: 'https://arcus.test', secret: 'small-test-secret-small-test-secret', embedded: false, now };
  return {
    db,
    firmId: firm.id,
    userId: user.id,
    org: { id: org.id, timezone },
    capture,
    env,
    now,
    advance: (ms) => {
      t += ms;
    },
    set: (at) => {
      t = at.getTime();
    },
    driver: (crash) => new Driver({ db, log: createLogger('silent'), env, crash }),
    invoiceId: async (number) => {
      const [r] = await db.select({ id: invoices.id }).from(invoices).where(and(eq(invoices.organisationId, org.id), eq(invoices.number, number)));
      return r!.id;
    },
    close: () => capture.close(),
  };
}
