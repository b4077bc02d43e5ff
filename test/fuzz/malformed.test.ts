/**
 * Malformed input never makes a 500, and never puts personal data in the logs (issue #14).
 *
 * Every route the router holds (walked from the Express stack, as the isolation matrix does) is
 * called signed in as the demo firm with hostile path parameters, query strings and bodies —
 * impossible dates, NUL bytes, lone surrogates, invalid UTF-8, huge and negative numbers, wrong
 * types, broken JSON, unsupported charsets and Content-Encodings, bad gzip — and the ledger
 * webhooks get signed deliveries with the same text and one with 20,000 entities. Deterministic
 * (a seeded PRNG), bounded, on 127.0.0.1. Asserts: no response ≥ 500; the captured logs hold
 * none of the seeded debtors' emails or names, and no line longer than the logger's cap.
 */

import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InlineQueue } from '../../jobs/inline-queue';
import { type Arcus, startArcus } from '../../root/runtime';
import type { Database } from '../../server/db/client';
import { mulberry32 } from '../../server/domain/random';
import { createLogger, MAX_LOG_LINE } from '../../server/logger';
import { unsubscribeToken } from '../../server/reminders/unsubscribe';
import { signWebhook } from '../../server/webhooks/signature';
import { emptyDemoFirm } from '../support/app';
import { testDatabase } from '../support/db';
import { type FirmData, seedFirm } from '../support/firm-data';
import { paramNames, pathFor, type RouteEntry, routesOf } from '../support/routes';
import { scratchDir } from '../support/scratch';
import { describeWith } from '../support/services';

const SEED = 0x14_2026;
const KEYS = { xero: 'fuzz-xero-webhook-key', quickbooks: 'fuzz-intuit-verifier' };


/** Hostile values for JSON bodies (any type). */
const HOSTILE: unknown[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '2026-02-30',
  '2026-13-01',
  '0000-00-00',
  '2026-02-29T25:61:00Z',
  '99999-01-01',
  '-1',
  '1e309',
  'NaN',
  '',
  ' ',
  'x'.repeat(20_000),
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '\r\nSet-Cookie: a=b',
  '٣',
  '00000000-0000-0000-0000-000000000000',
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  2 ** 63,
  [],
  [null],
  ['\u0000'],
  {},
  { $ne: 1 },
  JSON.parse('{"__proto__":{"polluted":1}}'),
  JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`),
];

/** Hostile path segments, already percent-encoded (lone surrogates cannot be encoded by encodeURIComponent). */
const HOSTILE_SEGMENTS = ['%00', 'a%00b', '%ED%A0%80', '%C0%AF', '%FF', 'x'.repeat(3000), '2026-02-30', '-1', '..%2F..%2Fetc', '%25', '00000000-0000-0000-0000-000000000000', 'not-a-uuid'];

/** Hostile query values (raw, percent-encoded where needed). */
const HOSTILE_QUERY = ['2026-02-30', '2026-13-45', '%00', 'a%00b', '%ED%A0%80', '%FF', '1e999', '-5', 'NaN', '', 'x'.repeat(3000), '0000-00-00'];

/** Every key a query or body uses somewhere (fuzzed one at a time, the rest plausible). */
const KEYS_SEEN = [
  'organisationId',
  'organisationIds',
  'contactExternalId',
  'invoiceId',
  'invoiceIds',
  'invoiceExternalId',
  'ids',
  'id',
  'from',
  'to',
  'date',
  'asOf',
  'dueDate',
  'promisedFor',
  'startDate',
  'limit',
  'offset',
  'filter',
  'status',
  'q',
  'format',
  'segment',
  'metric',
  'name',
  'subject',
  'bodyHtml',
  'bodyText',
  'note',
  'reason',
  'details',
  'amount',
  'currency',
  'timezone',
  'steps',
  'scope',
  'purpose',
  'requestKey',
  'role',
  'email',
  'frequency',
  'instalments',
  'goalValue',
  'rateToReporting',
];

function plausible(a: FirmData): Record<string, unknown> {
  return {
    organisationId: a.orgId,
    organisationIds: [a.orgId],
    contactExternalId: a.contactExternalId,
    invoiceId: a.invoiceId,
    invoiceIds: [a.invoiceId],
    invoiceExternalId: a.invoiceExternalId,
    ids: [a.writebackId],
    from: '2026-01-01',
    to: '2026-03-31',
    date: '2026-03-01',
    reason: 'other',
    amount: '10.00',
    currency: 'USD',
    name: 'probe',
    subject: 'probe',
    bodyHtml: '<p>probe</p>',
    bodyText: 'probe',
  };
}

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

function probesFor(route: RouteEntry, a: FirmData, unsubscribe: string, rand: () => number): Probe[] {
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)]!;
  const out: Probe[] = [];
  const params = paramNames(route.path);
  // Path parameters.
  for (let i = 0; i < params.length; i++) for (let k = 0; k < 3; k++) out.push({ method: route.method, path: pathFor(route, a, unsubscribe, { index: i, value: pick(HOSTILE_SEGMENTS) }) });
  const base = pathFor(route, a, unsubscribe);
  // Query strings: one key hostile, the others plausible.
  for (let k = 0; k < 4; k++) {
    const key = pick(KEYS_SEEN);
    const q = new URLSearchParams(Object.entries(plausible(a)).map(([n, v]) => [n, Array.isArray(v) ? String(v[0]) : String(v)]));
    q.delete(key);
    out.push({ method: route.method, path: `${base}?${q.toString()}&${key}=${pick(HOSTILE_QUERY)}` });
  }
  out.push({ method: route.method, path: `${base}?from=2026-02-30&to=2026-03-31&organisationId=${a.orgId}` });
  out.push({ method: route.method, path: `${base}?organisationId=${a.orgId}&organisationId=${a.orgId}&limit[a]=1` });
  if (route.method === 'GET' || route.method === 'HEAD') return out;
  // Bodies: one field hostile, the rest plausible; broken JSON; refused charsets and encodings.
  const json = { 'content-type': 'application/json' };
  for (let k = 0; k < 5; k++) {
    const body = { ...plausible(a), [pick(KEYS_SEEN)]: pick(HOSTILE) };
    out.push({ method: route.method, path: base, headers: json, body: JSON.stringify(body) });
  }
  out.push({ method: route.method, path: base, headers: json, body: `{"organisationId":"${a.orgId}","name":"\\ud800","note":"a\\u0000b","reason":"\\udfff"}` });
  out.push({ method: route.method, path: base, headers: json, body: pick(['{', '[1,', '{"a":', 'nul', '\u0000', '{"a":"\\x"}']) });
  out.push({ method: route.method, path: base, headers: { 'content-type': 'application/json; charset=utf-7' }, body: '{"a":1}' });
  out.push({ method: route.method, path: base, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') });
  out.push({ method: route.method, path: base, headers: { 'content-type': 'application/json', 'content-encoding': pick(['br', 'x-unknown', 'deflate', 'gzip, identity, compress']) }, body: Buffer.from([0xff, 0x00, 0x13]) });
  out.push({ method: route.method, path: base, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(Buffer.from(`{"organisationId":"${a.orgId}","name":"\\u0000"}`)) });
  out.push({ method: route.method, path: base, headers: { 'content-type': 'text/plain' }, body: 'hello' });
  return out;
}

function webhookProbes(a: FirmData, rand: () => number): Probe[] {
  const out: Probe[] = [];
  const signed = (provider: 'xero' | 'quickbooks', body: string | Buffer, extra: Record<string, string> = {}): Probe => ({
    method: 'POST',
    path: `/webhooks/${provider}`,
    headers: { 'content-type': 'application/json', [provider === 'xero' ? 'x-xero-signature' : 'intuit-signature']: signWebhook(body, KEYS[provider]), ...extra },
    body,
  });
  const xeroEvent = (over: Record<string, unknown>) => ({ resourceId: 'r1', eventDateUtc: '2026-03-01T00:00:00Z', eventType: 'UPDATE', eventCategory: 'INVOICE', tenantId: a.tenantId, tenantType: 'ORGANISATION', ...over });
  for (let i = 0; i < 25; i++) {
    const field = ['resourceId', 'eventDateUtc', 'eventType', 'eventCategory', 'tenantId'][i % 5]!;
    const value = HOSTILE[Math.floor(rand() * HOSTILE.length)];
    out.push(signed('xero', JSON.stringify({ events: [xeroEvent({ [field]: value })], firstEventSequence: 1, lastEventSequence: 1, entropy: 'x' })));
    const entity = { name: 'Invoice', id: '1', operation: 'Update', lastUpdated: '2026-03-01T00:00:00Z', [['name', 'id', 'operation', 'lastUpdated', 'deletedId'][i % 5]!]: value };
    out.push(signed('quickbooks', JSON.stringify({ eventNotifications: [{ realmId: i % 2 ? 'realm-fuzz' : value, dataChangeEvent: { entities: [entity] } }] })));
    out.push(signed('quickbooks', JSON.stringify([{ id: value, type: 'qbo.invoice.updated.v1', intuitaccountid: 'realm-fuzz', intuitentityid: value, time: value }]), { 'content-type': 'application/cloudevents+json' }));
  }
  out.push(signed('xero', `{"events":[{"resourceId":"\\ud800","eventDateUtc":"2026-03-01","eventType":"UPDATE","eventCategory":"INVOICE","tenantId":"${a.tenantId}"}]}`));
  out.push(signed('xero', `{"events":[{"resourceId":"a\\u0000","eventDateUtc":"2026-03-01","eventType":"UPDATE","eventCategory":"INVOICE","tenantId":"t\\u0000"}]}`));
  out.push(signed('quickbooks', '{"eventNotifications":[{"realmId":"\\udc00","dataChangeEvent":{"entities":[{"name":"\\u0000","id":"1","operation":"Update"}]}}]}'));
  out.push(signed('xero', '{"events":'));
  out.push(signed('quickbooks', Buffer.from([0xff, 0xfe, 0x00])));
  out.push({ method: 'POST', path: '/webhooks/xero', headers: { 'content-type': 'application/json', 'x-xero-signature': 'AAAA' }, body: '{"events":[]}' });
  // 20,000 entities in one signed delivery: over PostgreSQL's 65,535 parameters if inserted at once.
  const entities = Array.from({ length: 20_000 }, (_, i) => ({ name: 'I', id: i.toString(36), operation: 'U' }));
  out.push(signed('quickbooks', JSON.stringify({ eventNotifications: [{ realmId: 'realm-fuzz-big', dataChangeEvent: { entities } }] })));
  return out;
}

describeWith('pg', 'malformed input: no 500s, no personal data in the logs', () => {
  let database: Database;
  let arcus: Arcus;
  let a: FirmData;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startArcus({
      // JSON logs with every request in them (demo mode's readable console keeps requests at debug level).
      env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir('fuzz'), ARCUS_DEMO: 'on', ARCUS_DEMO_CONNECT: 'off', LEDGER_SANDBOX: 'on', NODE_ENV: 'test', LOG_FORMAT: 'json' },
      database,
      log: createLogger('info', sink),
      // A sandbox that is never reached (nothing listens on the discard port): the webhooks only need their keys.
      sandbox: { url: 'http://127.0.0.1:9', webhookKeys: KEYS },
      demoConnect: false,
    });
    const demo = await emptyDemoFirm(database.db);
    a = await seedFirm(database.db, demo.firmId, 'Fuzz');
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('sends ≥ 1,000 malformed requests across every route family and the webhooks', async () => {
    const rand = mulberry32(SEED);
    const { routes } = routesOf(arcus.app);
    expect(routes.length).toBeGreaterThan(90);
    const unsubscribe = unsubscribeToken(arcus.config.sessionSecret, a.sendId);
    // Reads first, destructive verbs last: a deleted row only makes later probes shallower.
    const order = { GET: 0, HEAD: 0, POST: 1, PUT: 2, PATCH: 2, DELETE: 3 } as Record<string, number>;
    const planned = [...routes].sort((x, y) => (order[x.method] ?? 9) - (order[y.method] ?? 9) || x.path.localeCompare(y.path));
    const families = new Set<string>();
    const crashes: string[] = [];
    let sent = 0;
    let cookie = '';
    let csrf = '';
    let signedIn = false;
    const signIn = async () => {
      cookie = '';
      const s = await fetch(`${arcus.url}/api/session`);
      cookie = (s.headers.get('set-cookie') ?? '').split(';')[0]!;
      const t = ((await s.json()) as { csrfToken: string }).csrfToken;
      const r = await fetch(`${arcus.url}/api/auth/demo`, { method: 'POST', headers: { cookie, 'x-csrf-token': t, 'content-type': 'application/json' }, body: '{}' });
      cookie = (r.headers.get('set-cookie') ?? cookie).split(';')[0]!;
      csrf = ((await r.json()) as { csrfToken: string }).csrfToken;
    };
    const send = async (p: Probe) => {
      const headers: Record<string, string> = { cookie, 'x-csrf-token': csrf, accept: 'application/json', ...p.headers };
      let status: number;
      try {
        const res = await fetch(arcus.url + p.path, { method: p.method, headers, body: typeof p.body === "string" || p.body === undefined ? p.body : new Uint8Array(p.body), redirect: "manual" });
        status = res.status;
        if (status === 401 || /sign-out|\/close/.test(p.path)) signedIn = false;
        await res.arrayBuffer();
      } catch (err) {
        status = 599;
        crashes.push(`${p.method} ${p.path.slice(0, 120)} → ${err instanceof Error ? err.message : String(err)}`);
      }
      sent++;
      if (status >= 500) crashes.push(`${p.method} ${p.path.slice(0, 160)} ${p.headers ? JSON.stringify(p.headers).slice(0, 120) : ''} ${typeof p.body === 'string' ? p.body.slice(0, 160) : ''} → ${status}`);
    };
    const took: [string, number][] = [];
    for (const route of planned) {
      families.add(route.path.split('/').slice(0, route.path.startsWith('/api/') ? 3 : 2).join('/'));
      const t0 = Date.now();
      // Signed in again when the last route ended the session (sign-out, a 401).
      if (!signedIn) await signIn();
      signedIn = true;
      const probes = probesFor(route, a, unsubscribe, rand);
      // A few at a time on the one session: bounded, and the order within a route does not matter.
      for (let i = 0; i < probes.length; i += 4) await Promise.all(probes.slice(i, i + 4).map(send));
      took.push([`${route.method} ${route.path}`, Date.now() - t0]);
    }
    const t1 = Date.now();
    for (const probe of webhookProbes(a, rand)) await send(probe);
    took.push(['webhooks', Date.now() - t1]);
    const t2 = Date.now();
    if (arcus.queue instanceof InlineQueue) await arcus.queue.idle(60_000);
    took.push(['queue idle', Date.now() - t2]);
    if (process.env.FUZZ_DEBUG) console.log(sent, took.sort((x, y) => y[1] - x[1]).slice(0, 15));

    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(families.size).toBeGreaterThan(10);
    expect(crashes).toEqual([]);

    // The logs: none of the debtors' contact details, no line past the cap.
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(sent / 2);
    for (const secret of a.personal) expect(log.includes(secret), `the logs show ${secret}`).toBe(false);
    expect(lines.filter((l) => l.length > MAX_LOG_LINE + 1)).toEqual([]);
  }, 300_000);
});
