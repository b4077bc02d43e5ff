/**
 * The clock every process is given by its composition root. Nothing that decides "today", an
 * expiry or a schedule reads the wall clock itself: it asks the clock it was handed, so tests
 * pin time and the demo can be run "as of" another day.
 *
 * - `systemClock` is the machine's time.
 * - `startingAt(instant)` starts at a given instant and then flows with real time (ARCUS_NOW):
 *   timeouts, token expiry and polling behave as usual, only the calendar is moved.
 * - `manualClock(instant)` stands still until a test moves it.
 */
export interface Clock {
  /** The current instant. */
  now(): Date;
  /** The current instant in milliseconds since the epoch. */
  ms(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  ms: () => Date.now(),
};

/** A clock that reads `start` now and flows with `base` from here on. */
export function startingAt(start: Date | string, base: Clock = systemClock): Clock {
  const at = typeof start === 'string' ? parseInstant(start) : start.getTime();
  const offset = at - base.ms();
  return { now: () => new Date(base.ms() + offset), ms: () => base.ms() + offset };
}

export interface ManualClock extends Clock {
  set(instant: Date | string): void;
  advance(ms: number): void;
}

/** A clock that only moves when told to (tests). */
export function manualClock(start: Date | string): ManualClock {
  let at = typeof start === 'string' ? parseInstant(start) : start.getTime();
  return {
    now: () => new Date(at),
    ms: () => at,
    set(instant) {
      at = typeof instant === 'string' ? parseInstant(instant) : instant.getTime();
    },
    advance(ms) {
      at += ms;
    },
  };
}

/** An ISO 8601 instant or calendar date (read as midday UTC, so it is that date in every zone from UTC−11 to UTC+11). */
export function parseInstant(value: string): number {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new Error(`not an ISO 8601 date or instant: ${JSON.stringify(value)}`);
  return ms;
}

/** A clock read from a millisecond source (e.g. the sandbox ledger's clock in tests). */
export function clockFrom(ms: () => number): Clock {
  return { now: () => new Date(ms()), ms };
}
