/**
 * Settings that carry across clients over HTTP, against this worker's PostgreSQL
 * (docs/decisions/028): firm defaults, per-organisation overrides shown as such, reset, "apply to
 * all clients" with its preview in words (idempotent); who may change them; firm isolation (firm
 * B can neither read, override, preview nor apply on firm A's organisations); and the consumers
 * reading the effective value — the late-fee assessment and the approval threshold use one
 * organisation's override and the firm default for another, the reminder planner's sending window
 * too. Also the migration's carry-over of today's sending windows.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Arcus, startArcus } from '../../root/runtime';
import { assessLateFeesForOrganisation } from '../../server/collections/late-fees';
import type { Database } from '../../server/db/client';
import { contacts, firms, invoices, membershipOrganisations, memberships, organisations, reminderSettings, settingOverrides, users, writebacks } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { loadSettings } from '../../server/reminders/load';
import { addDays } from '../../kernel/dates';
import { createFirm, testDatabase } from '../support/db';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';
import { signedIn, writeSession } from '../support/session';

const TODAY = '2026-11-23';
const NOW = new Date(`${TODAY}T12:00:00Z`);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const ENUMS = /\b(lateFees|earlyDiscount|approvalThreshold|clientApproval|sendingWindow|annual_rate|percentage)\b/;

type Client = ReturnType<typeof signedIn>;

describeWith('pg', 'Firm defaults and client overrides over HTTP', () => {
  let database: Database;
  let arcus: Arcus;
  let firmA = '';
  let firmB = '';
  let alder = '';
  let birch = '';
  let bOrg = '';
  const as: Record<'admin' | 'manager' | 'collector' | 'viewer' | 'client' | 'otherAdmin', Client> = {} as never;

  async function member(firmId: string, role: 'manager' | 'collector' | 'viewer' | 'client_contact', orgId?: string): Promise<Client> {
    const s = randomUUID().slice(0, 8);
    const [u] = await database.db.insert(users).values({ email: `${role}-${s}@firm.example`, name: `${role} ${s}`, authProvider: 'test', authSubject: `${role}-${s}` }).returning();
    await database.db.insert(memberships).values({ firmId, userId: u!.id, role });
    if (orgId) await database.db.insert(membershipOrganisations).values({ firmId, userId: u!.id, organisationId: orgId });
    return signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId }));
  }

  async function org(firmId: string, name: string): Promise<string> {
    const [o] = await database.db
      .insert(organisations)
      .values({ firmId, provider: 'xero', externalId: `tenant-${randomUUID()}`, name, baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB' })
      .returning();
    return o!.id;
  }

  /** One overdue invoice (40 days) for a customer of the organisation. */
  async function overdueInvoice(firmId: string, organisationId: string, number: string) {
    const [c] = await database.db.insert(contacts).values({ firmId, organisationId, externalId: `c-${number}`, name: `Customer ${number}`, emails: [] }).returning();
    await database.db.insert(invoices).values({ firmId, organisationId, externalId: `inv-${number}`, contactExternalId: `c-${number}`, contactId: c!.id, number, issueDate: addDays(TODAY, -70), dueDate: addDays(TODAY, -40), currency: 'GBP', total: '1000.00', amountDue: '1000.00', status: 'authorised' });
  }

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('settings-api'), ARCUS_DEMO: 'off', ARCUS_NOW: NOW.toISOString() },
      database,
      log: createLogger('silent'),
    });
    const a = await createFirm(database, 'admin');
    const b = await createFirm(database, 'admin');
    firmA = a.firm.id;
    firmB = b.firm.id;
    await database.db.update(firms).set({ reportingCurrency: 'GBP' }).where(inArray(firms.id, [firmA, firmB]));
    alder = await org(firmA, 'Alder Bakery Ltd');
    birch = await org(firmA, 'Birch Joinery Ltd');
    bOrg = await org(firmB, 'Other Firm Client Ltd');
    as.admin = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: a.user.id, firmId: firmA }));
    as.otherAdmin = signedIn(arcus.url, await writeSession(database, arcus.config.sessionSecret, { userId: b.user.id, firmId: firmB }));
    as.manager = await member(firmA, 'manager');
    as.collector = await member(firmA, 'collector');
    as.viewer = await member(firmA, 'viewer');
    as.client = await member(firmA, 'client_contact', alder);
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('reads the firm defaults in words; staff read, only managers and administrators change, client contacts see nothing', async () => {
    const viewer = await as.viewer('/api/settings/defaults');
    expect(viewer.status).toBe(200);
    expect(viewer.body.organisations).toBe(2);
    const words = viewer.body.groups.map((g: { title: string; words: string }) => `${g.title}: ${g.words}`);
    expect(words).toEqual([
      'Late fees and interest: Off: no late fees or interest are charged',
      'Early-payment discounts: Off: no early-payment discounts are offered',
      'Approval of ledger changes: No ledger change waits for approval',
      'What waits for the client: Nothing waits for the client',
      'Reminder sending hours: 09:00 to 17:00, Monday to Friday',
      'Returned-payment fee: No fee: nothing is charged when a payment comes back',
    ]);
    expect((await as.client('/api/settings/defaults')).status).toBe(403);
    expect((await as.client(`/api/settings/organisations/${alder}`)).status).toBe(403);
    const body = { group: 'approvalThreshold', value: { amount: '10' } };
    for (const who of [as.viewer, as.collector, as.client]) {
      const r = await who(`/api/settings/organisations/${alder}`, { method: 'PUT', body });
      expect(r.status).toBe(403);
      expect(r.body.error.message).toBe('Only a manager or an administrator can change the firm’s defaults or a client’s settings.');
      expect((await who('/api/settings/defaults', { method: 'PUT', body })).status).toBe(403);
      expect((await who('/api/settings/apply-to-all/preview', { method: 'POST', body: { group: 'lateFees' } })).status).toBe(403);
      expect((await who('/api/settings/apply-to-all', { method: 'POST', body: { group: 'lateFees' } })).status).toBe(403);
      expect((await who(`/api/settings/organisations/${alder}/reset`, { method: 'POST', body: { group: 'lateFees' } })).status).toBe(403);
    }
    const manager = await as.manager(`/api/settings/organisations/${alder}`, { method: 'PUT', body });
    expect(manager.status).toBe(200);
    expect(manager.body.groups.find((g: { title: string }) => g.title === 'Approval of ledger changes')).toMatchObject({ overridden: true, words: 'Ledger changes above GBP 10.00 wait for an administrator’s approval', defaultWords: 'No ledger change waits for approval' });
    const collector = await as.collector(`/api/settings/organisations/${alder}`);
    expect(collector.status).toBe(200);
    expect(JSON.stringify(collector.body.groups.map((g: { words: string; defaultWords: string }) => [g.words, g.defaultWords]))).not.toMatch(UUID);
  });

  it('refuses a bad value in words, every problem at once', async () => {
    const noGroup = await as.admin('/api/settings/defaults', { method: 'PUT', body: { group: 'nope', value: {} } });
    expect(noGroup.status).toBe(400);
    expect(noGroup.body.error.message).toBe('Choose which setting to change.');
    const window = await as.admin(`/api/settings/organisations/${alder}`, { method: 'PUT', body: { group: 'sendingWindow', value: { startMinute: 900, endMinute: 600, businessDays: [] } } });
    expect(window.status).toBe(400);
    expect(window.body.error.message).toContain('The sending window must end after it starts.');
    expect(window.body.error.message).toContain('Choose at least one day.');
    expect(window.body.error.message).not.toMatch(ENUMS);
  });

  it('the late-fee assessment and the approval threshold use one organisation’s override and the firm default for the other', async () => {
    await overdueInvoice(firmA, alder, 'A-100');
    await overdueInvoice(firmA, birch, 'B-100');
    // Firm default: a flat 15 once the invoice is overdue; Alder: its own 25 (and, from the first test, approval above 10).
    expect((await as.admin('/api/settings/defaults', { method: 'PUT', body: { group: 'lateFees', value: { enabled: true, kind: 'flat', amount: '15', graceDays: 0, period: 'once' } } })).status).toBe(200);
    expect((await as.admin(`/api/settings/organisations/${alder}`, { method: 'PUT', body: { group: 'lateFees', value: { enabled: true, kind: 'flat', amount: '25', graceDays: 0, period: 'once' } } })).status).toBe(200);
    const deps = { db: database.db, now: () => NOW, enqueueExecute: async () => {} };
    const a = await assessLateFeesForOrganisation(deps, firmA, alder);
    const b = await assessLateFeesForOrganisation(deps, firmA, birch);
    expect(a.requested.map((r) => r.amount)).toEqual(['25.00']);
    expect(b.requested.map((r) => r.amount)).toEqual(['15.00']);
    const status = async (orgId: string) => (await database.db.select({ status: writebacks.status }).from(writebacks).where(and(eq(writebacks.organisationId, orgId), eq(writebacks.kind, 'late_fee'))))[0]?.status;
    expect(await status(alder)).toBe('awaiting_approval'); // 25 is above Alder's own threshold of 10
    expect(await status(birch)).toBe('pending'); // the firm default: no threshold
    const view = await as.viewer(`/api/settings/organisations/${birch}`);
    expect(view.body.groups.find((g: { title: string }) => g.title === 'Late fees and interest')).toMatchObject({ overridden: false, words: 'A fee of 15.00, once an invoice is overdue, once' });
  });

  it('the reminder planner’s sending window is the override for one organisation and the firm default for the other; reset goes back, idempotently', async () => {
    await as.admin(`/api/settings/organisations/${alder}`, { method: 'PUT', body: { group: 'sendingWindow', value: { startMinute: 480, endMinute: 720, businessDays: [3, 1, 2] } } });
    await as.admin('/api/settings/defaults', { method: 'PUT', body: { group: 'sendingWindow', value: { startMinute: 600, endMinute: 960, businessDays: [1, 2, 3, 4] } } });
    const s = (id: string) => loadSettings(database.db, id).then((x) => [x.windowStartMinute, x.windowEndMinute, x.businessDays]);
    expect(await s(alder)).toEqual([480, 720, [1, 2, 3]]);
    expect(await s(birch)).toEqual([600, 960, [1, 2, 3, 4]]);
    // The Reminders settings form, saving Birch's window unchanged, does not make it an override; a changed one does.
    expect((await as.admin(`/api/reminders/settings/${birch}`, { method: 'PUT', body: { windowStartMinute: 600, windowEndMinute: 960, dailyLimit: 150 } })).status).toBe(200);
    expect((await as.admin(`/api/settings/organisations/${birch}`)).body.groups.find((g: { title: string }) => g.title === 'Reminder sending hours').overridden).toBe(false);
    const reset = await as.admin(`/api/settings/organisations/${alder}/reset`, { method: 'POST', body: { group: 'sendingWindow' } });
    expect(reset.status).toBe(200);
    expect(reset.body.groups.find((g: { title: string }) => g.title === 'Reminder sending hours')).toMatchObject({ overridden: false, words: '10:00 to 16:00, Monday to Thursday' });
    expect(await s(alder)).toEqual([600, 960, [1, 2, 3, 4]]);
    expect((await as.admin(`/api/settings/organisations/${alder}/reset`, { method: 'POST', body: { group: 'sendingWindow' } })).status).toBe(200);
  });

  it('the client-approval card’s policy is an override; the firm default applies to clients without one', async () => {
    expect((await as.admin(`/api/organisations/${alder}/client-approvals`, { method: 'PUT', body: { lateFees: false, creditsAbove: '250', paymentPlans: false } })).status).toBe(200);
    await as.admin('/api/settings/defaults', { method: 'PUT', body: { group: 'clientApproval', value: { lateFees: true, paymentPlans: true } } });
    expect((await as.admin(`/api/organisations/${birch}/client-approvals`)).body.policy).toMatchObject({ lateFees: true, paymentPlans: true, creditsAbove: null });
    expect((await as.admin(`/api/organisations/${alder}/client-approvals`)).body.policy).toMatchObject({ lateFees: false, creditsAbove: '250.00' });
    const view = (await as.admin(`/api/settings/organisations/${alder}`)).body.groups.find((g: { title: string }) => g.title === 'What waits for the client');
    expect(view).toMatchObject({ overridden: true, words: 'The client approves credits above 250.00', defaultWords: 'The client approves late fees and payment plans' });
  });

  it('apply to all clients: a preview in words of who changes, then apply; applying again changes nothing', async () => {
    const preview = await as.manager('/api/settings/apply-to-all/preview', { method: 'POST', body: { group: 'lateFees' } });
    expect(preview.status).toBe(200);
    expect(preview.body.preview).toMatchObject({ title: 'Late fees and interest', summary: '1 of 2 clients will change.', overridesCleared: 1 });
    expect(preview.body.preview.changes.map((c: { organisationName: string; words: string }) => [c.organisationName, c.words])).toEqual([
      ['Alder Bakery Ltd', 'Late fees and interest: from “A fee of 25.00, once an invoice is overdue, once” to “A fee of 15.00, once an invoice is overdue, once”.'],
    ]);
    // A preview changes nothing.
    expect((await as.admin(`/api/settings/organisations/${alder}`)).body.groups[0].overridden).toBe(true);
    const applied = await as.manager('/api/settings/apply-to-all', { method: 'POST', body: { group: 'lateFees' } });
    expect(applied.status).toBe(200);
    expect(applied.body.applied.changes).toHaveLength(1);
    expect((await as.admin(`/api/settings/organisations/${alder}`)).body.groups[0].overridden).toBe(false);
    const again = await as.manager('/api/settings/apply-to-all', { method: 'POST', body: { group: 'lateFees' } });
    expect(again.body.applied).toMatchObject({ changes: [], overridesCleared: 0, summary: 'Every client already follows the firm default: nothing changes.' });

    // With a new default: every client following it changes; the default is saved.
    const withValue = await as.admin('/api/settings/apply-to-all/preview', { method: 'POST', body: { group: 'approvalThreshold', value: { amount: '500' } } });
    expect(withValue.body.preview.changes.map((c: { organisationName: string; after: string }) => [c.organisationName, c.after])).toEqual([
      ['Alder Bakery Ltd', 'Ledger changes above GBP 500.00 wait for an administrator’s approval'],
      ['Birch Joinery Ltd', 'Ledger changes above GBP 500.00 wait for an administrator’s approval'],
    ]);
    await as.admin('/api/settings/apply-to-all', { method: 'POST', body: { group: 'approvalThreshold', value: { amount: '500' } } });
    const defaults = await as.viewer('/api/settings/defaults');
    expect(defaults.body.groups.find((g: { title: string }) => g.title === 'Approval of ledger changes')).toMatchObject({ words: 'Ledger changes above GBP 500.00 wait for an administrator’s approval', overriddenBy: 0 });
    expect((await as.admin('/api/collections/policy')).body.policy.approvalThreshold).toBe('500');
    const shown = withValue.body.preview.changes.flatMap((c: { words: string; before: string; after: string }) => [c.words, c.before, c.after]).concat(withValue.body.preview.summary, withValue.body.preview.title);
    for (const w of shown) expect(w).not.toMatch(ENUMS);
  });

  it('firm B can neither read, override, reset, preview nor apply on firm A’s organisations', async () => {
    await as.admin(`/api/settings/organisations/${alder}`, { method: 'PUT', body: { group: 'earlyDiscount', value: { enabled: true, ratePct: '3', withinDays: 10 } } });
    const before = await database.db.select().from(settingOverrides).where(eq(settingOverrides.firmId, firmA));
    expect((await as.otherAdmin(`/api/settings/organisations/${alder}`)).status).toBe(404);
    expect((await as.otherAdmin(`/api/settings/organisations/${alder}`, { method: 'PUT', body: { group: 'earlyDiscount', value: { enabled: false } } })).status).toBe(404);
    expect((await as.otherAdmin(`/api/settings/organisations/${alder}/reset`, { method: 'POST', body: { group: 'earlyDiscount' } })).status).toBe(404);
    const preview = await as.otherAdmin('/api/settings/apply-to-all/preview', { method: 'POST', body: { group: 'earlyDiscount', value: { enabled: true, ratePct: '1' } } });
    expect(preview.body.preview.organisations).toBe(1);
    expect(preview.body.preview.changes.map((c: { organisationName: string }) => c.organisationName)).toEqual(['Other Firm Client Ltd']);
    expect(JSON.stringify(preview.body)).not.toContain('Alder');
    const applied = await as.otherAdmin('/api/settings/apply-to-all', { method: 'POST', body: { group: 'earlyDiscount' } });
    expect(applied.status).toBe(200);
    expect(JSON.stringify(applied.body)).not.toContain(alder);
    const after = await database.db.select().from(settingOverrides).where(eq(settingOverrides.firmId, firmA));
    expect(after).toEqual(before);
    expect((await as.admin(`/api/settings/organisations/${alder}`)).body.groups.find((g: { title: string }) => g.title === 'Early-payment discounts')).toMatchObject({ overridden: true, words: '3% off when paid within 10 days of the invoice date' });
    expect((await as.otherAdmin(`/api/settings/organisations/${bOrg}`)).status).toBe(200);
  });

  it('the migration carries a saved sending window over as an override, and leaves one equal to the built-in window to the default', async () => {
    const custom = await org(firmA, 'Cedar Florists Ltd');
    const plain = await org(firmA, 'Damson Dental Ltd');
    await database.db.insert(reminderSettings).values([
      { firmId: firmA, organisationId: custom, windowStartMinute: 420, windowEndMinute: 1140, businessDays: [1, 2, 3, 4, 5, 6] },
      { firmId: firmA, organisationId: plain },
    ]);
    const file = readFileSync(path.join(import.meta.dirname, '../../server/db/migrations/0033_setting_overrides.sql'), 'utf8');
    const statement = file.split('--> statement-breakpoint').find((s) => s.includes('INSERT INTO setting_overrides'))!;
    // The migration's own statement, limited to this test's firm.
    await database.db.execute(sql.raw(statement.replace('FROM reminder_settings\nWHERE ', `FROM reminder_settings\nWHERE firm_id = '${firmA}' AND organisation_id IN ('${custom}', '${plain}') AND (`).replace('\nON CONFLICT', ')\nON CONFLICT')));
    const rows = await database.db.select({ org: settingOverrides.organisationId, value: settingOverrides.value }).from(settingOverrides).where(and(eq(settingOverrides.firmId, firmA), eq(settingOverrides.settingGroup, 'sendingWindow')));
    expect(rows.filter((r) => r.org === custom || r.org === plain)).toEqual([{ org: custom, value: { startMinute: 420, endMinute: 1140, businessDays: [1, 2, 3, 4, 5, 6] } }]);
    expect((await loadSettings(database.db, custom)).windowStartMinute).toBe(420);
    expect((await loadSettings(database.db, plain)).windowStartMinute).toBe(600); // the firm default set above
  });
});
