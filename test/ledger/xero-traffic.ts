/**
 * For the tests that run Arcus against a sandbox Xero organisation at Xero's real limits
 * (gateway-burst, payment-during-reminder-run): a clock shared by the sandbox and Arcus that runs
 * `speed` times faster than real time, and the Xero API traffic as the sandbox saw it.
 */
import { XERO_API_BASE_PATH } from '../../integrations/sandbox/xero/api';
import type { SyncFixture } from '../sync/connect-helper';

/** A clock base for the sandbox running `speed` times faster than real time, and a sleep on it. */
export function scaledClock(speed: number): { clockBase: () => number; sleep: (ms: number) => Promise<void> } {
  const started = Date.now();
  return {
    clockBase: () => started + (Date.now() - started) * speed,
    /** Wait `ms` of the shared clock. */
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, ms / speed))),
  };
}

/** What the sandbox answered on the Xero API, counted on its side. */
export interface XeroTraffic {
  requests: number;
  tooMany: number;
  inFlight: number;
  maxInFlight: number;
  /** When each call arrived, on the shared clock. */
  at: number[];
  /** Each call as it arrived: when (shared clock), its method and its path with query. */
  calls: { at: number; method: string; url: string }[];
  /** The most calls that arrived within any 60 s of the shared clock, from `since` on. */
  peakPerMinute(since: number): number;
}

export function watchXeroTraffic(fx: SyncFixture): XeroTraffic {
  const seen: XeroTraffic = {
    requests: 0,
    tooMany: 0,
    inFlight: 0,
    maxInFlight: 0,
    at: [],
    calls: [],
    peakPerMinute(since) {
      const window = seen.at.filter((t) => t >= since);
      let peak = 0;
      for (let i = 0, j = 0; j < window.length; j++) {
        while (window[j]! - window[i]! >= 60_000) i++;
        peak = Math.max(peak, j - i + 1);
      }
      return peak;
    },
  };
  fx.server.on('request', (req, res) => {
    if (!req.url?.startsWith(XERO_API_BASE_PATH)) return;
    seen.requests++;
    seen.at.push(fx.now());
    seen.calls.push({ at: fx.now(), method: req.method ?? 'GET', url: req.url });
    seen.inFlight++;
    seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      seen.inFlight--;
      if (res.statusCode === 429) seen.tooMany++;
    };
    res.once('finish', end);
    res.once('close', end);
  });
  return seen;
}
