/**
 * What Settings › Connections says about a sync's problems: each known failure as a sentence,
 * its times in the organisation's zone, and never a provider's or library's own message text.
 */
import { describe, expect, it } from 'vitest';
import { clockTime, plainError, waitingText } from '../../server/connections/list';

const AT = '2026-12-03T23:39:12Z';
const RETRY = '2026-12-03T23:41:00Z';

describe('sync problems in words', () => {
  it('a rate limit says whose and when it retries, in the organisation’s time zone', () => {
    expect(plainError('xero', { code: 'rate_limited', at: AT, retryAt: RETRY, message: 'HTTP 429 Too Many Requests' }, 'Europe/London')).toBe('Rate-limited by Xero, retrying at 23:41.');
    // The same instants in Auckland are the next afternoon.
    expect(plainError('quickbooks', { code: 'rate_limited', at: AT, retryAt: RETRY }, 'Pacific/Auckland')).toBe('Rate-limited by QuickBooks, retrying at 12:41.');
    // A retry on another day than the failure names the day.
    expect(plainError('xero', { code: 'rate_limited', at: AT, retryAt: '2026-12-04T09:05:00Z' }, 'Europe/London')).toBe('Rate-limited by Xero, retrying at 4 Dec 2026, 09:05.');
    // An error stored before retry times were kept still reads as a sentence.
    expect(plainError('xero', { code: 'rate_limited', at: AT }, 'UTC')).toBe('Rate-limited by Xero, Arcus will try again.');
  });

  it('each known failure is its own sentence', () => {
    const e = (code: string) => plainError('xero', { code, at: AT, retryAt: RETRY, message: 'x' }, 'UTC');
    expect(e('server')).toBe('Xero had a problem on its side; retrying at 23:41.');
    expect(e('timeout')).toBe('Xero did not answer in time; retrying at 23:41.');
    expect(e('network')).toBe('Arcus could not reach Xero; retrying at 23:41.');
    expect(e('invalid_grant')).toBe("Xero no longer accepts Arcus's access. Reconnect this organisation.");
    expect(e('forbidden')).toMatch(/^Xero refused access to this organisation/);
    // Arcus's own sentences are shown as written.
    expect(plainError('xero', { code: 'reauth_required', message: 'Xero no longer lets Arcus read Acme (it was disconnected in Xero). Reconnect to resume syncing.' })).toMatch(/^Xero no longer lets Arcus read Acme/);
  });

  it('never shows a provider’s or a library’s message, a code or an enum value', () => {
    const raw = [
      { code: 'error', at: AT, message: 'relation "sync_staging" does not exist' },
      { code: 'validation', at: AT, message: '{"Type":"ValidationException","Elements":[]}' },
      { code: 'stale_object', at: AT, message: 'Stale Object Error : You and root were working on this at the same time.' },
      { code: 'something_new', message: 'TypeError: cannot read properties of undefined' },
    ];
    for (const e of raw) {
      const text = plainError('quickbooks', e, 'UTC');
      expect(text).not.toContain(e.message);
      expect(text).not.toContain(e.code);
      expect(text).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('a waiting run says why it waits: the error that deferred it, or another sync', () => {
    const deferredUntil = new Date(RETRY);
    const createdAt = new Date(AT);
    expect(waitingText('xero', { status: 'deferred', deferredUntil, createdAt, errors: [{ code: 'rate_limited', at: AT, retryAt: RETRY }] }, 'Europe/London')).toBe('Rate-limited by Xero, retrying at 23:41');
    // Deferred with no error of its own (another sync of the organisation was running).
    expect(waitingText('xero', { status: 'deferred', deferredUntil, createdAt, errors: [{ code: 'rate_limited', at: AT, retryAt: '2026-12-03T23:00:00Z' }] }, 'Europe/London')).toBe(
      'Waiting for another sync of this organisation to finish; trying again at 23:41',
    );
    expect(waitingText('xero', { status: 'running', deferredUntil: null, createdAt, errors: [] }, 'UTC')).toBeNull();
  });

  it('clock times fall back to UTC for a zone that does not exist', () => {
    expect(clockTime(new Date(RETRY), 'Mars/Olympus_Mons')).toBe('3 Dec 2026, 23:41');
  });
});
