/**
 * The CallGate a sync hands to the ledger client: every API call first takes a slot from the
 * tenant's rate limiter. Short waits (≤ maxWaitMs, 2 s) are waited out; a longer one means the
 * run should come back later, so it surfaces as LedgerError('rate_limited') with the wait as
 * retryAfterMs and the sync defers through the queue instead of sleeping in the job. Each
 * response's Retry-After and X-MinLimit-Remaining / X-DayLimit-Remaining go back to the limiter.
 */
import { LedgerError } from '../../integrations/ledger/errors';
import type { CallGate } from '../../integrations/ledger/provider';
import type { ProviderSignal, RateLimiter, TenantKey } from './rate-limit';

export const MAX_INLINE_WAIT_MS = 2_000;
/** A 429 without Retry-After (QuickBooks never sends one) backs off this long. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function intHeader(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** What a response says about the tenant's budget. */
export function signalFrom(outcome: { status: number; headers: { get(name: string): string | null } }): ProviderSignal {
  const signal: ProviderSignal = {};
  const retryAfter = intHeader(outcome.headers.get('retry-after'));
  if (outcome.status === 429) signal.retryAfterMs = retryAfter !== undefined ? retryAfter * 1000 : DEFAULT_RETRY_AFTER_MS;
  else if (outcome.status === 503 && retryAfter !== undefined) signal.retryAfterMs = retryAfter * 1000;
  const minute = intHeader(outcome.headers.get('x-minlimit-remaining'));
  const day = intHeader(outcome.headers.get('x-daylimit-remaining'));
  if (minute !== undefined) signal.minuteRemaining = minute;
  if (day !== undefined) signal.dayRemaining = day;
  return signal;
}

export function limiterGate(limiter: RateLimiter, key: TenantKey, options: { maxWaitMs?: number; onWait?: (ms: number, reason: string) => void } = {}): CallGate {
  const maxWait = options.maxWaitMs ?? MAX_INLINE_WAIT_MS;
  return {
    async acquire() {
      let waited = 0;
      for (;;) {
        const a = await limiter.acquire(key);
        if ('release' in a) {
          return async (outcome) => {
            a.release();
            const signal = signalFrom(outcome);
            if (Object.keys(signal).length > 0) await limiter.observe(key, signal).catch(() => undefined);
          };
        }
        if (a.waitMs > maxWait || waited + a.waitMs > maxWait) {
          throw new LedgerError('rate_limited', `The ${key.provider === 'xero' ? 'Xero' : 'QuickBooks'} ${a.reason === 'retry-after' ? 'Retry-After' : `${a.reason} limit`} for this organisation is used up; resuming in ${Math.ceil(a.waitMs / 1000)} s`, {
            retryAfterMs: Math.max(a.waitMs, 1000),
            problem: a.reason,
          });
        }
        options.onWait?.(a.waitMs, a.reason);
        await sleep(a.waitMs);
        waited += a.waitMs;
      }
    },
  };
}
