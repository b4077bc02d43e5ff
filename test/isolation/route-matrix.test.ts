/**
 * The cross-firm route matrix (docs/decisions/007): every route the app's router holds — walked
 * from the Express stack, not listed by hand — is called signed in as firm A with firm B's ids
 * in its path parameters, query and body (organisation, customer, invoice, write-back, template,
 * policy, pay link, activity, sync run, send, plan, target, rate, checkout, mail; every GET also as a
 * CSV export). Nothing of B's
 * may appear in any answer, and B's rows in every firm table are byte-for-byte unchanged.
 * Public routes take a credential (pay token, checkout session, unsubscribe token): those get
 * firm A's, with B's ids everywhere else. Runs on PostgreSQL and on PGlite.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InlineQueue } from '../../jobs/inline-queue';
import type { Arcus } from '../../root/runtime';
import { type Database, type Db, queryRows } from '../../server/db/client';
import { asSystem } from '../../server/db/firm-scope';
import { unsubscribeToken } from '../../server/reminders/unsubscribe';
import { emptyDemoFirm, startTestApp } from '../support/app';
import { createFirm, memoryDatabase, testDatabase } from '../support/db';
import { type FirmData, idFor, seedFirm } from '../support/firm-data';
import { type RouteEntry, routesOf } from '../support/routes';
import { describeWith } from '../support/services';

/** Every id of B's: none may appear in an answer to A. */
function idsOf(d: FirmData): string[] {
  return [d.firmId, d.orgId, d.contactId, d.invoiceId, d.writebackId, d.templateId, d.policyId, d.payLinkId, d.payToken, d.activityId, d.followUpId, d.syncRunId, d.sendId, d.planId, d.targetId, d.rateId, d.checkoutId, d.checkoutSession, d.mailId, d.memberUserId, d.invitationId, d.paymentId];
}

// ---- substitution rules -----------------------------------------------------------------------------

function substitute(route: RouteEntry, a: FirmData, b: FirmData, aUnsubscribe: string): string | { missing: string } {
  const parts = route.path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i]!;
    if (!seg.startsWith(':') && !seg.startsWith('*') && !seg.startsWith('{')) continue;
    const name = seg.replace(/^[:*{]+|[?}]+$/g, '');
    let value: string | undefined;
    switch (name) {
      case 'id':
        value = idFor(parts[i - 1] ?? '', b);
        break;
      case 'organisationId':
        value = b.orgId;
        break;
      case 'customerId':
        value = b.contactId;
        break;
      case 'contactExternalId':
        value = b.contactExternalId;
        break;
      case 'invoiceExternalId':
        value = b.invoiceExternalId;
        break;
      case 'address':
        value = b.email;
        break;
      case 'checkoutId':
        value = b.checkoutId;
        break;
      case 'provider':
        value = 'xero';
        break;
      // Credentials of public routes: firm A's own (the route then runs as A), B's ids elsewhere.
      case 'token':
        value = route.path.startsWith('/u/') ? aUnsubscribe : a.payToken;
        break;
      case 'sessionId':
        value = a.checkoutSession;
        break;
      case 'setupRef':
        value = a.setupRef;
        break;
      case 'setupId':
        // Firm B's card setup on firm A's pay link: must be a plain 404.
        value = b.savedMethodId;
        break;
      case 'key':
        value = 'no-such-logo';
        break;
      case 'splat':
        value = `organisations/${b.orgId}`;
        break;
    }
    if (value === undefined) return { missing: `${name} in ${route.method} ${route.path}` };
    parts[i] = encodeURIComponent(value);
  }
  return parts.join('/');
}

/** B's ids under every name a query string or body uses for one. */
function bIds(b: FirmData): Record<string, unknown> {
  return {
    organisationId: b.orgId,
    organisationIds: [b.orgId],
    organisation: b.orgId,
    contactId: b.contactId,
    customerId: b.contactId,
    contactExternalId: b.contactExternalId,
    customerExternalId: b.contactExternalId,
    invoiceId: b.invoiceId,
    invoiceIds: [b.invoiceId],
    invoiceExternalId: b.invoiceExternalId,
    invoiceExternalIds: [b.invoiceExternalId],
    writebackId: b.writebackId,
    writebackIds: [b.writebackId],
    ids: [b.writebackId, b.sendId],
    id: b.writebackId,
    templateId: b.templateId,
    policyId: b.policyId,
    payLinkId: b.payLinkId,
    planId: b.planId,
    sendId: b.sendId,
    targetId: b.targetId,
    runId: b.syncRunId,
    checkoutId: b.checkoutId,
    userId: b.firmId,
    firmId: b.firmId,
    scope: 'invoice',
    reason: 'other',
    note: 'cross-firm probe',
    amount: '10.00',
    date: '2026-03-01',
    promisedFor: '2026-03-01',
    subject: 'probe',
    bodyHtml: '<p>probe</p>',
    bodyText: 'probe',
    name: 'probe',
    to: 'probe@example.com',
  };
}

// ---- HTTP as one browser session of firm A ----------------------------------------------------------

async function call(base: string, cookie: { v: string }, method: string, path: string, body?: unknown, csrf?: string) {
  const headers: Record<string, string> = { cookie: cookie.v, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
  const set = res.headers.get('set-cookie');
  if (set) cookie.v = set.split(';')[0]!;
  const text = await res.text();
  return { status: res.status, text: `${res.headers.get('location') ?? ''}\n${text}` };
}

async function signInAsA(base: string, cookie: { v: string }): Promise<string> {
  cookie.v = '';
  const s = await call(base, cookie, 'GET', '/api/session');
  const csrf = (JSON.parse(s.text.slice(s.text.indexOf('\n') + 1)) as { csrfToken: string }).csrfToken;
  const r = await call(base, cookie, 'POST', '/api/auth/demo', {}, csrf);
  expect(r.status).toBe(200);
  return (JSON.parse(r.text.slice(r.text.indexOf('\n') + 1)) as { csrfToken: string }).csrfToken;
}

/** Every row of firm B in every firm table (and its firm row), as the system. */
async function snapshotOf(db: Db, firmId: string): Promise<Record<string, unknown[]>> {
  return asSystem(async () => {
    const tables = await queryRows<{ table_name: string }>(
      db,
      sql`SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'firm_id' ORDER BY table_name`,
    );
    const out: Record<string, unknown[]> = {};
    for (const { table_name } of tables) {
      out[table_name] = await queryRows(db, sql`SELECT to_jsonb(t) AS row FROM ${sql.identifier(table_name)} t WHERE firm_id = ${firmId} ORDER BY to_jsonb(t)::text`);
    }
    out['firms'] = await queryRows(db, sql`SELECT to_jsonb(f) AS row FROM firms f WHERE id = ${firmId}`);
    out['reminder_daily_counts'] = await queryRows(db, sql`SELECT to_jsonb(d) AS row FROM reminder_daily_counts d JOIN organisations o ON o.id = d.organisation_id WHERE o.firm_id = ${firmId} ORDER BY 1`);
    return out;
  });
}

function matrix(name: 'PostgreSQL' | 'PGlite', open: () => Promise<Database>) {
  describeWith(name === 'PostgreSQL' ? 'pg' : [], `the cross-firm route matrix — ${name}`, () => {
    let database: Database;
    let arcus: Arcus;
    let a: FirmData;
    let b: FirmData;

    beforeAll(async () => {
      database = await open();
      arcus = await startTestApp(`route-matrix-${name.toLowerCase()}`, database, { LEDGER_SANDBOX: 'off' });
      const demo = await emptyDemoFirm(database.db);
      a = await seedFirm(database.db, demo.firmId, 'Alpha');
      const other = await createFirm(database);
      b = await seedFirm(database.db, other.firm.id, 'Bravo');
    }, 120_000);

    afterAll(async () => {
      await arcus?.close();
      if (name === 'PGlite') await database?.close();
    });

    it('calls every route as firm A with firm B’s ids: nothing of B’s is read or changed', async () => {
      const { routes, skipped } = routesOf(arcus.app);
      expect(skipped).toEqual([]);
      // The walk found the whole API, not a fragment of it.
      expect(routes.length).toBeGreaterThan(90);
      for (const expected of ['GET /api/organisations/:id', 'POST /api/writebacks/approve', 'GET /pay-api/:token', 'POST /webhooks/xero', 'GET /oauth/:provider/connect', 'DELETE /api/reminders/templates/:id', 'GET /api/privacy/customers/:id/export', 'POST /api/privacy/customers/:id/erase', 'POST /api/privacy/firm/close']) {
        expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(expected);
      }
      const aUnsubscribe = unsubscribeToken(arcus.config.sessionSecret, a.sendId);
      const planned = routes.map((r) => ({ route: r, url: substitute(r, a, b, aUnsubscribe) }));
      const uncovered = planned.filter((p) => typeof p.url !== 'string').map((p) => (p.url as { missing: string }).missing);
      expect(uncovered, 'every path parameter has a substitution rule').toEqual([]);

      const before = await snapshotOf(database.db, b.firmId);
      expect(before['organisations']).toHaveLength(1);
      expect(before['writebacks']).toHaveLength(1);

      const secrets = [...b.secrets, ...idsOf(b)];
      const base = arcus.url;
      const cookie = { v: '' };
      const query = new URLSearchParams(Object.entries(bIds(b)).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v)])).toString();
      const leaks: string[] = [];
      const statuses: Record<string, number> = {};
      let sawOwnData = false;
      const idsOnly = Object.fromEntries(Object.entries(bIds(b)).filter(([k]) => /id$|ids$|^organisation$/i.test(k)));
      for (const { route, url } of planned) {
        // Probes per route: B's ids in the query and a broad body, then the path alone with
        // an ids-only body (so a route whose validation refuses the first still gets reached).
        const withBody = route.method !== 'GET' && route.method !== 'HEAD';
        const probes = [
          { path: `${url as string}?${query}`, body: withBody ? bIds(b) : undefined },
          { path: url as string, body: withBody ? idsOnly : undefined },
          // Exports: every list that answers JSON also answers CSV with format=csv.
          ...(withBody ? [] : [{ path: `${url as string}?${query}&format=csv`, body: undefined }]),
        ];
        for (const [i, probe] of probes.entries()) {
          const csrf = await signInAsA(base, cookie);
          const res = await call(base, cookie, route.method, probe.path, probe.body, csrf);
          statuses[`${route.method} ${route.path} #${i + 1}`] = res.status;
          for (const s of secrets) if (res.text.includes(s)) leaks.push(`${route.method} ${route.path} #${i + 1} → ${res.status} shows ${s}`);
          if (res.text.includes(a.secrets[0]!)) sawOwnData = true;
        }
      }
      if (process.env.MATRIX_DEBUG) console.log(JSON.stringify(statuses, null, 0));
      expect(leaks).toEqual([]);
      // The same session reads firm A's own rows: the probe can see data, just never B's.
      expect(sawOwnData).toBe(true);
      // No route crashed on B's ids.
      expect(Object.entries(statuses).filter(([, s]) => s >= 500)).toEqual([]);

      // Work the calls queued (syncs, scoring, reminders) has run before B is compared.
      if (arcus.queue instanceof InlineQueue) await arcus.queue.idle(60_000);
      const after = await snapshotOf(database.db, b.firmId);
      for (const table of Object.keys(before)) expect(after[table], `firm B's ${table}`).toEqual(before[table]);
    }, 600_000);

    it('a control: firm A’s own ids are found through the same routes', async () => {
      const cookie = { v: '' };
      await signInAsA(arcus.url, cookie);
      const org = await call(arcus.url, cookie, 'GET', `/api/organisations/${a.orgId}`);
      expect(org.status).toBe(200);
      expect(org.text).toContain(a.secrets[0]);
      const bOrg = await call(arcus.url, cookie, 'GET', `/api/organisations/${b.orgId}`);
      expect(bOrg.status).toBe(404);
    });
  });
}

matrix('PostgreSQL', testDatabase);
matrix('PGlite', memoryDatabase);
