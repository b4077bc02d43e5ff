/** MetaData times: the company zone's offset via Intl, and the literals QBO accepts. */
import { expect, it } from 'vitest';
import { formatQboDateTime, parseQboDateTime, startOfDayInZone, zoneOffsetMinutes } from '../../integrations/sandbox/qbo/time';
it('formats and parses QBO date-times in the company zone, across DST', () => {
  const ms = Date.UTC(2024, 0, 2, 18, 11, 12, 345);
  expect(formatQboDateTime(ms, 'America/Los_Angeles')).toBe('2024-01-02T10:11:12-08:00');
  expect(formatQboDateTime(ms, 'America/Los_Angeles', true)).toBe('2024-01-02T10:11:12.345-08:00');
  expect(formatQboDateTime(ms, 'Asia/Kolkata')).toBe('2024-01-02T23:41:12+05:30');
  expect(formatQboDateTime(ms, 'UTC')).toBe('2024-01-02T18:11:12+00:00');
  expect(zoneOffsetMinutes(Date.UTC(2024, 6, 1), 'America/Los_Angeles')).toBe(-420);
  expect(parseQboDateTime('2024-01-02T10:11:12-08:00', 'UTC')).toBe(Date.UTC(2024, 0, 2, 18, 11, 12));
  expect(parseQboDateTime('2024-01-02T10:11:12 08:00', 'UTC')).toBe(Date.UTC(2024, 0, 2, 2, 11, 12));
  expect(parseQboDateTime('2024-01-02T10:11:12', 'America/Los_Angeles')).toBe(Date.UTC(2024, 0, 2, 18, 11, 12));
  expect(parseQboDateTime('2024-03-10', 'America/Los_Angeles')).toBe(Date.UTC(2024, 2, 10, 8));
  expect(startOfDayInZone('2024-11-03', 'America/Los_Angeles')).toBe(Date.UTC(2024, 10, 3, 7));
  expect(parseQboDateTime('2024-01-02 10:11', 'UTC')).toBe(Date.UTC(2024, 0, 2, 10, 11));
  expect(parseQboDateTime('2024-02-30', 'UTC')).toBeNull();
  expect(parseQboDateTime('nope', 'UTC')).toBeNull();
});
