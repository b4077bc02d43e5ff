/**
 * Words people use (issue #15), at the API: every route the router holds — walked from the
 * Express stack, not listed by hand — gets bad input (an empty body, wrong types in every field,
 * impossible dates, a bad id in the path, and for the main forms input that passes the schema but
 * breaks a rule: a date out of range, a window that ends before it starts, …). Every message in
 * every answer — `error.message` and each `error.fields[].message` — must be a sentence with no
 * identifier-shaped token (field key, enum value, code, id, ISO date); a validation failure names
 * its fields. A mutating route that answers no error at all to any of it must be listed in
 * ACCEPTS_ANYTHING with its reason, so a new route cannot go unchecked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InlineQueue } from '../../jobs/inline-queue';
import { type Arcus, startArcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { createLogger } from '../../server/logger';
import { unsubscribeToken } from '../../server/reminders/unsubscribe';
import { emptyDemoFirm } from '../support/app';
import { testDatabase } from '../support/db';
import { type FirmData, seedFirm } from '../support/firm-data';
import { describeIdentifiers } from '../support/identifier-shapes';
import { pathFor, type RouteEntry, routesOf } from '../support/routes';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';

/** Mutating routes that take no input a person can get wrong, and why. */
const ACCEPTS_ANYTHING: Record<string, string> = {
  'POST /api/auth/demo': 'signs in as the demo user; no input',
  'POST /api/auth/sign-out': 'ends the session; no input',
  'POST /api/billing/refresh': 'reads the firm’s App Store subscription again; no input',
  'POST /u/:token': 'the one-click unsubscribe: any token answers the same page (no JSON, no oracle)',
  'POST /pay/sandbox-checkout/:sessionId': 'the sandbox provider’s hosted checkout: an HTML page, no input',
  'POST /pay/sandbox-setup/:setupRef': 'the sandbox provider’s hosted card page: an HTML form whose only choice is a test card (anything else saves the 4242 card)',
};

/** Every key the API's inputs use, for bodies with every field wrong. */
const KEYS = [
  'organisationId', 'organisationIds', 'contactExternalId', 'invoiceId', 'invoiceIds', 'invoiceExternalId', 'writebackId', 'ids', 'userIds',
  'date', 'dueDate', 'startDate', 'baselineDate', 'asOf', 'from', 'to', 'pausedUntil', 'followUpOn',
  'amount', 'instalmentAmount', 'count', 'frequency', 'currency', 'rateToReporting', 'goalValue', 'goalKind', 'baselineValue', 'metric',
  'reason', 'details', 'note', 'resolution', 'purpose', 'full', 'proration', 'requestKey', 'confirm', 'confirmation', 'wait',
  'name', 'scope', 'segment', 'grouping', 'steps', 'enabled', 'subject', 'bodyHtml', 'bodyText', 'stepNumber', 'grouped',
  'windowStartMinute', 'windowEndMinute', 'businessDays', 'dailyLimit', 'senderName', 'replyTo', 'brandColour', 'logoUrl', 'signature', 'customerDailyLimit', 'confirmAbove',
  'excluded', 'pauseReason', 'recipients', 'timezone', 'full', 'approvalThreshold', 'lateFees', 'earlyDiscount', 'plans', 'reportingCurrency', 'needsHelp',
  'retentionMonths', 'outcome', 'title', 'text',
];

const every = (value: unknown) => Object.fromEntries(KEYS.map((k) => [k, value]));

/** Input that passes a form's schema but breaks one of its rules (the domain's messages). */
function ruleBreakers(a: FirmData): Record<string, unknown[]> {
  const who = { organisationId: a.orgId, contactExternalId: a.contactExternalId };
  return {
    'POST /pay-api/:token/promise': [{ date: '2020-01-01' }, { date: '2099-01-01' }, { date: '2026-03-01', invoiceIds: [a.writebackId] }],
    'POST /pay-api/:token/dispute': [{ reason: 'nonsense' }, { reason: 'other', details: 'x'.repeat(1001) }, { reason: 'other', invoiceId: a.writebackId }],
    'POST /pay-api/:token/checkout': [{ invoiceIds: [a.writebackId] }, { invoiceIds: [] }],
    'POST /api/collector/promise': [{ ...who, date: '2020-01-01' }, { ...who, date: '2099-01-01' }],
    'POST /api/collector/dispute': [{ ...who, reason: '  ' }],
    'POST /api/collections/plans': [
      { ...who, frequency: 'monthly', count: 3, startDate: '2020-01-01' },
      { ...who, frequency: 'monthly', count: 3, instalmentAmount: '10', startDate: '2099-01-01' },
      { ...who, frequency: 'monthly', count: 120, startDate: '2099-01-01' },
      { ...who, invoiceIds: [a.writebackId], frequency: 'monthly', count: 2, startDate: '2099-01-01' },
    ],
    'POST /api/collections/plans/preview': [{ ...who, frequency: 'weekly', instalmentAmount: '0', startDate: '2099-01-01' }],
    'PUT /api/collections/policy': [{ lateFees: { enabled: true, kind: 'flat', amount: '0' } }, { lateFees: { percent: '150', graceDays: -1 }, earlyDiscount: { ratePct: '100' }, plans: { maxInstalments: 0 } }],
    'POST /api/organisations/:id/targets': [{ metric: 'dso', goalKind: 'absolute', goalValue: 30, dueDate: '2020-01-01' }, { metric: 'speed', goalKind: 'more', goalValue: 'lots', dueDate: '2026-02-30' }],
    'PATCH /api/targets/:id': [{ dueDate: '2026-02-30', goalValue: 'lots' }],
    'PUT /api/exchange-rates': [{ currency: 'usd', rateToReporting: '0', asOf: '2026-02-30' }, { currency: 'USD', rateToReporting: '1.2', asOf: '2026-01-01' }],
    'PUT /api/reminders/settings/:organisationId': [{ windowStartMinute: 900, windowEndMinute: 600 }, { replyTo: 'not an address', brandColour: 'blue', logoUrl: 'ftp://x', dailyLimit: -5 }],
    'POST /api/reminders/policies': [
      { name: '', scope: 'segment', steps: [] },
      { name: 'Twice', scope: 'segment', segment: 'chronic_late', steps: [{ offsetDays: 3 }, { offsetDays: 3 }] },
      { name: 'No org', scope: 'organisation', steps: [{ offsetDays: 3 }] },
      { name: 'No customer', scope: 'customer', organisationId: a.orgId, steps: [{ offsetDays: 3, templateId: a.writebackId }] },
    ],
    'PUT /api/reminders/policies/:id': [{ name: 'x', scope: 'firm', steps: [{ offsetDays: 1000, channel: 'pigeon', approval: 'maybe' }] }],
    'POST /api/reminders/templates': [{ name: '', subject: '', bodyHtml: '', bodyText: '' }],
    'POST /api/reminders/templates/test-send': [{ organisationId: a.orgId, subject: 'Hi', bodyHtml: '<p>Hi</p>', bodyText: 'Hi', to: 'nobody' }],
    'PUT /api/reminders/customers/:organisationId/:contactExternalId': [{ pausedUntil: '2026-02-30', recipients: ['not an address'] }],
    'POST /api/writebacks/credit-notes': [
      { organisationId: a.orgId, invoiceId: a.invoiceId, purpose: 'goodwill', full: true, amount: '5.00', reason: 'x' },
      { organisationId: a.orgId, invoiceId: a.invoiceId, purpose: 'cancellation', proration: { serviceStart: '2026-11-30', serviceEnd: '2026-11-01', cancelFrom: '2026-11-05' }, reason: 'x' },
      { organisationId: a.orgId, invoiceId: a.invoiceId, purpose: 'cancellation', proration: { serviceStart: '2026-11-01', serviceEnd: '2026-11-30', cancelFrom: '2026-12-05' }, reason: 'x' },
      { organisationId: a.orgId, invoiceId: a.invoiceId, purpose: 'goodwill', amount: '99999.00', reason: 'x' },
    ],
    'DELETE /api/organisations/:id/data': [{ confirm: 'not the name' }],
    'POST /api/privacy/firm/close': [{ confirm: 'not the name' }],
  };
}

const BAD_QUERY = 'organisationId=nope&from=2026-02-30&to=someday&asOf=2026-13-01&limit=-1&offset=x&format=pdf&status=whatever&filter=nah&q=&metric=speed&by=colour';

describeWith('pg', 'words people use: every message the API answers is a sentence without identifiers', () => {
  let database: Database;
  let arcus: Arcus;
  let a: FirmData;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('error-words'), ARCUS_DEMO: 'on', ARCUS_DEMO_CONNECT: 'off', LEDGER_SANDBOX: 'on', NODE_ENV: 'test', ARCUS_NOW: '2026-03-01T10:00:00Z' },
      database,
      log: createLogger('silent'),
      sandbox: { url: 'http://127.0.0.1:9', webhookKeys: { xero: 'words-xero', quickbooks: 'words-intuit' } },
      demoConnect: false,
    });
    const demo = await emptyDemoFirm(database.db);
    a = await seedFirm(database.db, demo.firmId, 'Words');
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('answers bad input to every route in sentences, field by field', async () => {
    const { routes, skipped } = routesOf(arcus.app);
    expect(skipped).toEqual([]);
    expect(routes.length).toBeGreaterThan(90);
    const unsubscribe = unsubscribeToken(arcus.config.sessionSecret, a.sendId);
    const breakers = ruleBreakers(a);
    // Every rule-breaking probe names a route the router holds (a renamed route fails here).
    const known = new Set(routes.map((r) => `${r.method} ${r.path}`));
    expect(Object.keys(breakers).filter((k) => !known.has(k))).toEqual([]);
    expect(Object.keys(ACCEPTS_ANYTHING).filter((k) => !known.has(k))).toEqual([]);

    let cookie = '';
    let csrf = '';
    let signedIn = false;
    const signIn = async () => {
      const s = await fetch(`${arcus.url}/api/session`);
      cookie = (s.headers.get('set-cookie') ?? '').split(';')[0]!;
      const t = ((await s.json()) as { csrfToken: string }).csrfToken;
      const r = await fetch(`${arcus.url}/api/auth/demo`, { method: 'POST', headers: { cookie, 'x-csrf-token': t, 'content-type': 'application/json' }, body: '{}' });
      cookie = (r.headers.get('set-cookie') ?? cookie).split(';')[0]!;
      csrf = ((await r.json()) as { csrfToken: string }).csrfToken;
      signedIn = true;
    };

    const problems: string[] = [];
    const answered = new Set<string>();
    let messages = 0;
    let fieldMessages = 0;
    const send = async (route: RouteEntry, path: string, body?: unknown) => {
      if (!signedIn) await signIn();
      const res = await fetch(arcus.url + path, {
        method: route.method,
        headers: { cookie, 'x-csrf-token': csrf, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
      });
      if (res.status === 401 || /sign-out|\/close/.test(path)) signedIn = false;
      const text = await res.text();
      if (res.status < 400 || !(res.headers.get('content-type') ?? '').includes('json')) return;
      const error = (JSON.parse(text) as { error?: { code?: string; message?: unknown; fields?: unknown } }).error;
      const where = `${route.method} ${route.path} ${body === undefined ? '' : JSON.stringify(body).slice(0, 80)} → ${res.status}`;
      if (!error || typeof error.message !== 'string') {
        problems.push(`${where}: no error message`);
        return;
      }
      answered.add(`${route.method} ${route.path}`);
      const texts = [error.message];
      if (error.fields !== undefined) {
        if (!Array.isArray(error.fields) || error.fields.length === 0) problems.push(`${where}: fields is not a list of problems`);
        for (const f of (error.fields ?? []) as { field?: unknown; message?: unknown }[]) {
          if (typeof f.field !== 'string' || typeof f.message !== 'string') problems.push(`${where}: a field problem without its key or message`);
          else texts.push(f.message);
          fieldMessages++;
        }
      } else if (error.code === 'validation_failed' && res.status === 400 && body !== undefined && JSON.stringify(body) === '{}') {
        problems.push(`${where}: a validation failure without its fields`);
      }
      for (const t of texts) {
        messages++;
        problems.push(...describeIdentifiers(where, t));
        if (!/^[A-Z0-9“"‘]/.test(t) || !/[.?!]$/.test(t.trim())) problems.push(`${where}: not a sentence: “${t.slice(0, 200)}”`);
      }
    };

    // Reads first, destructive verbs last: a deleted row only makes later probes shallower.
    const order: Record<string, number> = { GET: 0, POST: 1, PUT: 2, PATCH: 2, DELETE: 3 };
    const planned = [...routes].sort((x, y) => (order[x.method] ?? 9) - (order[y.method] ?? 9) || x.path.localeCompare(y.path));
    for (const route of planned) {
      const key = `${route.method} ${route.path}`;
      const base = pathFor(route, a, unsubscribe);
      const params = route.path.split('/').filter((s) => s.startsWith(':')).length;
      for (let i = 0; i < params; i++) await send(route, pathFor(route, a, unsubscribe, { index: i, value: 'not-an-id' }), route.method === 'GET' ? undefined : {});
      if (route.method === 'GET') {
        await send(route, `${base}?${BAD_QUERY}`);
        continue;
      }
      for (const body of [{}, every(12345), every('x'), every(null), every([]), every('2026-02-30'), ...(breakers[key] ?? [])]) await send(route, base, body);
    }
    if (arcus.queue instanceof InlineQueue) await arcus.queue.idle(60_000);

    expect(problems).toEqual([]);
    const mutating = planned.filter((r) => r.method !== 'GET' && !r.path.startsWith('/webhooks/'));
    const silent = mutating.map((r) => `${r.method} ${r.path}`).filter((k) => !answered.has(k) && !ACCEPTS_ANYTHING[k]);
    expect(silent, 'mutating routes that answered no bad input with an error (check them, or list them in ACCEPTS_ANYTHING with why)').toEqual([]);
    expect(messages).toBeGreaterThan(500);
    expect(fieldMessages).toBeGreaterThan(300);
  }, 300_000);
});
