/**
 * Wall-clock time in IANA zones, DST-safe, with Intl only (no tz database of our own). Shared by
 * the nightly sync schedule and the reminders' sending windows.
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** What a clock in `timeZone` shows at an instant (ms). */
export function wallClock(timeZone: string, instant: number): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']! % 24, minute: parts['minute']!, second: parts['second']! };
}

/** The zone's UTC offset at an instant, in ms (wall clock minus UTC). */
export function offsetAt(timeZone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const w = wallClock(timeZone, whole);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

/**
 * The instant a wall-clock time happens in a zone. A time that happens twice (clocks go back)
 * gives the first; a time that does not happen (clocks go forward) gives the instant as far
 * past the gap's start as the wall time is (01:30 in a 01:00→02:00 gap → 02:30 new time).
 */
export function zonedInstant(timeZone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const local = Date.UTC(year, month - 1, day, hour, minute);
  const offsets = new Set([offsetAt(timeZone, local - 86_400_000), offsetAt(timeZone, local), offsetAt(timeZone, local + 86_400_000)]);
  const valid = [...offsets].map((o) => local - o).filter((t) => offsetAt(timeZone, t) === local - t);
  if (valid.length) return Math.min(...valid);
  // In a gap: use the offset in force before it.
  return local - offsetAt(timeZone, local - 86_400_000);
}
