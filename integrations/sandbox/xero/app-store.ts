/**
 * The Xero App Store imitation (xero-app-store.yaml): subscriptions the sandbox holds, the API
 * Arcus reads them through (`/xero/appstore/2.0`, bearer token from the client-credentials grant
 * with `marketplace.billing`), metered usage records (Idempotency-Key honoured), and an admin API
 * (`/admin/appstore`, the sandbox admin token) to create, change, cancel and mark subscriptions
 * past due. Every change sends a signed SUBSCRIPTION webhook to the Xero webhook URL, as Xero
 * does: `tenantType: APPLICATION`, `tenantId` the application, `resourceId` the subscription —
 * it says only *that* something changed; the receiver reads the subscription again.
 *
 * Periods are monthly (30 days here); a period that has ended rolls forward when read.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import type { WebhookDispatcher } from '../webhooks';
import { xeroEventDate } from '../webhooks/payloads';

export const APP_STORE_PERIOD_MS = 30 * 86_400_000;

/** The sandbox's catalogue: the plans Arcus sells in the App Store (names as a subscriber sees them). */
export const SANDBOX_PLANS: Record<string, { amount: number; currency: string }> = {
  Starter: { amount: 49, currency: 'AUD' },
  Practice: { amount: 149, currency: 'AUD' },
  Unlimited: { amount: 399, currency: 'AUD' },
};
const METERED_PRICE = { amount: 2, currency: 'AUD' };

export type SbSubscriptionStatus = 'ACTIVE' | 'CANCELED' | 'PAST_DUE';

interface SbItem {
  id: string;
  productId: string;
  productName: string;
  type: 'FIXED' | 'METERED';
  priceId: string;
  amount: number;
  currency: string;
  startDate: number;
}

export interface SbSubscription {
  id: string;
  organisationId: string;
  status: SbSubscriptionStatus;
  startDate: number;
  currentPeriodEnd: number;
  endDate: number | null;
  planId: string;
  planName: string;
  fixed: SbItem;
  metered: SbItem | null;
}

export interface SbUsageRecord {
  usageRecordId: string;
  subscriptionId: string;
  subscriptionItemId: string;
  productId: string;
  pricePerUnit: number;
  quantity: number;
  testMode: boolean;
  recordedAt: string;
  /** When the consumption happened (the request's `timestamp`). */
  timestamp: string;
}

/** Xero writes UTC date-times without a zone and without fractions. */
function dt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function item(productName: string, type: SbItem['type'], price: { amount: number; currency: string }, startDate: number): SbItem {
  return { id: randomUUID(), productId: randomUUID(), productName, type, priceId: randomUUID(), ...price, startDate };
}

export class SandboxAppStore {
  readonly subscriptions = new Map<string, SbSubscription>();
  readonly usageRecords: SbUsageRecord[] = [];
  /** The application's id: Xero's `tenantId` on subscription events. */
  readonly applicationId = randomUUID();
  private readonly idempotent = new Map<string, SbUsageRecord>();
  private readonly lastEvent = new Map<string, object>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  private now(): number {
    return this.ctx.store.clock.peek();
  }

  private rolled(s: SbSubscription): SbSubscription {
    const t = this.now();
    while (s.status !== 'CANCELED' && s.currentPeriodEnd <= t) s.currentPeriodEnd += APP_STORE_PERIOD_MS;
    return s;
  }

  get(id: string): SbSubscription | null {
    const s = this.subscriptions.get(id);
    return s ? this.rolled(s) : null;
  }

  /** The subscription as the API returns it (the spec's Subscription schema). */
  view(s: SbSubscription): Record<string, unknown> {
    const itemView = (i: SbItem) => ({
      id: i.id,
      startDate: dt(i.startDate),
      ...(s.endDate !== null ? { endDate: dt(s.endDate) } : {}),
      testMode: true,
      quantity: i.type === 'METERED' ? null : 1,
      status: s.status === 'CANCELED' ? 'CANCELED' : 'ACTIVE',
      price: { id: i.priceId, amount: i.amount, currency: i.currency },
      product: { id: i.productId, name: i.productName, type: i.type, ...(i.type === 'METERED' ? { usageUnit: 'organisation' } : {}) },
    });
    return {
      id: s.id,
      organisationId: s.organisationId,
      status: s.status,
      startDate: dt(s.startDate),
      currentPeriodEnd: dt(s.currentPeriodEnd),
      ...(s.endDate !== null ? { endDate: dt(s.endDate) } : {}),
      testMode: true,
      plans: [
        {
          id: s.planId,
          name: s.planName,
          status: s.status === 'CANCELED' ? 'CANCELED' : 'ACTIVE',
          subscriptionItems: [s.fixed, ...(s.metered ? [s.metered] : [])].map(itemView),
        },
      ],
    };
  }

  create(p: { organisationId: string; plan: string; metered: boolean; currentPeriodEnd?: number }): SbSubscription {
    const t = this.now();
    const price = SANDBOX_PLANS[p.plan] ?? { amount: 10, currency: 'AUD' };
    const s: SbSubscription = {
      id: randomUUID(),
      organisationId: p.organisationId,
      status: 'ACTIVE',
      startDate: t,
      currentPeriodEnd: p.currentPeriodEnd ?? t + APP_STORE_PERIOD_MS,
      endDate: null,
      planId: randomUUID(),
      planName: p.plan,
      fixed: item(p.plan, 'FIXED', price, t),
      metered: p.metered ? item('Active client organisations', 'METERED', METERED_PRICE, t) : null,
    };
    this.subscriptions.set(s.id, s);
    return s;
  }

  require(id: string): SbSubscription {
    const s = this.get(id);
    if (!s) throw new AppStoreAdminError(404, 'not_found', `No subscription ${id}`);
    return s;
  }

  changePlan(id: string, plan: string): SbSubscription {
    const s = this.require(id);
    const price = SANDBOX_PLANS[plan] ?? { amount: 10, currency: 'AUD' };
    s.planId = randomUUID();
    s.planName = plan;
    s.fixed = item(plan, 'FIXED', price, this.now());
    return s;
  }

  setStatus(id: string, status: SbSubscriptionStatus, endDate?: number): SbSubscription {
    const s = this.require(id);
    s.status = status;
    s.endDate = status === 'CANCELED' ? (endDate ?? s.currentPeriodEnd) : null;
    return s;
  }

  /** Record usage once per Idempotency-Key (the same key answers the same record). */
  recordUsage(s: SbSubscription, itemId: string, body: { quantity: number; timestamp: string }, key: string | null): SbUsageRecord | null {
    const it = s.metered && s.metered.id === itemId ? s.metered : null;
    if (!it) return null;
    const scope = key ? `${s.id}\u0000${itemId}\u0000${key}` : null;
    const seen = scope ? this.idempotent.get(scope) : undefined;
    if (seen) return seen;
    const record: SbUsageRecord = {
      usageRecordId: randomUUID(),
      subscriptionId: s.id,
      subscriptionItemId: it.id,
      productId: it.productId,
      pricePerUnit: it.amount,
      quantity: body.quantity,
      testMode: true,
      recordedAt: dt(this.now()),
      timestamp: body.timestamp,
    };
    this.usageRecords.push(record);
    if (scope) this.idempotent.set(scope, record);
    return record;
  }

  /** Send the SUBSCRIPTION event for a change (and remember it, so it can be delivered again). */
  async notify(s: SbSubscription, eventType: 'CREATE' | 'UPDATE') {
    const event = {
      resourceUrl: `${this.ctx.options.baseUrl}/xero/appstore/2.0/subscriptions/${s.id}`,
      resourceId: s.id,
      eventDateUtc: xeroEventDate(this.ctx.store.clock.now()),
      eventType,
      eventCategory: 'SUBSCRIPTION',
      tenantId: this.applicationId,
      tenantType: 'APPLICATION',
    };
    this.lastEvent.set(s.id, event);
    return this.webhooks.deliverXeroEvents([event]);
  }

  /** Xero delivering the same event again (a retry after a lost answer). */
  redeliver(id: string) {
    const event = this.lastEvent.get(id);
    if (!event) throw new AppStoreAdminError(404, 'not_found', `No event was sent for subscription ${id}`);
    return this.webhooks.deliverXeroEvents([event]);
  }
}

export class AppStoreAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const problem = (res: express.Response, status: number, title: string, detail: string) => res.status(status).type('application/problem+json').json({ type: 'about:blank', title, status, detail });

const CreateUsageRecord = z.object({
  quantity: z.number().int().min(0).max(2_147_483_647),
  timestamp: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/),
});

/** The API, mounted at /xero/appstore/2.0. */
export function appStoreApiRouter(ctx: SandboxContext, appStore: SandboxAppStore): express.Router {
  const router = express.Router();
  router.use((req, res, next) => {
    const grant = ctx.grants.authenticate('xero', req.headers.authorization);
    if (!grant) return problem(res, 401, 'Unauthorized', 'A bearer token from the client-credentials grant is required');
    if (!grant.scopes.includes('marketplace.billing') || grant.companyIds.length > 0) return problem(res, 403, 'Forbidden', 'The token does not carry marketplace.billing');
    next();
  });
  router.use(express.json({ limit: '64kb' }));
  router.get('/subscriptions/:id', (req, res) => {
    const s = appStore.get(req.params.id);
    if (!s) return problem(res, 404, 'Not Found', 'Subscription not found');
    res.json(appStore.view(s));
  });
  router.get('/subscriptions/:id/usage-records', (req, res) => {
    const s = appStore.get(req.params.id);
    if (!s) return problem(res, 404, 'Not Found', 'Subscription not found');
    res.json({ usageRecords: appStore.usageRecords.filter((r) => r.subscriptionId === s.id).map(({ timestamp: _t, ...r }) => r) });
  });
  router.post('/subscriptions/:id/items/:itemId/usage-records', (req, res) => {
    const s = appStore.get(req.params.id);
    if (!s) return problem(res, 404, 'Not Found', 'Subscription not found');
    const key = req.get('idempotency-key') ?? null;
    if (key !== null && (key.length === 0 || key.length > 128)) return problem(res, 400, 'Bad Request', 'Idempotency-Key must be 1 to 128 characters');
    const body = CreateUsageRecord.safeParse(req.body);
    if (!body.success) return problem(res, 400, 'Bad Request', 'quantity must be a whole number of at least 0 and timestamp a date-time');
    const record = appStore.recordUsage(s, req.params.itemId, body.data, key);
    if (!record) return problem(res, 404, 'Not Found', 'Subscription item not found or not metered');
    const { timestamp: _t, ...view } = record;
    res.json(view);
  });
  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return problem(res, status, 'Bad Request', 'The request body could not be read');
    next(err);
  });
  return router;
}

const instant = z.string().refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 instant');
const adminSchemas = {
  create: z.object({ organisationId: z.string().min(1).max(100), plan: z.string().min(1).max(100), metered: z.boolean().default(true), currentPeriodEnd: instant.optional() }),
  plan: z.object({ plan: z.string().min(1).max(100) }),
  cancel: z.object({ endDate: instant.optional() }),
};

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new AppStoreAdminError(400, 'validation', r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  return r.data;
}

/** The admin API, mounted at /admin/appstore (before the general admin router). */
export function appStoreAdminRouter(ctx: SandboxContext, appStore: SandboxAppStore): express.Router {
  const router = express.Router();
  router.use((req, _res, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m?.[1] ?? '');
    const expected = Buffer.from(ctx.options.adminToken);
    if (!m || given.length !== expected.length || !timingSafeEqual(given, expected)) return next(new AppStoreAdminError(401, 'unauthorized', 'The admin API needs Authorization: Bearer <admin token>'));
    next();
  });
  router.use(express.json({ limit: '64kb' }));

  const answer = async (res: express.Response, status: number, s: SbSubscription, eventType: 'CREATE' | 'UPDATE') => {
    const delivery = await appStore.notify(s, eventType);
    res.status(status).json({ subscription: appStore.view(s), delivery: delivery && { id: delivery.id, state: delivery.state, status: delivery.attempts[0]?.status ?? null } });
  };
  const wrap = (fn: (req: express.Request, res: express.Response) => Promise<void> | void): express.RequestHandler => (req, res, next) => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch(next);
  };

  router.get('/subscriptions', (_req, res) => {
    res.json({ applicationId: appStore.applicationId, subscriptions: [...appStore.subscriptions.keys()].map((id) => appStore.view(appStore.require(id))) });
  });
  router.post(
    '/subscriptions',
    wrap(async (req, res) => {
      const b = parse(adminSchemas.create, req.body);
      const s = appStore.create({ organisationId: b.organisationId, plan: b.plan, metered: b.metered, currentPeriodEnd: b.currentPeriodEnd ? Date.parse(b.currentPeriodEnd) : undefined });
      await answer(res, 201, s, 'CREATE');
    }),
  );
  router.get('/subscriptions/:id', (req, res) => {
    res.json(appStore.view(appStore.require(req.params.id)));
  });
  router.get('/subscriptions/:id/usage-records', (req, res) => {
    const s = appStore.require(req.params.id);
    res.json({ usageRecords: appStore.usageRecords.filter((r) => r.subscriptionId === s.id) });
  });
  router.post(
    '/subscriptions/:id/plan',
    wrap(async (req, res) => {
      await answer(res, 200, appStore.changePlan(req.params.id as string, parse(adminSchemas.plan, req.body).plan), 'UPDATE');
    }),
  );
  router.post(
    '/subscriptions/:id/cancel',
    wrap(async (req, res) => {
      const b = parse(adminSchemas.cancel, req.body);
      await answer(res, 200, appStore.setStatus(req.params.id as string, 'CANCELED', b.endDate ? Date.parse(b.endDate) : undefined), 'UPDATE');
    }),
  );
  router.post(
    '/subscriptions/:id/past-due',
    wrap(async (req, res) => {
      await answer(res, 200, appStore.setStatus(req.params.id as string, 'PAST_DUE'), 'UPDATE');
    }),
  );
  router.post(
    '/subscriptions/:id/reactivate',
    wrap(async (req, res) => {
      await answer(res, 200, appStore.setStatus(req.params.id as string, 'ACTIVE'), 'UPDATE');
    }),
  );
  router.post(
    '/subscriptions/:id/redeliver',
    wrap(async (req, res) => {
      appStore.require(req.params.id as string);
      const delivery = await appStore.redeliver(req.params.id as string);
      res.json({ delivery: delivery && { id: delivery.id, state: delivery.state, status: delivery.attempts[0]?.status ?? null } });
    }),
  );
  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (err instanceof AppStoreAdminError) return res.status(err.status).json({ error: { code: err.code, message: err.message } });
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return res.status(status).json({ error: { code: 'bad_request', message: 'The request body could not be read' } });
    next(err);
  });
  return router;
}
