/**
 * When an organisation's nightly sync runs: 01:00 plus its slot minute (0–359, so 01:00–06:59)
 * on the organisation's own wall clock, computed with Intl so daylight-saving changes are
 * handled without a time-zone library. Pure functions, no I/O.
 */
import { createHash } from 'node:crypto';
import { isTimeZone } from '../../kernel/dates';
import { wallClock, zonedInstant } from '../../kernel/zoned-time';

/** The night window: slots spread over 6 hours from 01:00 local time. */
export const NIGHT_START_HOUR = 1;
export const NIGHT_SLOTS = 360;

/** A stable minute of the night for an organisation (hash of its id), so syncs never burst. */
export function syncSlotMinute(organisationId: string): number {
  const digest = createHash('sha256').update(organisationId).digest();
  return digest.readUInt32BE(0) % NIGHT_SLOTS;
}

/**
 * The next nightly run strictly after `now`: 01:00 + slotMinute in `timeZone`, tonight if
 * that is still ahead, else tomorrow night.
 */
export function nextNightlyRun(timeZone: string, slotMinute: number, now: Date): Date {
  if (!Number.isInteger(slotMinute) || slotMinute < 0 || slotMinute >= NIGHT_SLOTS) throw new RangeError(`slotMinute must be an integer 0–${NIGHT_SLOTS - 1}`);
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
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
