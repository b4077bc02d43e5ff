import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NIGHT_SLOTS, nextNightlyRun, syncSlotMinute } from '../../server/sync/nightly';
import { isTimeZone } from '../../kernel/dates';
import { offsetAt, wallClock, zonedInstant } from '../../kernel/zoned-time';

const at = (iso: string) => new Date(iso);
const local = (tz: string, d: Date) => {
  const w = wallClock(tz, d.getTime());
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')} ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
};

describe('nextNightlyRun', () => {
  it('runs tonight when the slot is still ahead, tomorrow when it has passed', () => {
    // 20:00 in London (GMT in November): slot 0 → 01:00 tomorrow.
    expect(nextNightlyRun('Europe/London', 0, at('2026-11-22T20:00:00Z')).toISOString()).toBe('2026-11-23T01:00:00.000Z');
    // 00:30 local: tonight's 01:00 is still ahead.
    expect(nextNightlyRun('Europe/London', 0, at('2026-11-23T00:30:00Z')).toISOString()).toBe('2026-11-23T01:00:00.000Z');
    // Exactly at the slot: strictly after now, so the next night.
    expect(nextNightlyRun('Europe/London', 0, at('2026-11-23T01:00:00Z')).toISOString()).toBe('2026-11-24T01:00:00.000Z');
    // The last slot is 06:59 local.
    expect(local('Europe/London', nextNightlyRun('Europe/London', 359, at('2026-11-22T12:00:00Z')))).toBe('2026-11-23 06:59');
  });

  it('Europe/London, March: 01:00–01:59 does not exist, runs at the same distance past the gap', () => {
    // Clocks go forward at 01:00 GMT on Sunday 29 March 2026.
    const r = nextNightlyRun('Europe/London', 30, at('2026-03-28T22:00:00Z'));
    expect(r.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(local('Europe/London', r)).toBe('2026-03-29 02:30');
    // A slot after the gap is unaffected (BST): 03:15 local = 02:15 UTC.
    expect(nextNightlyRun('Europe/London', 135, at('2026-03-28T22:00:00Z')).toISOString()).toBe('2026-03-29T02:15:00.000Z');
    // The next night is back to normal: 01:30 BST = 00:30 UTC.
    expect(nextNightlyRun('Europe/London', 30, r).toISOString()).toBe('2026-03-30T00:30:00.000Z');
  });

  it('Europe/London, October: 01:00–01:59 happens twice, the run happens once (the first)', () => {
    // Clocks go back at 02:00 BST (01:00 UTC) on Sunday 25 October 2026.
    const first = nextNightlyRun('Europe/London', 30, at('2026-10-24T22:00:00Z'));
    expect(first.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // Asked again between the two 01:30s: not again tonight.
    const again = nextNightlyRun('Europe/London', 30, at('2026-10-25T01:10:00Z'));
    expect(again.toISOString()).toBe('2026-10-26T01:30:00.000Z');
    expect(local('Europe/London', again)).toBe('2026-10-26 01:30');
  });

  it('Pacific/Auckland, April (clocks back 03:00 → 02:00) and September (02:00 → 03:00)', () => {
    // 5 April 2026: NZDT (+13) ends at 03:00 local → 02:00 NZST (+12). 02:30 happens twice.
    const april = nextNightlyRun('Pacific/Auckland', 90, at('2026-04-04T09:00:00Z'));
    expect(april.toISOString()).toBe('2026-04-04T13:30:00.000Z'); // 02:30 NZDT, the first one
    expect(offsetAt('Pacific/Auckland', april.getTime())).toBe(13 * 3_600_000);
    // 27 September 2026: 02:00 NZST → 03:00 NZDT. 02:30 does not exist → 03:30 NZDT.
    const september = nextNightlyRun('Pacific/Auckland', 90, at('2026-09-26T09:00:00Z'));
    expect(local('Pacific/Auckland', september)).toBe('2026-09-27 03:30');
    expect(september.toISOString()).toBe('2026-09-26T14:30:00.000Z');
    // 01:00 is before the gap on both days: plain.
    expect(local('Pacific/Auckland', nextNightlyRun('Pacific/Auckland', 0, at('2026-09-26T09:00:00Z')))).toBe('2026-09-27 01:00');
  });

  it('America/Los_Angeles across both changes', () => {
    // 8 March 2026: 02:00 PST → 03:00 PDT.
    expect(local('America/Los_Angeles', nextNightlyRun('America/Los_Angeles', 75, at('2026-03-08T06:00:00Z')))).toBe('2026-03-08 03:15');
    expect(nextNightlyRun('America/Los_Angeles', 0, at('2026-03-08T06:00:00Z')).toISOString()).toBe('2026-03-08T09:00:00.000Z'); // 01:00 PST
    expect(nextNightlyRun('America/Los_Angeles', 0, at('2026-03-08T12:00:00Z')).toISOString()).toBe('2026-03-09T08:00:00.000Z'); // 01:00 PDT
    // 1 November 2026: 02:00 PDT → 01:00 PST; 01:30 happens twice → the first (PDT).
    expect(nextNightlyRun('America/Los_Angeles', 30, at('2026-11-01T06:00:00Z')).toISOString()).toBe('2026-11-01T08:30:00.000Z');
    expect(nextNightlyRun('America/Los_Angeles', 30, at('2026-11-01T09:00:00Z')).toISOString()).toBe('2026-11-02T09:30:00.000Z');
  });

  it('runs exactly once per local night across a whole year, in several zones', () => {
    for (const tz of ['Europe/London', 'Pacific/Auckland', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC']) {
      for (const slot of [0, 30, 59, 60, 90, 150, 359]) {
        let t = at('2026-01-01T00:00:00Z');
        const days = new Set<string>();
        let runs = 0;
        while (t.getTime() < Date.parse('2027-01-01T00:00:00Z')) {
          const next = nextNightlyRun(tz, slot, t);
          const gap = next.getTime() - t.getTime();
          expect(gap).toBeGreaterThan(0);
          expect(gap).toBeLessThanOrEqual(26 * 3_600_000 + 60_000);
          const w = wallClock(tz, next.getTime());
          const minutes = w.hour * 60 + w.minute;
          // 01:00 + slot, or pushed forward by a gap of at most an hour.
          expect(minutes - (60 + slot)).toBeGreaterThanOrEqual(0);
          expect(minutes - (60 + slot)).toBeLessThanOrEqual(60);
          const day = local(tz, next).slice(0, 10);
          expect(days.has(day), `${tz} slot ${slot} ran twice on ${day}`).toBe(false);
          days.add(day);
          runs++;
          t = next;
        }
        expect(runs).toBeGreaterThanOrEqual(364);
      }
    }
  });

  it('falls back to UTC for an unknown zone and checks the slot', () => {
    expect(nextNightlyRun('Mars/Olympus', 0, at('2026-11-22T12:00:00Z')).toISOString()).toBe('2026-11-23T01:00:00.000Z');
    expect(() => nextNightlyRun('UTC', NIGHT_SLOTS, new Date())).toThrow(RangeError);
    expect(() => nextNightlyRun('UTC', -1, new Date())).toThrow(RangeError);
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('Europe/Londn')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('zonedInstant is the inverse of the wall clock outside transitions', () => {
    const t = zonedInstant('Asia/Kolkata', 2026, 6, 1, 1, 15);
    expect(new Date(t).toISOString()).toBe('2026-05-31T19:45:00.000Z');
  });
});

describe('spreading nightly syncs', () => {
  const ids = Array.from({ length: 500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  it('gives each organisation a stable slot in the six-hour window', () => {
    for (const id of ids.slice(0, 20)) {
      const s = syncSlotMinute(id);
      expect(s).toBe(syncSlotMinute(id));
      expect(Number.isInteger(s) && s >= 0 && s < NIGHT_SLOTS).toBe(true);
    }
    expect(syncSlotMinute(randomUUID())).toBeLessThan(NIGHT_SLOTS);
  });

  it('500 organisations in one zone: no 5-minute window gets more than 20 (mean ≈ 7)', () => {
    const windows = new Map<number, number>();
    for (const id of ids) {
      const run = nextNightlyRun('Europe/London', syncSlotMinute(id), at('2026-11-22T12:00:00Z'));
      const w = Math.floor(run.getTime() / 300_000);
      windows.set(w, (windows.get(w) ?? 0) + 1);
    }
    expect(Math.max(...windows.values())).toBeLessThanOrEqual(20);
    // Spread over (almost) all 72 windows of the night.
    expect(windows.size).toBeGreaterThanOrEqual(65);
  });
});
