/**
 * Exactly once with an external mail server (issue #14). Arcus cannot ask a relay whether it holds
 * a Message-ID, so a worker that died after the relay's 250 used to send the message again once
 * its lease ran out — anywhere between the 250 and the transaction that marks the row sent. The
 * 250 is now recorded by one UPDATE before anything else (`reminder_sends.handoff`): a worker
 * killed after that statement is never sent again; the successor only finishes the record.
 * What remains is the one statement between the 250 and its commit (kill.test.ts shows the resend
 * there); this test measures how long that window is.
 */
import { performance } from 'node:perf_hooks';
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { Mailer } from '../../integrations/email/transport';
import { reminderSends } from '../../server/db/schema';
import { createLogger } from '../../server/logger';
import { describeWith } from '../support/services';
import { Driver } from './harness';
import { startSmall } from './seed';

const MIN15 = 15 * 60_000;

describeWith('pg', 'Reminders: the relay’s 250 is recorded first', () => {
  it('a worker killed after the hand-off is recorded sends nothing again; the record is finished', async () => {
    const s = await startSmall({ invoices: [{ due: -1, number: 'INV-7' }] });
    try {
      let accepted = 0;
      const windows: number[] = [];
      // A relay Arcus cannot ask (no `delivered`), timed at its reply.
      const relay: Mailer = {
        send: async (m) => {
          const r = await s.capture.plainMailer.send(m);
          accepted = performance.now();
          return r;
        },
        close: async () => undefined,
      };
      let killed = 0;
      const driver = new Driver({
        db: s.db,
        log: createLogger('silent'),
        env: { ...s.env, mailer: relay },
        crash: {
          shouldCrash: (p) => {
            if (p !== 'batch.after-handoff') return false;
            windows.push(performance.now() - accepted);
            return killed++ === 0;
          },
        },
      });
      await driver.tick([s.org.id]);
      expect(killed).toBe(1);
      expect(s.capture.messages).toHaveLength(1);
      const [left] = await s.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, s.org.id), eq(reminderSends.stepKey, 'due')));
      expect(left).toMatchObject({ status: 'sending', handoff: { response: expect.stringMatching(/^250/), rejected: [] } });

      s.advance(MIN15);
      await driver.tick([s.org.id]);
      expect(s.capture.messages).toHaveLength(1);
      const rows = await s.db.select().from(reminderSends).where(and(eq(reminderSends.organisationId, s.org.id), eq(reminderSends.stepKey, 'due')));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: 'sent', attempts: 1 });
      // The remaining window: from the relay's reply to the hand-off's commit (one UPDATE).
      console.log(`hand-off window after the 250: ${windows.map((w) => `${w.toFixed(2)} ms`).join(', ')}`);
      expect(windows.length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
