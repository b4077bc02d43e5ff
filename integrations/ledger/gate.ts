/**
 * The CallGate every ledger call goes through: a slot from the tenant's rate limiter first.
 *
 * Callers of one tenant in this process wait in one line (per limiter and tenant): only the head
 * asks the limiter, so a burst of hundreds of waiting calls is one poll, not hundreds, and they
 * are served in order — sync calls ('high') ahead of background ones (write-backs, notes) — and
 * background calls leave a share of each minute to sync (SYNC_RESERVE, across processes too;
 * half the minute and a concurrent slot while the tenant's sync is running, SYNC_ACTIVE_MS),
 * so a burst cannot starve the organisation's sync. A slot freed in this process wakes the line at
 * once; otherwise it sleeps for the wait the limiter named.
 *
 * A caller waits at most `maxWaitMs` (2 s by default). When its turn cannot come by then, it
 * leaves the line with LedgerError('rate_limited') whose retryAfterMs is the wait plus its place
 * in the line at the provider's pace, so the job is deferred through the queue (a sync run is
 * deferred, a write-back released) instead of sleeping in the job. Each response's Retry-After
 * and X-MinLimit-Remaining / X-DayLimit-Remaining go back to the limiter.
 *
 * Times are on the limiter's clock; `sleep` waits that long on it (real time by default; tests
 * that run the limiter and the sandbox ledger on one accelerated clock pass a faster sleep).
 */
import { LedgerError } from './errors';
import type { CallGate } from './provider';
import { type CallRank, PROVIDER_LIMITS, type ProviderSignal, type RateLimiter, type TenantKey } from './rate-limit';

export const MAX_INLINE_WAIT_MS = 2_000;
/** A 429 without Retry-After (QuickBooks never sends one) backs off this long. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/**
 * 'high' is sync, served first; then a debtor's payment, 'normal' (other write-backs, reads), pay
 * links and notes. The line serves them in this order, and each asks the limiter with its rank
 * (rate-limit.ts, RANK_RESERVE), so when calls are scarce the lower ones wait across processes too.
 */
export type GatePriority = 'high' | 'payment' | 'normal' | 'link' | 'note';

export const GATE_RANK: Record<GatePriority, CallRank> = { high: 0, payment: 1, normal: 2, link: 3, note: 4 };

export interface GateOptions {
  /** The longest wait spent inline; beyond it, LedgerError('rate_limited'). */
  maxWaitMs?: number;
  /** 'high' (sync) goes ahead of everything; then payments, other write-backs and reads, pay links, notes. */
  priority?: GatePriority;
  /** The limiter's clock (default Date.now). */
  now?: () => number;
  /** Wait `ms` of the limiter's clock (default: real time). */
  sleep?: (ms: number) => Promise<void>;
  onWait?: (ms: number, reason: string) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

interface Waiter {
  priority: GatePriority;
  deadline: number;
  admit(release: () => void): void;
  refuse(err: unknown): void;
}

/** One tenant's waiting callers in this process. */
class Line {
  private readonly waiters: Waiter[] = [];
  private pumping = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly key: TenantKey,
  ) {}

  join(w: Waiter, now: () => number, sleep: (ms: number) => Promise<void>, onWait?: (ms: number, reason: string) => void): void {
    // After every waiter of the same or a more urgent rank, ahead of every less urgent one.
    const rank = GATE_RANK[w.priority];
    const at = this.waiters.findIndex((x) => GATE_RANK[x.priority] > rank);
    if (at < 0) this.waiters.push(w);
    else this.waiters.splice(at, 0, w);
    this.kick();
    if (!this.pumping) void this.pump(now, sleep, onWait);
  }

  /** A slot was freed (or the line changed): look again now. */
  kick(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async pump(now: () => number, sleep: (ms: number) => Promise<void>, onWait?: (ms: number, reason: string) => void): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        let a: Awaited<ReturnType<RateLimiter['acquire']>>;
        try {
          // The head's rank: each leaves its share of the minute to the ranks above it.
          a = await this.limiter.acquire(this.key, { rank: GATE_RANK[this.waiters[0]!.priority] });
        } catch (err) {
          for (const w of this.waiters.splice(0)) w.refuse(err);
          return;
        }
        if ('release' in a) {
          const w = this.waiters.shift()!;
          w.admit(a.release);
          continue;
        }
        const t = now();
        const spacing = Math.ceil(60_000 / PROVIDER_LIMITS[this.key.provider].perMinute);
        // Whoever cannot be served by their deadline leaves now, told when to come back.
        for (let i = this.waiters.length - 1; i >= 0; i--) {
          const w = this.waiters[i]!;
          if (t + a.waitMs > w.deadline) {
            this.waiters.splice(i, 1);
            const retryAfterMs = Math.max(1000, a.waitMs + i * spacing);
            const what = this.key.provider === 'xero' ? 'Xero' : 'QuickBooks';
            w.refuse(
              new LedgerError('rate_limited', `The ${what} ${a.reason === 'retry-after' ? 'Retry-After' : `${a.reason} limit`} for this organisation is used up; resuming in ${Math.ceil(retryAfterMs / 1000)} s`, {
                retryAfterMs,
                problem: a.reason,
              }),
            );
          }
        }
        if (this.waiters.length === 0) return;
        const earliest = Math.min(...this.waiters.map((w) => w.deadline));
        const ms = Math.max(1, Math.min(a.waitMs, earliest - t));
        onWait?.(ms, a.reason);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(ms).then(resolve);
        });
        this.wake = null;
      }
    } finally {
      this.pumping = false;
    }
  }
}

const lines = new WeakMap<RateLimiter, Map<string, Line>>();

function lineFor(limiter: RateLimiter, key: TenantKey): Line {
  let byKey = lines.get(limiter);
  if (!byKey) {
    byKey = new Map();
    lines.set(limiter, byKey);
  }
  const k = `${key.provider}:${key.tenantId}`;
  let line = byKey.get(k);
  if (!line) {
    line = new Line(limiter, key);
    byKey.set(k, line);
  }
  return line;
}

export function limiterGate(limiter: RateLimiter, key: TenantKey, options: GateOptions = {}): CallGate {
  const maxWait = options.maxWaitMs ?? MAX_INLINE_WAIT_MS;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const line = lineFor(limiter, key);
  return {
    acquire() {
      return new Promise((resolve, reject) => {
        line.join(
          {
            priority: options.priority ?? 'normal',
            deadline: now() + maxWait,
            refuse: reject,
            admit: (release) =>
              resolve(async (outcome) => {
                // What the provider said first (a Retry-After block), then the slot: the next in line sees both.
                const signal = signalFrom(outcome);
                if (Object.keys(signal).length > 0) await limiter.observe(key, signal).catch(() => undefined);
                release();
                line.kick();
              }),
          },
          now,
          sleep,
          options.onWait,
        );
      });
    },
  };
}
