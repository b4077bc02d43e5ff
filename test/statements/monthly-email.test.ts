/**
 * Statements by email (server/statements/send.ts): a Xero organisation synced from the sandbox
 * opts in; on its first business day the tick emails each customer with a balance its statement
 * (PDF attached, statement pay link in the body) — run twice, and by two workers at once, each
 * customer gets exactly one email. Real PostgreSQL, a real SMTP server, a pinned clock.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ReceivedMail, startSmtpCapture } from '../../integrations/email/smtp-server';
import { smtpMailer } from '../../integrations/email/transport';
import { manualClock } from '../../kernel/clock';
import { queryRows } from '../../server/db/client';
import { withFirm } from '../../server/db/firm-scope';
import { runStatementTick, setStatementSchedule } from '../../server/statements/send';
import { runSync } from '../../server/sync/engine';
import { createOrReuseRun } from '../../server/sync/runs';
import { testServices } from '../support/process';
import { describeWith } from '../support/services';
import { type SyncFixture, startSyncFixture } from '../sync/connect-helper';

let fx: SyncFixture;
let organisationId: string;
const received: ReceivedMail[] = [];
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;

describeWith('pg', 'monthly statement emails', () => {
  beforeAll(async () => {
    fx = await startSyncFixture({ seed: 3, companies: [{ provider: 'xero', customers: 6, invoices: 40 }] });
    ({ organisationId } = await fx.connect('xero', fx.companyIds[0]!));
    fx.advance(61_000);
    const { runId } = await createOrReuseRun(fx.db, { organisationId, kind: 'full' });
    expect((await runSync(fx.engineDeps(), { runId })).status).toBe('succeeded');
    await fx.db.execute(sql`UPDATE organisations SET timezone = 'Europe/London' WHERE id = ${organisationId}`);
    const [u] = await queryRows<{ id: string }>(fx.db, sql`SELECT user_id::text AS id FROM memberships WHERE firm_id = ${fx.firmId} LIMIT 1`);
    await withFirm(fx.firmId, () => setStatementSchedule(fx.db, { firmId: fx.firmId, organisationId, userId: u!.id, monthlyEmail: true, kind: 'open_items' }));
    smtp = await startSmtpCapture({ onMessage: async (m) => void received.push(m) });
  }, 120_000);
  afterAll(async () => {
    await smtp?.close();
    await fx?.close();
  });

  it('goes on the first business day, once per customer however often the tick runs', async () => {
    const clock = manualClock('2027-05-01T10:00:00Z'); // Saturday 1 May 2027
    const mailer = smtpMailer(smtp.url, { pool: false });
    const services = { ...testServices({ db: fx.db, clock, mailer }), payLinkKey: Buffer.alloc(32, 7), appUrl: 'http://arcus.test' };
    expect((await runStatementTick(services)).sent).toBe(0);
    clock.set('2027-05-03T09:00:00Z'); // Monday 10:00 in London
    const [a, b] = await Promise.all([runStatementTick(services), runStatementTick({ ...services, mail: { ...services.mail, mailer: smtpMailer(smtp.url, { pool: false }) } })]);
    clock.set('2027-05-20T09:00:00Z');
    const c = await runStatementTick(services);
    await mailer.close();
    const expected = await queryRows<{ n: string }>(
      fx.db,
      sql`SELECT count(DISTINCT c.id)::text AS n FROM contacts c WHERE c.organisation_id = ${organisationId} AND jsonb_array_length(c.emails) > 0
            AND EXISTS (SELECT 1 FROM invoices i WHERE i.organisation_id = c.organisation_id AND i.contact_external_id = c.external_id AND i.status NOT IN ('draft', 'voided', 'deleted')
                        AND (i.amount_due <> 0 OR i.issue_date BETWEEN '2027-04-01' AND '2027-04-30'))`,
    );
    const sent = a.sent + b.sent + c.sent;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBe(Number(expected[0]!.n));
    expect(received).toHaveLength(sent);
    // One email per customer address set: no recipient twice.
    const byTo = new Map<string, number>();
    for (const m of received) byTo.set(m.envelopeTo.join(','), (byTo.get(m.envelopeTo.join(',')) ?? 0) + 1);
    expect([...byTo.values()].every((n) => n === 1)).toBe(true);
    const mail = received[0]!.parsed;
    expect(mail.subject).toContain('Statement from');
    expect(mail.text).toContain('Balance due:');
    expect(mail.text).toContain('Pay online: http://arcus.test/pay/');
    expect(mail.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    expect(c.sent).toBe(0);
  }, 60_000);
});
