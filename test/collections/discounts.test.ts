import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { listOffers, runDiscounts } from '../../server/collections/discounts';
import { discountSourceKey } from '../../server/collections/rules';
import { discountOffers, writebacks } from '../../server/db/schema';
import { addDays } from '../../kernel/dates';
import { describeWith } from '../support/services';
import { seedCollections, TODAY } from './seed';

describeWith('pg', 'Early-payment discounts against the database', () => {
  it('offers on eligible invoices, applies when paid in time, withdraws after expiry', async () => {
    const s = await seedCollections({
      invoices: [
        { number: 'D-1', issued: -3, due: 27, amount: '1250.00' },
        { number: 'D-2', issued: -20, due: 10 },
        { number: 'D-3', issued: -1, due: 29, amount: '80.00' },
        { number: 'D-4', issued: -2, due: 28, amount: '500.00' },
      ],
      policy: { earlyDiscount: { enabled: true, ratePct: '2', withinDays: 10, minimumAmount: '100' } },
    });
    const first = await runDiscounts(s.deps, s.firmId, s.orgId);
    expect(first.offered).toBe(2);
    expect((await runDiscounts(s.deps, s.firmId, s.orgId)).offered).toBe(0); // one offer per invoice
    let offers = await listOffers(s.db, s.firmId, s.orgId);
    expect(offers.map((o) => [o.invoiceNumber, o.discount, o.rateBp, o.expiresOn, o.status])).toEqual([
      ['D-1', '25.00', 200, addDays(TODAY, 7), 'offered'],
      ['D-4', '10.00', 200, addDays(TODAY, 8), 'offered'],
    ]);

    // D-1 paid 1,225.00 on its last day: the 25.00 left is credited as the discount.
    await s.pay('D-1', '1225.00', addDays(TODAY, 7));
    // D-4 paid in full after its expiry: nothing to credit.
    s.setDay(addDays(TODAY, 7));
    const applied = await runDiscounts(s.deps, s.firmId, s.orgId);
    expect(applied.applied.map((a) => a.amount)).toEqual(['25.00']);
    const [credit] = await s.writebacksOf({ purpose: 'early_payment_discount' });
    const d1 = offers.find((o) => o.invoiceNumber === 'D-1')!;
    expect(credit).toMatchObject({ kind: 'credit_note', sourceKey: discountSourceKey(d1.id), amount: '25.0000', invoiceId: s.invoice('D-1').id, status: 'pending' });
    expect((credit!.request as { allocateTo: unknown }).allocateTo).toEqual({ invoiceExternalId: 'inv-D-1', amount: '25.00' });
    expect((credit!.request as { date: string }).date).toBe(addDays(TODAY, 7));

    s.setDay(addDays(TODAY, 9));
    await s.pay('D-4', '500.00', addDays(TODAY, 9));
    const later = await runDiscounts(s.deps, s.firmId, s.orgId);
    expect(later).toMatchObject({ applied: [], withdrawn: 1 });
    offers = await listOffers(s.db, s.firmId, s.orgId);
    expect(offers.map((o) => [o.invoiceNumber, o.status, o.writebackId])).toEqual([
      ['D-1', 'applied', credit!.id],
      ['D-4', 'withdrawn', null],
    ]);
    // Running again changes nothing and requests nothing more.
    expect(await runDiscounts(s.deps, s.firmId, s.orgId)).toEqual({ offered: 0, withdrawn: 0, applied: [] });
    expect(await s.writebacksOf({ purpose: 'early_payment_discount' })).toHaveLength(1);
  });

  it('a discount the pay page already applied (same source key) is not applied twice', async () => {
    const s = await seedCollections({ invoices: [{ number: 'P-1', issued: -1, due: 29, amount: '1000.00' }], policy: { earlyDiscount: { enabled: true, ratePct: '2.5', withinDays: 14 } } });
    await runDiscounts(s.deps, s.firmId, s.orgId);
    const [offer] = await s.db.select().from(discountOffers).where(eq(discountOffers.firmId, s.firmId));
    expect(offer!.discount).toBe('25.0000');
    const [pay] = await s.db
      .insert(writebacks)
      .values({ firmId: s.firmId, organisationId: s.orgId, kind: 'credit_note', purpose: 'early_payment_discount', sourceKey: discountSourceKey(offer!.id), invoiceId: s.invoice('P-1').id, amount: '25.00', currency: 'GBP', status: 'confirmed', requestedBy: 'debtor' })
      .returning();
    await s.pay('P-1', '975.00', TODAY);
    const r = await runDiscounts(s.deps, s.firmId, s.orgId);
    expect(r.applied).toEqual([{ offerId: offer!.id, writebackId: pay!.id, status: 'confirmed', amount: '25.00' }]);
    expect(s.enqueued).toEqual([]);
    const rows = await s.db.select().from(writebacks).where(and(eq(writebacks.firmId, s.firmId), eq(writebacks.purpose, 'early_payment_discount')));
    expect(rows).toHaveLength(1);
    const [after] = await s.db.select().from(discountOffers).where(eq(discountOffers.id, offer!.id));
    expect(after).toMatchObject({ status: 'applied', writebackId: pay!.id });
  });

  it('applies a withdrawn offer when a payment dated in time is synced late', async () => {
    const s = await seedCollections({ invoices: [{ number: 'L-1', issued: -2, due: 28, amount: '200.00' }], policy: { earlyDiscount: { enabled: true, ratePct: '5', withinDays: 5 } } });
    await runDiscounts(s.deps, s.firmId, s.orgId);
    s.setDay(addDays(TODAY, 4));
    expect((await runDiscounts(s.deps, s.firmId, s.orgId)).withdrawn).toBe(1);
    await s.pay('L-1', '190.00', addDays(TODAY, 3)); // paid on the last day, seen a day later
    const r = await runDiscounts(s.deps, s.firmId, s.orgId);
    expect(r.applied.map((a) => a.amount)).toEqual(['10.00']);
    expect((await listOffers(s.db, s.firmId, s.orgId))[0]!.status).toBe('applied');
  });

  it('offers nothing while the policy is off', async () => {
    const s = await seedCollections({ invoices: [{ number: 'O-1', issued: -1, due: 29 }] });
    expect(await runDiscounts(s.deps, s.firmId, s.orgId)).toEqual({ offered: 0, withdrawn: 0, applied: [] });
  });
});
