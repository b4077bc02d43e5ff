/**
 * Properties of calendar dates (kernel/dates.ts) and wall-clock time in IANA zones
 * (kernel/zoned-time.ts): the day-number round trip over years 0000–9999, leap days, month ends,
 * and "today" and zoned conversions across the DST changes of Europe/London, America/New_York and
 * Pacific/Auckland (found from the runtime's own tz data, then checked against known dates).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, daysInMonth, diffDays, endOfMonth, fromDayNumber, isCalendarDate, parseUsDate, startOfMonth, toDayNumber, todayIn } from '../../kernel/dates';
import { offsetAt, wallClock, zonedInstant } from '../../kernel/zoned-time';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const iso = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
/** Month lengths from the rule, not from the code under test. */
const monthLength = (y: number, m: number) => (m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

const year = fc.integer({ min: 0, max: 9999 });
const date = fc
  .record({ y: year, m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) })
  .map(({ y, m, d }) => ({ y, m, d: Math.min(d, monthLength(y, m)) }))
  .map(({ y, m, d }) => ({ y, m, d, text: iso(y, m, d) }));
const FIRST = toDayNumber('0000-01-01');
const LAST = toDayNumber('9999-12-31');

describe('day numbers', () => {
  it('fix the epoch and the ends of the range', () => {
    expect(toDayNumber('1970-01-01')).toBe(0);
    expect(toDayNumber('2000-03-01')).toBe(11_017);
    expect(fromDayNumber(-719_528)).toBe('0000-01-01');
    expect(FIRST).toBe(-719_528);
    expect(LAST).toBe(2_932_896);
    expect(toDayNumber('0099-12-31') + 1).toBe(toDayNumber('0100-01-01'));
  });

  it('a date goes to its day number and back', () => {
    fc.assert(
      fc.property(date, ({ text }) => {
        expect(isCalendarDate(text)).toBe(true);
        expect(fromDayNumber(toDayNumber(text))).toBe(text);
      }),
    );
  });

  it('a day number goes to its date and back, and the next number is the next date', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST, max: LAST - 1 }), (n) => {
        const text = fromDayNumber(n);
        expect(isCalendarDate(text)).toBe(true);
        expect(toDayNumber(text)).toBe(n);
        const [y, m, d] = text.split('-').map(Number) as [number, number, number];
        const next = d < monthLength(y, m) ? iso(y, m, d + 1) : m < 12 ? iso(y, m + 1, 1) : iso(y + 1, 1, 1);
        expect(fromDayNumber(n + 1)).toBe(next);
      }),
    );
  });

  it('addDays and diffDays undo each other', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: -100_000, max: 100_000 }), ({ text }, n) => {
        const later = toDayNumber(text) + n;
        fc.pre(later >= FIRST && later <= LAST);
        const moved = addDays(text, n);
        expect(diffDays(text, moved)).toBe(n);
        expect(addDays(moved, -n)).toBe(text);
        expect(moved > text).toBe(n > 0);
      }),
    );
  });

  it('parses the IBM sample’s M/D/YYYY into the same date', () => {
    fc.assert(
      fc.property(date, ({ y, m, d, text }) => {
        expect(parseUsDate(`${m}/${d}/${pad(y, 4)}`)).toBe(text);
      }),
    );
    expect(parseUsDate('2/29/2023')).toBeNull();
    expect(parseUsDate('2/29/2024')).toBe('2024-02-29');
  });
});

describe('leap days', () => {
  it('29 February exists exactly in leap years, and a year has 366 days exactly then', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9998 }), (y) => {
        expect(isCalendarDate(iso(y, 2, 29))).toBe(isLeap(y));
        expect(daysInMonth(y, 2)).toBe(isLeap(y) ? 29 : 28);
        expect(diffDays(iso(y, 1, 1), iso(y + 1, 1, 1))).toBe(isLeap(y) ? 366 : 365);
        expect(addDays(iso(y, 2, 28), 1)).toBe(isLeap(y) ? iso(y, 2, 29) : iso(y, 3, 1));
      }),
    );
    for (const y of [1900, 2100, 2023]) expect(isCalendarDate(`${y}-02-29`)).toBe(false);
    for (const y of [2000, 2024, 2400]) expect(isCalendarDate(`${y}-02-29`)).toBe(true);
  });

  it('29 February plus or minus whole years is 29 February in a leap year, else the 28th', () => {
    const leapYear = fc.integer({ min: 0, max: 2499 }).map((k) => k * 4).filter(isLeap);
    fc.assert(
      fc.property(leapYear, fc.integer({ min: -400, max: 400 }), (y, k) => {
        fc.pre(y + k >= 0 && y + k <= 9999);
        expect(addMonths(iso(y, 2, 29), 12 * k)).toBe(iso(y + k, 2, isLeap(y + k) ? 29 : 28));
      }),
    );
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2024-02-29', -12)).toBe('2023-02-28');
    expect(addMonths('2024-02-29', 48)).toBe('2028-02-29');
  });
});

describe('month ends', () => {
  it('31 January plus any number of months is the last day of that month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9898 }), fc.integer({ min: -12, max: 1200 }), (y, k) => {
        const out = addMonths(iso(y, 1, 31), k);
        const index = y * 12 + k;
        const [ny, nm] = [Math.floor(index / 12), (index % 12) + 1];
        expect(out).toBe(iso(ny, nm, monthLength(ny, nm)));
        expect(endOfMonth(out)).toBe(out);
      }),
    );
    expect([addMonths('2025-01-31', 1), addMonths('2024-01-31', 1), addMonths('2025-01-31', 3), addMonths('2025-01-31', -2)]).toEqual(['2025-02-28', '2024-02-29', '2025-04-30', '2024-11-30']);
  });

  it('adding months keeps the day, clamped to the month’s length, and is undone for days up to the 28th', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: -240, max: 240 }), fc.integer({ min: -240, max: 240 }), ({ y, m, d, text }, a, b) => {
        const index = y * 12 + m - 1;
        fc.pre(index + Math.min(a, a + b, 0) >= 0 && index + Math.max(a, a + b, 0) < 10_000 * 12);
        const out = addMonths(text, a);
        const [oy, om, od] = out.split('-').map(Number) as [number, number, number];
        expect(oy * 12 + om - 1).toBe(index + a);
        expect(od).toBe(Math.min(d, monthLength(oy, om)));
        if (d <= 28) {
          expect(addMonths(out, -a)).toBe(text);
          expect(addMonths(out, b)).toBe(addMonths(text, a + b));
        }
      }),
    );
  });

  it('the day after a month’s end is the start of the next month', () => {
    fc.assert(
      fc.property(date, ({ text }) => {
        fc.pre(text < '9999-12-01');
        const end = endOfMonth(text);
        expect(startOfMonth(end)).toBe(startOfMonth(text));
        expect(addDays(end, 1)).toBe(startOfMonth(addMonths(text, 1)));
        expect(diffDays(startOfMonth(text), end) + 1).toBe(daysInMonth(Number(text.slice(0, 4)), Number(text.slice(5, 7))));
      }),
    );
  });
});

/** Every instant (ms, to the minute) where the zone's UTC offset changes between two dates. */
function transitions(timeZone: string, from: string, to: string): { at: number; before: number; after: number }[] {
  const out: { at: number; before: number; after: number }[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  const WEEK = 7 * DAY; // changes are months apart: a week never holds two
  for (let t = Date.parse(`${from}T00:00:00Z`); t < end; t += WEEK) {
    const before = offsetAt(timeZone, t);
    const after = offsetAt(timeZone, t + WEEK);
    if (before === after) continue;
    let [lo, hi] = [t, t + WEEK]; // offset(lo) = before, offset(hi) = after
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetAt(timeZone, mid) === before) lo = mid;
      else hi = mid;
    }
    out.push({ at: hi, before, after });
  }
  return out;
}

const ZONES = {
  'Europe/London': { standard: 0, summer: 1 },
  'America/New_York': { standard: -5, summer: -4 },
  'Pacific/Auckland': { standard: 12, summer: 13 },
} as const;
type Zone = keyof typeof ZONES;
const ZONE_NAMES = Object.keys(ZONES) as Zone[];
const CHANGES = Object.fromEntries(ZONE_NAMES.map((z) => [z, transitions(z, '2019-01-01', '2031-01-01')])) as Record<Zone, ReturnType<typeof transitions>>;

const sameWall = (a: ReturnType<typeof wallClock>, b: ReturnType<typeof wallClock>) => a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute;

describe('DST changes', () => {
  it('finds two changes a year in each zone, on the known dates, one hour each way', () => {
    for (const z of ZONE_NAMES) {
      expect(CHANGES[z]).toHaveLength(24);
      for (const c of CHANGES[z]) {
        expect(Math.abs(c.after - c.before)).toBe(HOUR);
        expect([c.before, c.after].sort((a, b) => a - b)).toEqual([ZONES[z].standard * HOUR, ZONES[z].summer * HOUR]);
      }
    }
    const at = (z: Zone) => CHANGES[z].filter((c) => new Date(c.at).getUTCFullYear() === 2026).map((c) => new Date(c.at).toISOString());
    // London: last Sundays of March and October at 01:00 UTC.
    expect(at('Europe/London')).toEqual(['2026-03-29T01:00:00.000Z', '2026-10-25T01:00:00.000Z']);
    // New York: second Sunday of March 02:00 EST, first Sunday of November 02:00 EDT.
    expect(at('America/New_York')).toEqual(['2026-03-08T07:00:00.000Z', '2026-11-01T06:00:00.000Z']);
    // Auckland: summer time ends first Sunday of April 03:00 NZDT, starts last Sunday of September 02:00 NZST.
    expect(at('Pacific/Auckland')).toEqual(['2026-04-04T14:00:00.000Z', '2026-09-26T14:00:00.000Z']);
  });

  it('todayIn near the changes: the known cases', () => {
    expect(todayIn('Europe/London', new Date('2026-03-28T23:30:00Z'))).toBe('2026-03-28');
    expect(todayIn('Europe/London', new Date('2026-10-24T23:30:00Z'))).toBe('2026-10-25'); // BST: 00:30 on the 25th
    expect(todayIn('Europe/London', new Date('2026-10-25T23:30:00Z'))).toBe('2026-10-25'); // GMT again
    expect(todayIn('America/New_York', new Date('2026-11-01T03:30:00Z'))).toBe('2026-10-31'); // 23:30 EDT
    expect(todayIn('America/New_York', new Date('2026-11-01T04:30:00Z'))).toBe('2026-11-01'); // 00:30 EDT
    expect(todayIn('America/New_York', new Date('2026-11-02T04:30:00Z'))).toBe('2026-11-01'); // 23:30 EST
    expect(todayIn('Pacific/Auckland', new Date('2026-04-04T10:30:00Z'))).toBe('2026-04-04'); // 23:30 NZDT
    expect(todayIn('Pacific/Auckland', new Date('2026-04-04T11:30:00Z'))).toBe('2026-04-05'); // 00:30 NZDT
    expect(todayIn('Pacific/Auckland', new Date('2026-04-05T11:30:00Z'))).toBe('2026-04-05'); // 23:30 NZST
    expect(todayIn('Pacific/Auckland', new Date('2026-09-26T11:30:00Z'))).toBe('2026-09-26'); // 23:30 NZST
    expect(todayIn('Pacific/Auckland', new Date('2026-09-26T12:00:00Z'))).toBe('2026-09-27');
  });

  const zone = fc.constantFrom(...ZONE_NAMES);
  /** An instant within two days of one of the zone's changes, on a whole minute; half of them within 90 minutes of it. */
  const nearChange = zone.chain((z) =>
    fc
      .record({ z: fc.constant(z), change: fc.constantFrom(...CHANGES[z]), minutes: fc.oneof(fc.integer({ min: -90, max: 90 }), fc.integer({ min: -48 * 60, max: 48 * 60 })) })
      .map(({ z, change, minutes }) => ({ z, change, t: change.at + minutes * MINUTE })),
  );

  it('todayIn is the calendar day of the instant shifted by the offset in force then', () => {
    fc.assert(
      fc.property(nearChange, ({ z, change, t }) => {
        const offset = offsetAt(z, t);
        expect(offset).toBe(t < change.at ? change.before : change.after);
        expect(todayIn(z, new Date(t))).toBe(fromDayNumber(Math.floor((t + offset) / DAY)));
        const w = wallClock(z, t);
        expect(todayIn(z, new Date(t))).toBe(iso(w.year, w.month, w.day));
      }),
    );
  });

  it('a wall-clock time goes back to its instant; a repeated one to its first instant', () => {
    fc.assert(
      fc.property(nearChange, ({ z, change, t }) => {
        const w = wallClock(z, t);
        const back = zonedInstant(z, w.year, w.month, w.day, w.hour, w.minute);
        expect(sameWall(wallClock(z, back), w)).toBe(true);
        const repeated = change.after < change.before && t >= change.at && t < change.at + (change.before - change.after);
        expect(back).toBe(repeated ? t - (change.before - change.after) : t);
      }),
    );
    // 01:30 on 25 Oct 2026 happens twice in London (BST, then GMT): the first is taken.
    expect(new Date(zonedInstant('Europe/London', 2026, 10, 25, 1, 30)).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(zonedInstant('America/New_York', 2026, 11, 1, 1, 30)).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(new Date(zonedInstant('Pacific/Auckland', 2026, 4, 5, 2, 30)).toISOString()).toBe('2026-04-04T13:30:00.000Z');
  });

  it('a wall-clock time in a spring-forward gap lands as far past the gap’s start as it is', () => {
    const gaps = ZONE_NAMES.flatMap((z) => CHANGES[z].filter((c) => c.after > c.before).map((c) => ({ z, c })));
    fc.assert(
      fc.property(fc.constantFrom(...gaps), fc.integer({ min: 0, max: 59 }), ({ z, c }, minute) => {
        // The gap starts a minute after the wall time the clocks showed a minute before the change.
        const before = wallClock(z, c.at - MINUTE);
        expect(before.minute).toBe(59);
        const hour = before.hour + 1;
        const landed = zonedInstant(z, before.year, before.month, before.day, hour, minute);
        expect(landed).toBe(c.at + minute * MINUTE);
        expect(wallClock(z, landed)).toMatchObject({ hour: hour + 1, minute });
      }),
    );
    expect(new Date(zonedInstant('Europe/London', 2026, 3, 29, 1, 30)).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 02:30 BST
    expect(new Date(zonedInstant('America/New_York', 2026, 3, 8, 2, 15)).toISOString()).toBe('2026-03-08T07:15:00.000Z'); // 03:15 EDT
    expect(new Date(zonedInstant('Pacific/Auckland', 2026, 9, 27, 2, 0)).toISOString()).toBe('2026-09-26T14:00:00.000Z'); // 03:00 NZDT
  });

  it('a local day lasts 24 hours, 23 on the spring change and 25 on the autumn one', () => {
    fc.assert(
      fc.property(zone, fc.integer({ min: toDayNumber('2019-01-02'), max: toDayNumber('2030-12-30') }), (z, n) => {
        const day = fromDayNumber(n);
        const [y, m, d] = day.split('-').map(Number) as [number, number, number];
        const [ny, nm, nd] = addDays(day, 1).split('-').map(Number) as [number, number, number];
        const start = zonedInstant(z, y, m, d, 0, 0);
        const end = zonedInstant(z, ny, nm, nd, 0, 0);
        const change = CHANGES[z].find((c) => c.at > start && c.at <= end);
        expect(end - start).toBe(DAY - (change ? change.after - change.before : 0));
        expect(todayIn(z, new Date(start))).toBe(day);
        expect(todayIn(z, new Date(end - 1))).toBe(day);
        expect(todayIn(z, new Date(end))).toBe(addDays(day, 1));
      }),
    );
    // And on each change's own day, explicitly.
    for (const z of ZONE_NAMES) {
      for (const c of CHANGES[z]) {
        const w = wallClock(z, c.at);
        const start = zonedInstant(z, w.year, w.month, w.day, 0, 0);
        const next = addDays(iso(w.year, w.month, w.day), 1).split('-').map(Number) as [number, number, number];
        expect(zonedInstant(z, next[0], next[1], next[2], 0, 0) - start).toBe(c.after > c.before ? 23 * HOUR : 25 * HOUR);
      }
    }
  });
});
