/**
 * Issue #19: Xero `allocateCredit` against the sandbox ledger over HTTP, through the real SDK, for
 * an overpayment, a prepayment and a credit note: the allocation appears once (in the sandbox's own
 * state and in the credit read back), a replay with the same key changes nothing, and an allocation
 * larger than the credit left is refused with a LedgerError in words. QuickBooks refuses the write.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AllocateCreditParams } from '../../integrations/ledger/writes';
import type { SbAllocation } from '../../integrations/sandbox/model';
import { addDays } from '../../kernel/dates';
import { companyToday, openInvoice, rejection, startWritesFixture, type WritesFixture } from './helpers';

let fx: WritesFixture;

beforeAll(async () => {
  fx = await startWritesFixture();
});
afterAll(async () => fx?.close());

/** A credit of 150.00 for the invoice's customer, of the given kind, in the sandbox. */
function creditFor(source: AllocateCreditParams['source'], contactId: string): { id: string; allocations: () => SbAllocation[]; remaining: () => number } {
  const companyId = fx.xero.companyId;
  const date = addDays(companyToday(fx.store, companyId), -20);
  if (source === 'creditNote') {
    const cn = fx.store.createCreditNote(companyId, { contactId, date, lines: [{ description: 'Returned goods', unitAmount: 15_000, taxAmount: 0 }], lineAmountTypes: 'NoTax' });
    return { id: cn.id, allocations: () => fx.store.creditNote(companyId, cn.id).allocations, remaining: () => fx.store.creditNote(companyId, cn.id).remainingCredit };
  }
  const x = fx.store.createPrepayment(companyId, { kind: source, contactId, date, amount: 15_000, reference: `Bank ${source}` });
  return { id: x.id, allocations: () => fx.store.prepayment(companyId, x.id).allocations, remaining: () => fx.store.prepayment(companyId, x.id).remainingCredit };
}

describe('Xero allocateCredit against the sandbox', () => {
  for (const source of ['overpayment', 'prepayment', 'creditNote'] as const) {
    it(`${source}: one allocation; the same key replays it; more than the credit left is refused in words`, async () => {
      const companyId = fx.xero.companyId;
      const inv = openInvoice(fx.store, companyId);
      const credit = creditFor(source, inv.contactId);
      const key = randomUUID();
      const params: AllocateCreditParams = { key, source, sourceExternalId: credit.id, invoiceExternalId: inv.id, amount: '60.00', date: companyToday(fx.store, companyId) };

      const doc = await fx.xero.writes().allocateCredit(params);
      expect(doc).toMatchObject({ externalId: credit.id, total: '150.00', remaining: '90.00', allocations: [{ invoiceExternalId: inv.id, amount: '60.00' }] });
      expect(credit.allocations()).toHaveLength(1);
      expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(20_000 - 6_000);

      // A retry with the same key (the worker did not hear the answer) changes nothing.
      const again = await fx.xero.writes().allocateCredit(params);
      expect(again.allocations).toEqual(doc.allocations);
      expect(credit.allocations()).toHaveLength(1);
      expect(credit.remaining()).toBe(9_000);
      expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(14_000);
      expect(await fx.xero.writes().readCredit(source, credit.id)).toMatchObject({ remaining: '90.00', allocations: [{ invoiceExternalId: inv.id, amount: '60.00' }] });

      // 100.00 more than the 90.00 left: refused, in words, and nothing changes.
      const err = await rejection(fx.xero.writes().allocateCredit({ ...params, key: randomUUID(), amount: '100.00' }));
      expect(err.code).toBe('validation');
      // What went wrong, in the ledger's words (with Xero's correlation id for its support team).
      expect(err.message).toMatch(/^Allocating the Xero .+ to the invoice failed \(400\): The allocation .*credit remaining/);
      expect(credit.allocations()).toHaveLength(1);
      expect(credit.remaining()).toBe(9_000);
      expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(14_000);
    });
  }

  it('a credit the ledger does not have reads back as nothing', async () => {
    expect(await fx.xero.writes().readCredit('overpayment', randomUUID())).toBeNull();
  });

  it('QuickBooks refuses the write in words and writes nothing', async () => {
    const companyId = fx.qbo.companyId;
    const inv = openInvoice(fx.store, companyId);
    const payments = fx.store.list('payments', companyId).length;
    const err = await rejection(fx.qbo.writes().allocateCredit({ key: randomUUID(), source: 'overpayment', sourceExternalId: '1', invoiceExternalId: inv.id, amount: '10.00', date: companyToday(fx.store, companyId) }));
    expect(err.message).toMatch(/QuickBooks/);
    expect(fx.store.list('payments', companyId).length).toBe(payments);
    expect(fx.store.invoice(companyId, inv.id).amountDue).toBe(20_000);
  });
});
