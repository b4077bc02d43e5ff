/** The organisation's clock: windows, business days and openings in its zone, across DST. */
import { describe, expect, it } from 'vitest';
import { inSendingWindow, isoWeekday, localClock, nextDayWindowOpen, nextWindowOpen, zonedInstant } from '../../server/reminders/local-time';

const W = { windowStartMinute: 540, windowEndMinute: 1020, businessDays: [1, 2, 3, 4, 5] };

describe('local time', () => {
  it('knows the weekday of a date', () => {
    expect(['2026-11-23', '2026-11-28', '2026-11-29'].map(isoWeekday)).toEqual([1, 6, 7]);
  });

  it('turns local wall-clock times into instants across DST changes', () => {
    expect(zonedInstant('2026-03-27', 540, 'Europe/London').toISOString()).toBe('2026-03-27T09:00:00.000Z');
    expect(zonedInstant('2026-03-30', 540, 'Europe/London').toISOString()).toBe('2026-03-30T08:00:00.000Z');
    expect(zonedInstant('2026-04-06', 540, 'Pacific/Auckland').toISOString()).toBe('2026-04-05T21:00:00.000Z');
    expect(zonedInstant('2026-04-03', 540, 'Pacific/Auckland').toISOString()).toBe('2026-04-02T20:00:00.000Z');
    expect(localClock('America/New_York', new Date('2026-11-23T14:00:00Z'))).toEqual({ date: '2026-11-23', minute: 540, isoWeekday: 1 });
  });

  it('is open 09:00–17:00 on business days in the organisation’s zone, not the server’s', () => {
    const at = new Date('2026-11-23T21:30:00Z'); // Monday 21:30 in London, Tuesday 10:30 in Auckland
    expect(inSendingWindow(W, 'Europe/London', at)).toBe(false);
    expect(inSendingWindow(W, 'Pacific/Auckland', at)).toBe(true);
    expect(inSendingWindow(W, 'Europe/London', new Date('2026-11-28T10:00:00Z'))).toBe(false); // Saturday
    expect(inSendingWindow(W, 'Europe/London', new Date('2026-11-23T17:00:00Z'))).toBe(false); // 17:00 is closed
  });

  it('says when the window next opens (for RetryLaterError) and the first opening of a later day (daily limit)', () => {
    const friday = new Date('2026-11-27T17:30:00Z');
    expect(nextWindowOpen(W, 'Europe/London', friday)?.toISOString()).toBe('2026-11-30T09:00:00.000Z');
    expect(nextWindowOpen(W, 'America/Los_Angeles', friday)?.toISOString()).toBe(friday.toISOString()); // 09:30 there
    expect(nextDayWindowOpen(W, 'America/Los_Angeles', friday)?.toISOString()).toBe('2026-11-30T17:00:00.000Z');
    expect(nextWindowOpen({ ...W, businessDays: [] }, 'Europe/London', friday)).toBeNull();
  });
});
