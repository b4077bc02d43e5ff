/**
 * Builds the provider clients from config: endpoints (the sandbox ledger or the real hosts —
 * one code path), OAuth clients when credentials exist (with a sandbox and no credentials, the
 * fixed sandbox client id), one API client per connection, and the call runners: every one
 * is gated by the process's per-tenant rate limiter (given, or one in memory).
 */
import { CallRunner, DEFAULT_CALL_TIMEOUT_MS } from './call';
import { limiterGate } from './gate';
import { MemoryRateLimiter, type RateLimiter } from './rate-limit';
import { createIntuitOAuth } from '../quickbooks/oauth';
import { QboApi } from '../quickbooks/api';
import { XeroApi } from '../xero/api';
import { createXeroOAuth } from '../xero/oauth';
import { endpointsFor, type ProviderEndpoints } from './endpoints';
import type { LedgerApi, LedgerFactory, LedgerOAuth, RunnerOptions } from './provider';
import type { Provider } from './types';

/** The client the sandbox ledger accepts when Arcus has no real credentials configured. */
export const SANDBOX_CLIENT = { clientId: 'arcus-sandbox', clientSecret: 'arcus-sandbox-secret' } as const;

export interface LedgerFactoryConfig {
  /** The sandbox ledger's base URL (e.g. http://127.0.0.1:4010), or null for the real providers. */
  sandboxBaseUrl: string | null;
  xero: { clientId: string; clientSecret: string } | null;
  intuit: { clientId: string; clientSecret: string } | null;
  /** Clock for token expiry and id_token checks, and QuickBooks' CDC window (tests move it). */
  now?: () => number;
  /** Per-call deadline for ledger API calls. */
  timeoutMs?: number;
  /** Page size for incremental reads (default: each provider's maximum, 1000). Tests use small pages. */
  pageSize?: number;
  /**
   * The process's per-tenant limiter (Redis-backed across processes: createRateLimiter). Default:
   * one in memory on `now`, for a process that is the only one calling these tenants.
   */
  limiter?: RateLimiter;
  /** Wait `ms` on the limiter's clock (default real time; tests running an accelerated clock). */
  sleep?: (ms: number) => Promise<void>;
}

export function createLedgerFactory(config: LedgerFactoryConfig): LedgerFactory {
  const endpoints = new Map<Provider, ProviderEndpoints>();
  const endpointsOf = (provider: Provider): ProviderEndpoints => {
    let e = endpoints.get(provider);
    if (!e) {
      e = endpointsFor(provider, config.sandboxBaseUrl);
      endpoints.set(provider, e);
    }
    return e;
  };
  const credentials = (provider: Provider): { clientId: string; clientSecret: string } | null => {
    const configured = provider === 'xero' ? config.xero : config.intuit;
    if (configured) return configured;
    return config.sandboxBaseUrl ? SANDBOX_CLIENT : null;
  };
  const oauthClients = new Map<Provider, LedgerOAuth | null>();
  const limiter = config.limiter ?? new MemoryRateLimiter({ now: config.now });
  const runner = (provider: Provider, tenantId: string, options: RunnerOptions = {}): CallRunner =>
    new CallRunner(
      limiterGate(limiter, { provider, tenantId }, { priority: options.priority, maxWaitMs: options.maxWaitMs, now: config.now, sleep: config.sleep }),
      options.timeoutMs ?? config.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    );

  return {
    endpoints: endpointsOf,
    limiter,
    runner,

    oauth(provider: Provider): LedgerOAuth | null {
      if (oauthClients.has(provider)) return oauthClients.get(provider) ?? null;
      const creds = credentials(provider);
      let client: LedgerOAuth | null = null;
      if (creds) {
        const cfg = { ...creds, endpoints: endpointsOf(provider), now: config.now };
        switch (provider) {
          case 'xero':
            client = createXeroOAuth(cfg);
            break;
          case 'quickbooks':
            client = createIntuitOAuth(cfg);
            break;
          default: {
            const never: never = provider;
            throw new Error(`unknown provider ${String(never)}`);
          }
        }
      }
      oauthClients.set(provider, client);
      return client;
    },

    api(provider, params): LedgerApi {
      const calls = params.runner ?? runner(provider, params.tenantId);
      switch (provider) {
        case 'xero':
          return new XeroApi({ endpoints: endpointsOf('xero'), accessToken: params.accessToken, tenantId: params.tenantId, runner: calls, pageSize: config.pageSize });
        case 'quickbooks': {
          const creds = credentials('quickbooks') ?? SANDBOX_CLIENT;
          return new QboApi({
            endpoints: endpointsOf('quickbooks'),
            clientId: creds.clientId,
            clientSecret: creds.clientSecret,
            accessToken: params.accessToken,
            realmId: params.tenantId,
            runner: calls,
            pageSize: config.pageSize,
            now: config.now,
          });
        }
        default: {
          const never: never = provider;
          throw new Error(`unknown provider ${String(never)}`);
        }
      }
    },
  };
}
