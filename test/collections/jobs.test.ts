import { expect, it } from 'vitest';
import { collectionsAssessJob, collectionsTickJob } from '../../jobs/collections/jobs';
import type { JobDefinition, JobQueue } from '../../jobs/define';
import { allJobs, schedules } from '../../jobs/registry';
import { listOffers } from '../../server/collections/discounts';
import { DEFAULT_POLICY, policyFrom } from '../../server/collections/policy';
import { createPlan } from '../../server/collections/plans';
import { clockFrom } from '../../kernel/clock';
import { createLogger } from '../../server/logger';
import { testServices } from '../support/process';
import { describeWith } from '../support/services';
import { recordingMailer, seedCollections, TODAY } from './seed';

/** A queue that records what is enqueued (the jobs' own logic is what is under test). */
function recordingQueue(): JobQueue & { jobs: { name: string; payload: unknown; jobId?: string }[] } {
  const jobs: { name: string; payload: unknown; jobId?: string }[] = [];
  return {
    kind: 'inline',
    jobs,
    async enqueue<P>(def: JobDefinition<P>, payload: P, options?: { jobId?: string }) {
      jobs.push({ name: def.name, payload, jobId: options?.jobId });
      return options?.jobId ?? 'x';
    },
    async request(name, payload, options) {
      jobs.push({ name, payload, jobId: options?.jobId });
      return options?.jobId ?? 'x';
    },
    async schedule() {},
    async unschedule() {},
    async close() {},
  };
}

it('reads a damaged stored policy section as its defaults, keeping the rest', () => {
  const p = policyFrom({ approvalThreshold: '250.00', lateFees: { kind: 'weird' }, plans: { maxInstalments: 6 } });
  expect(p.approvalThreshold).toBe('250.00');
  expect(p.lateFees).toEqual(DEFAULT_POLICY.lateFees);
  expect(p.plans.maxInstalments).toBe(6);
  expect(policyFrom(null)).toEqual(DEFAULT_POLICY);
});

it('registers the collection jobs with an hourly tick', () => {
  expect(allJobs.map((j) => j.name)).toEqual(expect.arrayContaining(['collections.tick', 'collections.assess']));
  expect(schedules.find((s) => s.id === 'collections.tick')?.everyMs).toBe(3_600_000);
});

describeWith('pg', 'Collection jobs', () => {
  it('one assessment per organisation and local day; fees, offers and instalment reminders once however often it runs', async () => {
    const s = await seedCollections({
      invoices: [
        { number: 'J-1', due: -20, amount: '300.00' },
        { number: 'J-2', issued: -1, due: 29, amount: '400.00', contact: 'c-north' },
      ],
      policy: { lateFees: { enabled: true, kind: 'flat', amount: '10', graceDays: 7 }, earlyDiscount: { enabled: true, ratePct: '2', withinDays: 10 }, plans: { reminderDaysBefore: 3 } },
    });
    const mailer = recordingMailer();
    const queue = recordingQueue();
    const services = testServices({ db: s.db, queue, mailer, clock: clockFrom(() => s.now().getTime()) });
    const ctx = { db: s.db, log: createLogger('silent'), queue, jobId: 'j', attempt: 1, services };

    await collectionsTickJob.handler({}, ctx);
    const mine = queue.jobs.filter((j) => j.name === 'collections.assess' && (j.payload as { organisationId: string }).organisationId === s.orgId);
    expect(mine).toEqual([{ name: 'collections.assess', payload: { organisationId: s.orgId }, jobId: `cassess-${s.orgId}-${TODAY}` }]);

    await createPlan(s.deps, s.firmId, s.userId, { organisationId: s.orgId, contactExternalId: 'c-north', frequency: 'weekly', count: 2, startDate: '2026-11-25' });
    queue.jobs.length = 0;
    await collectionsAssessJob.handler({ organisationId: s.orgId }, ctx);
    await collectionsAssessJob.handler({ organisationId: s.orgId }, ctx);
    const fees = await s.writebacksOf({ kind: 'late_fee' });
    expect(fees.map((f) => [f.invoiceId, f.amount])).toEqual([[s.invoice('J-1').id, '10.0000']]);
    expect(queue.jobs.filter((j) => j.name === 'writebacks.execute').map((j) => (j.payload as { writebackId: string }).writebackId)).toEqual([fees[0]!.id]);
    // J-2 is on the plan: no discount offer; the instalment due in 2 days is emailed once.
    expect(await listOffers(s.db, s.firmId, s.orgId)).toEqual([]);
    expect(mailer.sent.map((m) => m.subject)).toEqual(['Payment plan: instalment 1 of 2 (£200.00) due 25 Nov 2026']);
  });
});
