/**
 * The role matrix (docs/decisions/017-team-and-roles.md): every route the app's router holds —
 * walked from the Express stack — must be in `ROUTE_PERMISSIONS`, and is called signed in as each
 * role (and as nobody). A role the table refuses gets exactly 403 (a refusal comes before any
 * lookup or validation), a role it allows never gets 401/403 (nor a 5xx), and nobody gets 401.
 * Ids in paths are random, so allowed calls change nothing (they answer 404 or 400).
 *
 * Then the client contact: linked to organisation A of a firm with A and B, every
 * organisation-scoped route they may call answers for A and 404 for B (a viewer, the control, gets B).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Arcus } from '../../root/runtime';
import { PERMISSIONS, ROLES, ROUTE_PERMISSIONS, type Role } from '../../server/auth/permissions';
import type { Database } from '../../server/db/client';
import { membershipOrganisations, memberships, users } from '../../server/db/schema';
import { startTestApp } from '../support/app';
import { createFirm, testDatabase } from '../support/db';
import { type FirmData, seedFirm } from '../support/firm-data';
import { routesOf } from '../support/routes';
import { describeWith } from '../support/services';
import { writeSession } from '../support/session';

type Who = { cookie: string; csrf: string };

async function call(base: string, who: Who | null, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (who) {
    headers['cookie'] = who.cookie;
    headers['x-csrf-token'] = who.csrf;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
  return { status: res.status, text: `${res.headers.get('location') ?? ''}\n${await res.text()}` };
}

/** An anonymous browser's CSRF cookie and token (writes need them before any auth check). */
async function anonymous(base: string): Promise<Who> {
  const res = await fetch(`${base}/api/session`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken };
}

function pathFor(path: string): string {
  return path
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg;
      const name = seg.slice(1);
      if (name === 'provider') return 'xero';
      if (name === 'address') return 'nobody%40example.com';
      if (name === 'contactExternalId' || name === 'invoiceExternalId' || name === 'key') return 'no-such-thing';
      return randomUUID();
    })
    .join('/');
}

describeWith('pg', 'the role matrix', () => {
  let database: Database;
  let arcus: Arcus;
  let firmId: string;
  let a: FirmData;
  let b: FirmData;
  const as = {} as Record<Role, Who>;

  beforeAll(async () => {
    database = await testDatabase();
    arcus = await startTestApp('role-matrix', database, { LEDGER_SANDBOX: 'off' });
    const { firm, user } = await createFirm(database, 'admin');
    firmId = firm.id;
    a = await seedFirm(database.db, firmId, 'Alpha');
    b = await seedFirm(database.db, firmId, 'Bravo');
    as.admin = await writeSession(database, arcus.config.sessionSecret, { userId: user.id, firmId });
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const [u] = await database.db.insert(users).values({ email: `${role}-${firmId.slice(0, 8)}@firm.example`, name: `A ${role}`, authProvider: 'test', authSubject: `${role}-${firmId}` }).returning();
      await database.db.insert(memberships).values({ firmId, userId: u!.id, role });
      if (role === 'client_contact') await database.db.insert(membershipOrganisations).values({ firmId, userId: u!.id, organisationId: a.orgId });
      as[role] = await writeSession(database, arcus.config.sessionSecret, { userId: u!.id, firmId });
    }
  }, 120_000);

  afterAll(async () => {
    await arcus?.close();
  });

  it('every route is in the table, and answers each role as the table says', async () => {
    const { routes } = routesOf(arcus.app);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys.filter((k) => !(k in ROUTE_PERMISSIONS)), 'routes missing from ROUTE_PERMISSIONS').toEqual([]);
    expect(Object.keys(ROUTE_PERMISSIONS).filter((k) => !keys.includes(k)), 'table entries with no route').toEqual([]);

    const wrong: string[] = [];
    const anon = await anonymous(arcus.url);
    let checked = 0;
    for (const route of routes) {
      const access = ROUTE_PERMISSIONS[`${route.method} ${route.path}`]!;
      if (access === 'public') continue;
      const path = pathFor(route.path);
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      if (access === 'signed_in_redirect') {
        // A browser redirect: a refused role is sent back with the refusal, never to the provider.
        for (const role of ROLES) {
          const res = await call(arcus.url, as[role], route.method, path, body);
          const refused = res.text.split('\n')[0]!.includes('error=forbidden');
          if (refused === PERMISSIONS['organisations.manage'].roles.includes(role as never)) wrong.push(`${route.method} ${route.path} as ${role}: ${res.status} ${res.text.split('\n')[0]}`);
        }
        continue;
      }
      const nobody = await call(arcus.url, anon, route.method, path, body);
      if (nobody.status !== 401) wrong.push(`${route.method} ${route.path} as nobody: ${nobody.status}`);
      for (const role of ROLES) {
        const allowed = (PERMISSIONS[access].roles as readonly Role[]).includes(role);
        const res = await call(arcus.url, as[role], route.method, path, body);
        checked++;
        if (allowed ? res.status === 401 || res.status === 403 || res.status >= 500 : res.status !== 403) wrong.push(`${route.method} ${route.path} as ${role} (${access}): ${res.status} ${res.text.slice(0, 160).replace(/\s+/g, ' ')}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  }, 600_000);

  it('a client contact sees their own organisation and gets 404 for another of the same firm', async () => {
    const orgRoutes = Object.entries(ROUTE_PERMISSIONS)
      .filter(([k, v]) => v === 'organisation.read' && k.startsWith('GET /api/organisations/:id'))
      .map(([k]) => k.slice('GET '.length));
    expect(orgRoutes.length).toBeGreaterThanOrEqual(7);
    const contact = as.client_contact;
    for (const route of orgRoutes) {
      const own = await call(arcus.url, contact, 'GET', route.replace(':id', a.orgId));
      expect(own.status, `${route} for the contact's own organisation: ${own.text.slice(0, 300)}`).toBe(200);
      expect(own.text).not.toContain(b.orgId);
      const other = await call(arcus.url, contact, 'GET', route.replace(':id', b.orgId));
      expect(other.status, `${route} for another organisation`).toBe(404);
      expect(other.text).not.toContain(b.secrets[0]!);
      const viewer = await call(arcus.url, as.viewer, 'GET', route.replace(':id', b.orgId));
      expect(viewer.status, `${route} as a viewer`).toBe(200);
    }
    // Customers: their organisation's, not another's.
    expect((await call(arcus.url, contact, 'GET', `/api/customers/${a.contactId}`)).status).toBe(200);
    expect((await call(arcus.url, contact, 'GET', `/api/customers/${b.contactId}`)).status).toBe(404);
    // Lists hold only their organisation.
    for (const list of ['/api/organisations', '/api/analytics/organisations']) {
      const res = await call(arcus.url, contact, 'GET', list);
      expect(res.status).toBe(200);
      expect(res.text).toContain(a.orgId);
      expect(res.text).not.toContain(b.orgId);
      expect((await call(arcus.url, as.viewer, 'GET', list)).text).toContain(b.orgId);
    }
    // Firm-wide reads and every write are refused.
    expect((await call(arcus.url, contact, 'GET', '/api/portfolio')).status).toBe(403);
    expect((await call(arcus.url, contact, 'GET', `/api/writebacks?organisationId=${a.orgId}`)).status).toBe(403);
    expect((await call(arcus.url, contact, 'POST', '/api/collector/note', { organisationId: a.orgId, contactExternalId: a.contactExternalId, text: 'hi' })).status).toBe(403);
    // The session tells the client what the contact may do, in words.
    const session = JSON.parse((await call(arcus.url, contact, 'GET', '/api/session')).text.slice(1)) as { user: { roleName: string; permissions: string[] } };
    expect(session.user.roleName).toBe('Client contact');
    expect(session.user.permissions).toEqual(['organisation.read', 'client.approve', 'client.view', 'commissions.approve']);
  }, 120_000);
});
