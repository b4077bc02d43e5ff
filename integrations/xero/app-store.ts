/**
 * The Xero App Store API (xero-app-store.yaml, https://api.xero.com/appstore/2.0): a firm that
 * bought Arcus in the Xero App Store has a subscription; Arcus reads it and reports metered usage.
 *
 * Authentication is the app's own client-credentials grant (`POST /connect/token`,
 * grant_type=client_credentials, scope marketplace.billing, HTTP Basic with the app's id and
 * secret) — no organisation, no refresh token. The token is cached until a minute before it
 * expires, one request at a time; a 401 from the API drops it and the call is tried once more.
 *
 * Endpoints come from config like every other Xero endpoint: the sandbox ledger's
 * `/xero/connect/token` and `/xero/appstore/2.0`, or Xero's own hosts.
 */
import { z } from 'zod';
import { classifyHttp, LedgerError } from '../ledger/errors';
import { ledgerFetch, tokenRequest } from '../ledger/oauth-http';

export const APP_STORE_SCOPE = 'marketplace.billing';

export interface AppStoreEndpoints {
  tokenUrl: string;
  /** …/appstore/2.0 */
  apiBaseUrl: string;
}

export function appStoreEndpoints(sandboxBaseUrl: string | null): AppStoreEndpoints {
  if (sandboxBaseUrl) {
    const b = sandboxBaseUrl.replace(/\/+$/, '');
    return { tokenUrl: `${b}/xero/connect/token`, apiBaseUrl: `${b}/xero/appstore/2.0` };
  }
  return { tokenUrl: 'https://identity.xero.com/connect/token', apiBaseUrl: 'https://api.xero.com/appstore/2.0' };
}

/**
 * Xero writes date-times without a zone ("2021-07-20T03:13:48"): they are UTC. Returns epoch ms,
 * or null for what is not a date-time.
 */
export function parseXeroDateTime(value: string | null | undefined): number | null {
  if (!value) return null;
  const withZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  return Number.isFinite(ms) ? ms : null;
}

/** Xero's own format for a UTC instant: no zone designator, whole seconds. */
export function xeroDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

const dateTime = z.string().refine((v) => parseXeroDateTime(v) !== null, 'must be a date-time');

export const SubscriptionItemSchema = z.object({
  id: z.string().min(1),
  startDate: dateTime,
  endDate: dateTime.nullish(),
  testMode: z.boolean().optional(),
  quantity: z.number().int().nullish(),
  status: z.string().optional(),
  price: z.object({ id: z.string().min(1), amount: z.number(), currency: z.string() }),
  product: z.object({
    id: z.string().min(1),
    name: z.string().optional(),
    type: z.string().optional(),
    usageUnit: z.string().optional(),
    seatUnit: z.string().optional(),
  }),
});

export const PlanSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: z.string(),
  subscriptionItems: z.array(SubscriptionItemSchema),
});

export const SubscriptionSchema = z.object({
  id: z.string().min(1),
  organisationId: z.string().min(1),
  status: z.string().min(1),
  startDate: dateTime,
  currentPeriodEnd: dateTime,
  endDate: dateTime.nullish(),
  testMode: z.boolean().optional(),
  plans: z.array(PlanSchema),
});

export type AppStoreSubscription = z.infer<typeof SubscriptionSchema>;
export type AppStoreSubscriptionItem = z.infer<typeof SubscriptionItemSchema>;

export const UsageRecordSchema = z.object({
  usageRecordId: z.string().min(1),
  subscriptionId: z.string().min(1),
  subscriptionItemId: z.string().min(1),
  productId: z.string().min(1),
  pricePerUnit: z.number(),
  quantity: z.number().int(),
  testMode: z.boolean(),
  recordedAt: dateTime,
});

export type AppStoreUsageRecord = z.infer<typeof UsageRecordSchema>;

export interface AppStoreClientConfig extends AppStoreEndpoints {
  clientId: string;
  clientSecret: string;
  now?: () => number;
}

export interface AppStoreClient {
  /** GET /subscriptions/{id}; LedgerError('not_found') when Xero has no such subscription. */
  getSubscription(subscriptionId: string): Promise<AppStoreSubscription>;
  /** POST /subscriptions/{id}/items/{itemId}/usage-records with an Idempotency-Key (max 128 characters). */
  postUsageRecord(subscriptionId: string, itemId: string, record: { quantity: number; timestamp: string }, idempotencyKey: string): Promise<AppStoreUsageRecord>;
}

const REFRESH_MARGIN_MS = 60_000;

export function createAppStoreClient(config: AppStoreClientConfig): AppStoreClient {
  const now = config.now ?? Date.now;
  let cached: { token: string; expiresAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  const fetchToken = async (): Promise<string> => {
    const body = await tokenRequest(config.tokenUrl, { clientId: config.clientId, clientSecret: config.clientSecret }, { grant_type: 'client_credentials', scope: APP_STORE_SCOPE }, 'Getting a Xero App Store token');
    const token = typeof body['access_token'] === 'string' ? body['access_token'] : '';
    const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : Number(body['expires_in'] ?? 0);
    if (!token || !Number.isFinite(expiresIn) || expiresIn <= 0) throw new LedgerError('validation', 'Getting a Xero App Store token: the answer carried no usable token');
    cached = { token, expiresAt: now() + expiresIn * 1000 };
    return token;
  };

  const token = (): Promise<string> => {
    if (cached && cached.expiresAt - REFRESH_MARGIN_MS > now()) return Promise.resolve(cached.token);
    inFlight ??= fetchToken().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const call = async <T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, what: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const bearer = await token();
      const res = await ledgerFetch(
        `${config.apiBaseUrl}${path}`,
        {
          method,
          headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json', ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        },
        what,
      );
      if (res.status === 401 && attempt === 1) {
        // The token was revoked or expired early: get a new one, once.
        await res.arrayBuffer().catch(() => undefined);
        cached = null;
        continue;
      }
      const text = await res.text().catch(() => '');
      if (!res.ok) {
        if (res.status === 404) throw new LedgerError('not_found', `${what}: Xero has no such subscription`, { status: 404 });
        throw classifyHttp(res.status, res.headers, `${what} was refused (${res.status})`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new LedgerError('validation', `${what}: the answer is not JSON`, { status: res.status });
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new LedgerError('validation', `${what}: the answer is not shaped as the App Store API says (${parsed.error.issues[0]?.path.join('.') ?? ''})`, { status: res.status });
      return parsed.data;
    }
  };

  const seg = (s: string) => encodeURIComponent(s);

  return {
    getSubscription: (subscriptionId) => call('GET', `/subscriptions/${seg(subscriptionId)}`, SubscriptionSchema, 'Reading a Xero App Store subscription'),
    postUsageRecord: (subscriptionId, itemId, record, idempotencyKey) => {
      if (idempotencyKey.length > 128) throw new RangeError('Idempotency-Key is at most 128 characters');
      return call('POST', `/subscriptions/${seg(subscriptionId)}/items/${seg(itemId)}/usage-records`, UsageRecordSchema, 'Reporting usage to the Xero App Store', {
        body: { quantity: record.quantity, timestamp: record.timestamp },
        headers: { 'Idempotency-Key': idempotencyKey },
      });
    },
  };
}
