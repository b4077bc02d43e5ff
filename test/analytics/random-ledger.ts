/**
 * A deterministic random ledger for one organisation, with the awkward cases the metrics must
 * survive: part payments, overpayments, reversals, credit notes on other dates, deleted
 * payments, voided and awaiting-approval credit notes, voided, draft and awaiting-approval (Xero's
 * SUBMITTED) invoices, invoices in another currency at
 * odd rates, sub-cent amounts, missing due dates, allocations dated before the issue date.
 */
import type { Db } from '../../server/db/client';
import { addDays, fromDayNumber, toDayNumber } from '../../kernel/dates';
import { prng } from '../../server/bench/types';
import { type InvoiceSeed, seedContacts, seedCreditNote, seedInvoices, seedPayment } from './seed';

/** Not approved yet (about 3%): half drafts, half awaiting approval. One draw either way. */
const notYetApproved = (r: number): 'draft' | 'submitted' | undefined => (r < 0.015 ? 'draft' : r < 0.03 ? 'submitted' : undefined);
/** A credit note voided (10%), awaiting approval (5%) or authorised, from one draw. */
const creditStatus = (r: number) => (r < 0.1 ? 'voided' : r < 0.15 ? 'submitted' : 'authorised');
const money = (cents: number, subCent = 0) => `${(cents / 100).toFixed(2)}${subCent ? String(subCent).padStart(2, '0') : '00'}`;

export async function seedRandomLedger(db: Db, firmId: string, organisationId: string, opts: { seed: number; invoices: number; baseCurrency: string; start: string; days: number }) {
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const start = toDayNumber(opts.start);
  const customers = Array.from({ length: 8 }, (_, i) => ({ externalId: `c${opts.seed}-${i}`, name: `Customer ${i}` }));
  await seedContacts(db, firmId, organisationId, customers);
  const list: InvoiceSeed[] = [];
  const foreign = ['XAF', 'CHF', 'JPY'].filter((c) => c !== opts.baseCurrency);
  for (let i = 0; i < opts.invoices; i++) {
    const issue = fromDayNumber(start + Math.floor(rand() * opts.days));
    const isForeign = rand() < 0.3;
    const cents = 100 + Math.floor(rand() * 500_000);
    list.push({
      externalId: `inv-${opts.seed}-${i}`,
      contact: pick(customers).externalId,
      issue,
      due: rand() < 0.1 ? null : addDays(issue, pick([0, 7, 14, 30, 45, 60])),
      total: money(cents, rand() < 0.1 ? pick([5, 49, 50, 51, 99]) : 0),
      currency: isForeign ? pick(foreign) : opts.baseCurrency,
      rate: isForeign ? pick(['0.5', '1.2345678901', '0.0071234567', '3.3333333333', '1.005']) : '1',
      status: rand() < 0.05 ? 'voided' : notYetApproved(rand()) ?? (rand() < 0.5 ? 'authorised' : 'paid'),
    });
  }
  await seedInvoices(db, firmId, organisationId, list, opts.baseCurrency);
  let p = 0;
  for (const inv of list) {
    const total = Math.round(Number(inv.total) * 100);
    const issueDay = toDayNumber(inv.issue);
    const day = (d: number) => fromDayNumber(issueDay + d);
    const pay = async (amountCents: number, d: number, extra: { status?: string; subCent?: number } = {}) => {
      p += 1;
      const amount = amountCents < 0 ? `-${money(-amountCents, extra.subCent)}` : money(amountCents, extra.subCent);
      await seedPayment(db, firmId, organisationId, { externalId: `pay-${opts.seed}-${p}`, date: day(d), status: extra.status, allocations: [{ invoice: inv.externalId, amount }] });
    };
    const r = rand();
    if (r < 0.35) await pay(total, Math.floor(rand() * 120));
    else if (r < 0.55) {
      const first = Math.floor(total * rand());
      const d1 = Math.floor(rand() * 60);
      await pay(first, d1, { subCent: rand() < 0.2 ? 50 : 0 });
      if (rand() < 0.7) await pay(total - first, d1 + Math.floor(rand() * 90));
    } else if (r < 0.62) await pay(total + 1000, Math.floor(rand() * 40)); // overpaid
    else if (r < 0.68) {
      const d1 = Math.floor(rand() * 30);
      await pay(total, d1);
      await pay(-total, d1 + 5); // reversed
      if (rand() < 0.6) await pay(total, d1 + 20 + Math.floor(rand() * 40));
    } else if (r < 0.72) await pay(total, Math.floor(rand() * 60), { status: 'deleted' });
    else if (r < 0.74) await pay(total, -3); // dated before the issue date
    if (rand() < 0.15) {
      p += 1;
      const credit = Math.floor(total * rand() * 0.6);
      await seedCreditNote(db, firmId, organisationId, {
        externalId: `cn-${opts.seed}-${p}`,
        contact: inv.contact,
        date: day(Math.floor(rand() * 50)),
        status: creditStatus(rand()),
        allocations: [{ invoice: inv.externalId, amount: money(credit), date: day(Math.floor(rand() * 80)) }],
      });
    }
  }
  return list;
}
