/**
 * Access and limits on the sandbox Xero API: 401 (missing, unknown, expired token), 403 (tenant
 * not in the grant), Xero's rate limits with their headers, and injected faults.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { validateRecorded } from './xero-contract';
import { addXeroCompany, startXeroFixture, type XeroFixture } from './xero-fixture';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const opened: XeroFixture[] = [];
let checked = 0;

async function fixture(opts: { realLimits?: boolean } = {}): Promise<XeroFixture> {
  const fx = await startXeroFixture(opts);
  opened.push(fx);
  return fx;
}

afterEach(async () => {
  for (const fx of opened.splice(0)) {
    const result = validateRecorded(fx.recorded);
    checked += result.checked;
    await fx.close();
    expect(result.failures).toEqual([]);
  }
});

afterAll(() => {
  console.info(`[xero contract] xero-limits: validated ${checked} responses`);
});

describe('authentication and tenants', () => {
  it('401 with Xero problem details for a missing, unknown or expired token', async () => {
    const fx = await fixture();
    for (const token of [null, 'not-a-real-token']) {
      const r = await fx.call('GET', '/Invoices', { token });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ Type: null, Title: 'Unauthorized', Status: 401, Detail: 'AuthenticationUnsuccessful', Instance: expect.stringMatching(GUID), Extensions: {} });
    }
    expect((await fx.call('GET', '/Organisation')).status).toBe(200);
    fx.store.clock.advance(31 * 60_000);
    const expired = await fx.call('GET', '/Organisation');
    expect(expired.status).toBe(401);
    expect(expired.body.Detail).toBe('AuthenticationUnsuccessful');
    // A refreshed grant works again.
    const fresh = fx.ctx.grants.refresh('xero', 'c', fx.grant.refreshToken)!;
    expect((await fx.call('GET', '/Organisation', { token: fresh.accessToken })).status).toBe(200);
  });

  it('a QuickBooks token is not a Xero token', async () => {
    const fx = await fixture();
    const qbo = fx.ctx.grants.issue('quickbooks', { clientId: 'c', companyIds: [fx.company.id], scopes: [], userSub: 'u' });
    expect((await fx.call('GET', '/Organisation', { token: qbo.accessToken })).status).toBe(401);
  });

  it('403 AuthorizationUnsuccessful for a tenant outside the grant, or no tenant', async () => {
    const fx = await fixture();
    const other = addXeroCompany(fx.store, { name: 'Someone Else Ltd' });
    for (const tenant of [other.id, null, 'not-a-tenant', crypto.randomUUID()]) {
      const r = await fx.call('GET', '/Invoices', { tenant });
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ Type: null, Title: 'Forbidden', Status: 403, Detail: 'AuthorizationUnsuccessful', Instance: expect.stringMatching(GUID), Extensions: {} });
    }
    // Writes too, and nothing is written.
    const put = await fx.call('PUT', '/Invoices', { tenant: other.id, body: { Type: 'ACCREC', Contact: { Name: 'X' }, LineItems: [{ Description: 'x', UnitAmount: 1 }] } });
    expect(put.status).toBe(403);
    expect(fx.store.list('invoices', other.id)).toEqual([]);
    // The tenant header is case-insensitive, like Xero's GUIDs.
    expect((await fx.call('GET', '/Organisation', { tenant: fx.company.id.toUpperCase() })).status).toBe(200);
  });
});

describe('rate limits', () => {
  it('counts down the remaining headers and answers the 61st call in a minute with 429 minute', async () => {
    const fx = await fixture({ realLimits: true });
    const minutes: number[] = [];
    const days: number[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await fx.call('GET', i % 2 ? '/Organisation' : '/Invoices?page=1');
      expect(r.status).toBe(200);
      minutes.push(Number(r.headers.get('X-MinLimit-Remaining')));
      days.push(Number(r.headers.get('X-DayLimit-Remaining')));
      expect(Number(r.headers.get('X-AppMinLimit-Remaining'))).toBe(9_999 - i);
    }
    expect(minutes.slice(0, 3)).toEqual([59, 58, 57]);
    expect(minutes.at(-1)).toBe(0);
    expect(days.slice(0, 2)).toEqual([4_999, 4_998]);
    const limited = await fx.call('GET', '/Organisation');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('X-Rate-Limit-Problem')).toBe('minute');
    const retry = Number(limited.headers.get('Retry-After'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(limited.headers.get('X-MinLimit-Remaining')).toBe('0');
    expect(limited.body).toMatchObject({ Status: 429, Title: 'Too Many Requests' });
    // Writes are limited too, and a limited write changes nothing.
    const before = fx.store.invoices.size;
    const put = await fx.call('PUT', '/Invoices', { body: { Type: 'ACCREC', Contact: { Name: 'X' }, LineItems: [{ Description: 'x', UnitAmount: 1 }] } });
    expect(put.status).toBe(429);
    expect(fx.store.invoices.size).toBe(before);
    // A minute later the window has moved on.
    fx.store.clock.advance(61_000);
    const later = await fx.call('GET', '/Organisation');
    expect(later.status).toBe(200);
    expect(later.headers.get('X-MinLimit-Remaining')).toBe('59');
  });

  it('limits are per tenant', async () => {
    const fx = await fixture({ realLimits: true });
    const second = addXeroCompany(fx.store, { name: 'Second Org' });
    fx.grant.companyIds.push(second.id);
    for (let i = 0; i < 60; i++) expect((await fx.call('GET', '/Organisation')).status).toBe(200);
    expect((await fx.call('GET', '/Organisation')).status).toBe(429);
    const other = await fx.call('GET', '/Organisation', { tenant: second.id });
    expect(other.status).toBe(200);
    expect(other.headers.get('X-MinLimit-Remaining')).toBe('59');
  });

  it('a sixth concurrent call gets 429 concurrent; slots free up when responses finish', async () => {
    const fx = await fixture({ realLimits: true });
    fx.ctx.faults.add({ provider: 'xero', companyId: fx.company.id, kind: 'slow', remaining: 5, delayMs: 400, status: 200 });
    const results = await Promise.all(Array.from({ length: 6 }, () => fx.call('GET', '/Organisation')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = results.find((r) => r.status === 429)!;
    expect(limited.headers.get('X-Rate-Limit-Problem')).toBe('concurrent');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    const after = await Promise.all(Array.from({ length: 5 }, () => fx.call('GET', '/Organisation')));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('injected faults', () => {
  it('429 fault: Retry-After and X-Rate-Limit-Problem, then normal service', async () => {
    const fx = await fixture();
    fx.ctx.faults.add({ provider: 'xero', companyId: fx.company.id, kind: '429', remaining: 1, delayMs: 5_000, status: 429 });
    const r = await fx.call('GET', '/Invoices');
    expect(r.status).toBe(429);
    expect(r.headers.get('Retry-After')).toBe('5');
    expect(r.headers.get('X-Rate-Limit-Problem')).toBe('minute');
    expect((await fx.call('GET', '/Invoices')).status).toBe(200);
  });

  it('5xx fault: that status with a Xero-like body; a faulted write writes nothing', async () => {
    const fx = await fixture();
    fx.ctx.faults.add({ provider: 'xero', companyId: null, kind: '5xx', remaining: 2, delayMs: 0, status: 503 });
    const r = await fx.call('GET', '/Organisation');
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({ Status: 503, Title: 'Service Unavailable', Detail: expect.stringMatching(/error occurred in Xero/) });
    const before = fx.store.invoices.size;
    const put = await fx.call('PUT', '/Invoices', { body: { Type: 'ACCREC', Contact: { Name: 'X' }, LineItems: [{ Description: 'x', UnitAmount: 1 }] }, headers: { 'Idempotency-Key': 'retry-me' } });
    expect(put.status).toBe(503);
    expect(fx.store.invoices.size).toBe(before);
    // The retry with the same key is performed, not replayed as a 503.
    const retry = await fx.call('PUT', '/Invoices', { body: { Type: 'ACCREC', Contact: { Name: 'X' }, LineItems: [{ Description: 'x', UnitAmount: 1 }] }, headers: { 'Idempotency-Key': 'retry-me' } });
    expect(retry.status).toBe(200);
    expect(fx.store.invoices.size).toBe(before + 1);
  });

  it('slow fault: served after the delay; faults for other providers or tenants do not apply', async () => {
    const fx = await fixture();
    fx.ctx.faults.add({ provider: 'quickbooks', companyId: null, kind: '5xx', remaining: 5, delayMs: 0, status: 500 });
    fx.ctx.faults.add({ provider: 'xero', companyId: crypto.randomUUID(), kind: '5xx', remaining: 5, delayMs: 0, status: 500 });
    fx.ctx.faults.add({ provider: 'xero', companyId: fx.company.id, kind: 'slow', remaining: 1, delayMs: 250, status: 200 });
    const started = Date.now();
    const r = await fx.call('GET', '/Organisation');
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect((await fx.call('GET', '/Organisation')).status).toBe(200);
  });

  it('rate-limit headers are on every authenticated response, errors included', async () => {
    const fx = await fixture();
    for (const [method, path] of [
      ['GET', '/Invoices?where=nope'],
      ['GET', `/Invoices/${crypto.randomUUID()}`],
      ['GET', '/Unknown'],
    ] as const) {
      const r = await fx.call(method, path);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.headers.get('X-MinLimit-Remaining')).not.toBeNull();
      expect(r.headers.get('X-DayLimit-Remaining')).not.toBeNull();
      expect(r.headers.get('X-AppMinLimit-Remaining')).not.toBeNull();
    }
  });
});
