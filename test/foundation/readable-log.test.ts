/**
 * The demo's console (LOG_FORMAT=readable): a sentence a line with its time — warnings and errors
 * say so with their error's message, requests show method, path and status — and the sentences the
 * demo prints as it comes up (the clients connected, each sync finished).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../server/sync/runs';
import { demoConnectSentence } from '../../server/embedded/demo-connect';
import { createLogger } from '../../server/logger';
import { readableLine } from '../../server/readable-log';
import { syncSentence } from '../../server/sync/engine';

function capture(level: string, format: 'json' | 'readable') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger(level, sink as unknown as import('pino').DestinationStream, format), lines };
}

describe('the readable console', () => {
  it('prints the time and the sentence; warnings and errors are marked and keep their message', () => {
    const at = Date.UTC(2026, 11, 7, 9, 41, 7);
    expect(readableLine(JSON.stringify({ level: 30, time: at, msg: 'Synced Kiwi Plumbing Co: 1,398 invoices in 4 s', organisationId: 'x' }))).toBe('09:41:07  Synced Kiwi Plumbing Co: 1,398 invoices in 4 s\n');
    expect(readableLine(JSON.stringify({ level: 40, time: at, msg: 'job failed', err: 'The Xero minute limit is used up' }))).toBe('09:41:07  warning: job failed — The Xero minute limit is used up\n');
    expect(readableLine(JSON.stringify({ level: 50, time: at, msg: 'request failed', err: { type: 'Error', message: 'boom' }, req: { method: 'GET', path: '/api/x' }, res: { status: 500 } }))).toBe('09:41:07  error: request failed GET /api/x → 500 — boom\n');
    expect(readableLine('not json')).toBe('not json\n');
  });

  it('through the logger: redaction still applies, and debug lines stay out at info level', () => {
    const { log, lines } = capture('info', 'readable');
    log.debug('a request');
    log.info({ email: 'debtor@example.com' }, 'Demo mailbox ready');
    log.warn({ err: new Error('smtp down') }, 'reminder not sent');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}Demo mailbox ready\n$/);
    expect(lines[1]).toMatch(/warning: reminder not sent — smtp down\n$/);
    expect(lines.join('')).not.toContain('debtor@example.com');
    const json = capture('info', 'json');
    json.log.info({ email: 'debtor@example.com' }, 'x');
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ msg: 'x', email: '[redacted]' });
  });

  it('says what the demo did in words', () => {
    expect(syncSentence('Kiwi Plumbing Co', true, { ...emptyCounts(), invoices: 1398 }, 4_200)).toBe('Synced Kiwi Plumbing Co: 1,398 invoices in 4 s');
    expect(syncSentence('Maple Street Bakery', false, { ...emptyCounts(), invoices: 1 }, 300)).toBe('Synced changes for Maple Street Bakery: 1 invoice in under a second');
    expect(demoConnectSentence({ connected: ['A Ltd', 'B Ltd', 'C Ltd'], reconnected: [], kept: ['D Ltd'], skipped: [] })).toBe('Demo clients: connected A Ltd, B Ltd and C Ltd (first sync under way); D Ltd already connected.');
    expect(demoConnectSentence({ connected: [], reconnected: [], kept: [], skipped: [] })).toBe('Demo clients: none to connect.');
  });
});
