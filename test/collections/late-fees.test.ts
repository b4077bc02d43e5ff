import { expect, it } from 'vitest';
import { applyLateFees, assessLateFeesForOrganisation, forgiveFee, previewLateFees } from '../../server/collections/late-fees';
import { activities } from '../../server/db/schema';
import { addDays } from '../../kernel/dates';
import { toMinor } from '../../kernel/money';
import { INVOICE_DISPUTED, PLAN_CREATED } from '../../server/scoring/in-motion';
import { describeWith } from '../support/services';
import { seedCollections, TODAY } from './seed';

describeWith('pg', 'Late fees against the database', () => {
  it('charges each 30-day band once even when the job runs twice, respects grace, cap, disputes and plans', async () => {
    const s = await seedCollections({
      invoices: [
        { number: 'INV-001', due: -40 },
        { number: 'INV-002', due: -5 },
        { number: 'INV-003', due: -40 },
        { number: 'INV-004', due: -40 },
        { number: 'INV-005', due: -40, amount: '40.00' },
      ],
      policy: { lateFees: { enabled: true, kind: 'flat', amount: '25', graceDays: 7, period: 'monthly', cap: '60', post: 'invoice', minimumInvoiceDue: '50' } },
    });
    await s.db.insert(activities).values([
      { firmId: s.firmId, organisationId: s.orgId, actorType: 'user', kind: INVOICE_DISPUTED, invoiceId: s.invoice('INV-003').id, summary: 'disputed' },
      { firmId: s.firmId, organisationId: s.orgId, actorType: 'user', kind: PLAN_CREATED, invoiceId: s.invoice('INV-004').id, summary: 'on a plan' },
    ]);

    const first = await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId);
    const second = await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId);
    expect(first.requested.map((r) => [r.periodKey, r.amount, r.created])).toEqual([
      ['d0-30', '25.00', true],
      ['d30-60', '25.00', true],
    ]);
    expect(first.held).toBe(2);
    expect(second.requested).toEqual([]); // the charged bands are no longer due
    let fees = await s.writebacksOf({ kind: 'late_fee' });
    expect(fees.map((f) => [f.sourceKey, f.amount, f.status])).toEqual([
      [`late_fee:${s.invoice('INV-001').id}:d0-30`, '25.0000', 'pending'],
      [`late_fee:${s.invoice('INV-001').id}:d30-60`, '25.0000', 'pending'],
    ]);
    expect(s.enqueued).toHaveLength(2);
    const req = fees[0]!.request as { mode: string; reference: string; dueDate: string; date: string; lines: { amount: string }[]; contactExternalId: string };
    expect(req).toMatchObject({ mode: 'invoice', reference: 'Late fee on INV-001 (1–30 days overdue)', date: TODAY, dueDate: addDays(TODAY, 14), contactExternalId: 'c-bay' });
    expect(req.lines[0]!.amount).toBe('25.00');
    expect(fees[0]!.noteText).toBe('Late fee of £25.00 charged on a separate invoice (1–30 days overdue) by Arcus');

    // 30 days on: INV-001's third band is cut to what the cap leaves (60 − 50); INV-002, out of
    // its grace now (35 days overdue), catches up its two bands.
    s.setDay(addDays(TODAY, 30));
    const later = await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId);
    expect(later.requested.map((r) => [r.periodKey, r.amount])).toEqual([
      ['d60-90', '10.00'],
      ['d0-30', '25.00'],
      ['d30-60', '25.00'],
    ]);
    s.setDay(addDays(TODAY, 90));
    const last = await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId);
    expect(last.requested.map((r) => [r.periodKey, r.amount])).toEqual([['d60-90', '10.00']]);
    fees = await s.writebacksOf({ kind: 'late_fee' });
    expect(fees).toHaveLength(6);
    const byInvoice = (n: string) => fees.filter((f) => f.invoiceId === s.invoice(n).id).reduce((sum, f) => sum + toMinor(f.amount!, 2, true), 0);
    expect(byInvoice('INV-001')).toBe(6000);
    expect(byInvoice('INV-002')).toBe(6000);
    expect(new Set(fees.map((f) => f.sourceKey)).size).toBe(6);
  });

  it('does nothing when automatic fees are off, but a collector can apply one with a preview', async () => {
    const s = await seedCollections({ invoices: [{ number: 'INV-010', due: -20, amount: '1000.00' }], policy: { lateFees: { enabled: false, kind: 'percentage', percent: '1.5', minimum: '20', graceDays: 7 } } });
    expect((await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId)).requested).toEqual([]);
    const preview = await previewLateFees(s.db, s.firmId, s.orgId, s.invoice('INV-010').id, s.now());
    expect(preview).toMatchObject({ blocked: null, overdueDays: 20, fees: [{ periodKey: 'once', amount: '20.00', purpose: 'late_fee', label: 'Nov 2026' }] });
    const applied = await applyLateFees(s.deps, { firmId: s.firmId, organisationId: s.orgId, invoiceId: s.invoice('INV-010').id, userId: s.userId });
    expect(applied.requested.map((r) => [r.periodKey, r.amount])).toEqual([['once', '20.00']]);
    await expect(applyLateFees(s.deps, { firmId: s.firmId, organisationId: s.orgId, invoiceId: s.invoice('INV-010').id, userId: s.userId })).rejects.toMatchObject({ kind: 'conflict', code: 'no_fee_due' });
    const [fee] = await s.writebacksOf({ kind: 'late_fee' });
    expect(fee).toMatchObject({ requestedBy: 'user', requestedByUserId: s.userId, amount: '20.0000' });
    expect((await previewLateFees(s.db, s.firmId, s.orgId, s.invoice('INV-010').id, s.now())).charged).toMatchObject([{ periodKey: 'once', amount: '20.00', forgiven: false }]);
  });

  it('accrues interest per completed month, posted as a line on the invoice', async () => {
    const s = await seedCollections({ invoices: [{ number: 'INV-020', due: -38, amount: '1250.00' }], policy: { lateFees: { enabled: true, kind: 'annual_rate', annualRatePct: '8', graceDays: 0, post: 'line', accountCode: '260' } } });
    // Due 2026-10-16: interest for 17–31 Oct (15 days) on 1,250.00 at 8 % = 4.109… → 4.11.
    const r = await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId);
    expect(r.requested.map((x) => [x.periodKey, x.amount])).toEqual([['2026-10', '4.11']]);
    const [w] = await s.writebacksOf({ kind: 'late_fee' });
    expect(w).toMatchObject({ purpose: 'interest', invoiceExternalId: 'inv-INV-020' });
    expect(w!.request).toEqual({ mode: 'line', invoiceExternalId: 'inv-INV-020', lines: [{ description: 'Interest at 8% a year on £1,250.00 overdue on INV-020, 15 days (Oct 2026)', amount: '4.11', accountCode: '260' }] });
    s.setDay('2026-12-01');
    expect((await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId)).requested.map((x) => [x.periodKey, x.amount])).toEqual([['2026-11', '8.22']]);
  });

  it('forgives a fee with a fee_reversal credit note allocated to the fee invoice, once', async () => {
    const s = await seedCollections({ invoices: [{ number: 'INV-030', due: -20 }], policy: { lateFees: { enabled: true, kind: 'flat', amount: '25', graceDays: 7, period: 'once', cap: '25' } } });
    const [req] = (await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId)).requested;
    await expect(forgiveFee(s.deps, { firmId: s.firmId, writebackId: req!.writebackId, userId: s.userId })).rejects.toMatchObject({ kind: 'conflict', code: 'fee_not_in_ledger' });
    await s.confirm(req!.writebackId, 'ledger-fee-inv-1');
    const f1 = await forgiveFee(s.deps, { firmId: s.firmId, writebackId: req!.writebackId, userId: s.userId });
    const f2 = await forgiveFee(s.deps, { firmId: s.firmId, writebackId: req!.writebackId, userId: s.userId });
    expect(f1).toMatchObject({ created: true, amount: '25.00' });
    expect(f2).toMatchObject({ created: false, writebackId: f1.writebackId });
    const [credit] = await s.writebacksOf({ purpose: 'fee_reversal' });
    expect(credit).toMatchObject({ kind: 'credit_note', sourceKey: `fee_reversal:${req!.writebackId}`, reversesId: req!.writebackId, amount: '25.0000', invoiceId: s.invoice('INV-030').id });
    expect((credit!.request as { allocateTo: unknown }).allocateTo).toEqual({ invoiceExternalId: 'ledger-fee-inv-1', amount: '25.00' });
    // Forgiven, the fee no longer counts toward the cap, but its period is still never charged again.
    const preview = await previewLateFees(s.db, s.firmId, s.orgId, s.invoice('INV-030').id, s.now());
    expect(preview.charged[0]).toMatchObject({ forgiven: true, forgivenBy: f1.writebackId });
    expect(preview.fees).toEqual([]);
    expect(preview.capRemaining).toBe('25.00');
    await expect(forgiveFee(s.deps, { firmId: s.firmId, writebackId: f1.writebackId, userId: s.userId })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('forgives a line fee with a credit note allocated to the original invoice', async () => {
    const s = await seedCollections({ invoices: [{ number: 'INV-040', due: -20, amount: '500.00' }], policy: { lateFees: { enabled: true, kind: 'percentage', percent: '2', graceDays: 7, post: 'line' } } });
    const [req] = (await assessLateFeesForOrganisation(s.deps, s.firmId, s.orgId)).requested;
    expect(req!.amount).toBe('10.00');
    await s.confirm(req!.writebackId, 'inv-INV-040');
    await forgiveFee(s.deps, { firmId: s.firmId, writebackId: req!.writebackId, userId: s.userId });
    const [credit] = await s.writebacksOf({ purpose: 'fee_reversal' });
    expect((credit!.request as { allocateTo: unknown }).allocateTo).toEqual({ invoiceExternalId: 'inv-INV-040', amount: '10.00' });
  });
});
