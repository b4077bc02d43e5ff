/**
 * When an organisation's nightly sync runs: 01:00 plus its slot minute (0–359, so 01:00–06:59)
 * on the organisation's own wall clock, computed with Intl so daylight-saving changes are
 * handled without a time-zone library. Pure functions, no I/O.
 */
import { createHash } from 'node:crypto';

/** The night window: slots spread over 6 hours from 01:00 local time. */
export const NIGHT_START_HOUR = 1;
export const NIGHT_SLOTS = 360;

/** A stable minute of the night for an organisation (hash of its id), so syncs never burst. */
export function syncSlotMinute(organisationId: string): number {
  const digest = createHash('sha256').update(organisationId).digest();
  return digest.readUInt32BE(0) % NIGHT_SLOTS;
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

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

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

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The next nightly run strictly after `now`: 01:00 + slotMinute in `timeZone`, tonight if
 * that is still ahead, else tomorrow night.
 */
export function nextNightlyRun(timeZone: string, slotMinute: number, now: Date): Date {
  if (!Number.isInteger(slotMinute) || slotMinute < 0 || slotMinute >= NIGHT_SLOTS) throw new RangeError(`slotMinute must be an integer 0–${NIGHT_SLOTS - 1}`);
  const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const hour = NIGHT_START_HOUR + Math.floor(slotMinute / 60);
  const minute = slotMinute % 60;
  const today = wallClock(zone, now.getTime());
  for (let d = -1; d <= 2; d++) {
    const day = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
    const at = zonedInstant(zone, day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), hour, minute);
    if (at > now.getTime()) return new Date(at);
  }
  // Unreachable: two days ahead is always after now.
  throw new Error('no nightly run found');
}
