/**
 * The App Store client against the sandbox over HTTP: the client-credentials token is cached,
 * renewed before it expires and after a 401, and answers are read as the spec shapes them
 * (xero-app-store.yaml: Subscription, UsageRecord); an unknown subscription is `not_found`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describe } from 'vitest';
import { LedgerError } from '../../integrations/ledger/errors';
import { type SandboxServer, startSandbox } from '../../integrations/sandbox/server';
import { appStoreEndpoints, createAppStoreClient, parseXeroDateTime } from '../../integrations/xero/app-store';

describe('Xero App Store client (sandbox over HTTP)', () => {
  let server: SandboxServer;
  let t = Date.parse('2027-05-01T00:00:00Z');
  const client = { clientId: 'arcus-app', clientSecret: 'arcus-app-secret' };
  const appTokens = () => server.sandbox.ctx.grants.all().filter((g) => g.userSub === `app:${client.clientId}`);

  beforeAll(async () => {
    server = await startSandbox({ port: 0, demo: false, now: () => t, ...client, log: () => {} });
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const make = (secret = client.clientSecret) => createAppStoreClient({ ...appStoreEndpoints(server.url), clientId: client.clientId, clientSecret: secret, now: () => t });

  it('reads a subscription with one cached token, renews it before expiry and after a 401', async () => {
    const s = server.sandbox.appStore.create({ organisationId: 'b1f3ad12-0d6c-4c55-9d0c-5d8a0f7e2c11', plan: 'Practice', metered: true });
    const api = make();
    const before = appTokens().length;
    const a = await api.getSubscription(s.id);
    await api.getSubscription(s.id);
    expect(appTokens().length).toBe(before + 1);
    expect(a).toMatchObject({ id: s.id, organisationId: 'b1f3ad12-0d6c-4c55-9d0c-5d8a0f7e2c11', status: 'ACTIVE', plans: [{ name: 'Practice', status: 'ACTIVE' }] });
    expect(a.currentPeriodEnd).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(parseXeroDateTime(a.currentPeriodEnd)).toBe(Math.floor((t + 30 * 86_400_000) / 1000) * 1000);
    expect(a.plans[0]!.subscriptionItems.map((i) => i.product.type).sort()).toEqual(['FIXED', 'METERED']);

    t += 29 * 60_000 + 30_000; // within a minute of the 30-minute expiry: renewed first
    await api.getSubscription(s.id);
    expect(appTokens().length).toBe(before + 2);

    for (const g of appTokens()) server.sandbox.ctx.grants.revoke(g.accessToken);
    expect((await api.getSubscription(s.id)).id).toBe(s.id);
    expect(appTokens().length).toBe(1);
  });

  it('posts a usage record shaped as the spec says; the same Idempotency-Key records once', async () => {
    const s = server.sandbox.appStore.create({ organisationId: 'c2f3ad12-0d6c-4c55-9d0c-5d8a0f7e2c12', plan: 'Starter', metered: true });
    const api = make();
    const first = await api.postUsageRecord(s.id, s.metered!.id, { quantity: 7, timestamp: '2027-05-01T00:00:00' }, 'key-1');
    const again = await api.postUsageRecord(s.id, s.metered!.id, { quantity: 7, timestamp: '2027-05-01T00:00:00' }, 'key-1');
    expect(again).toEqual(first);
    expect(first).toMatchObject({ subscriptionId: s.id, subscriptionItemId: s.metered!.id, quantity: 7, testMode: true, pricePerUnit: 2 });
    expect(server.sandbox.appStore.usageRecords.filter((r) => r.subscriptionId === s.id)).toHaveLength(1);
  });

  it('an unknown subscription is not_found; a wrong secret gets no token', async () => {
    await expect(make().getSubscription('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
    const wrong = make('not-the-secret');
    await expect(wrong.getSubscription('00000000-0000-0000-0000-000000000000')).rejects.toBeInstanceOf(LedgerError);
  });
});
