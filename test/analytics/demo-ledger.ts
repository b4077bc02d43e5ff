/**
 * A lively ledger dated relative to today, for the browser test: named customers with distinct
 * paying habits over 20 months, tracking categories on lines, a few data-quality problems.
 */
import type { Db } from '../../server/db/client';
import { addDays, todayIn } from '../../kernel/dates';
import { prng } from '../../server/bench/types';
import { type ContactSeed, type InvoiceSeed, seedContacts, seedCreditNote, seedInvoices, seedOrganisation, seedPayment } from './seed';

const NAMES = ['Acme Ltd', 'ACME Limited', 'Bluebird Bakery', 'Copperleaf Interiors', 'Driftwood Marine', 'Evergreen Landscaping', 'Fjord Freight', 'Granite & Co', 'Hillside Dental', 'Ironbark Joinery', 'Juniper Florists', 'Kestrel Print'];

/** `today`: the day the ledger is dated back from (default: today in UTC on the system clock). */
export async function seedDemoLedger(db: Db, firmId: string, o: { name: string; provider: 'xero' | 'quickbooks'; baseCurrency: string; seed: number; invoices: number; lateness: number; unpaid: number; today?: string }) {
  const rand = prng(o.seed);
  const today = o.today ?? todayIn('UTC');
  const org = await seedOrganisation(db, firmId, { name: o.name, provider: o.provider, baseCurrency: o.baseCurrency });
  const contacts: ContactSeed[] = NAMES.map((name, i) => ({
    externalId: `${o.seed}-c${i}`,
    name,
    emails: i === 4 ? [] : [{ address: i === 1 ? 'accounts@@acme' : `ap@${name.toLowerCase().replace(/[^a-z]+/g, '')}.example`, primary: true }],
    phones: i === 6 ? [] : [{ type: 'DEFAULT', number: `+1 555 01${String(i).padStart(2, '0')} 000` }],
    addresses: i === 7 ? [] : [{ type: 'POBOX', line1: `${i + 1} Harbour Road`, city: 'Port Town' }],
  }));
  await seedContacts(db, firmId, org.id, contacts);
  const category = o.provider === 'xero' ? 'Region' : 'Class';
  const options = o.provider === 'xero' ? ['North', 'South', 'West'] : ['Install', 'Service'];
  const habit = contacts.map((_, i) => Math.round((i % 4) * o.lateness * rand()));
  const list: InvoiceSeed[] = [];
  for (let n = 0; n < o.invoices; n++) {
    const c = Math.floor(rand() * contacts.length);
    const issue = addDays(today, -Math.floor(rand() * 600));
    const a = 20_000 + Math.floor(rand() * 800_000);
    const b = Math.floor(a * rand());
    list.push({
      externalId: `${o.seed}-inv-${n}`,
      number: `INV-${1000 + n}`,
      contact: contacts[c]!.externalId,
      issue,
      due: n % 37 === 5 ? null : addDays(issue, 30),
      total: ((a + b) / 100).toFixed(2),
      lines: [
        { amount: (a / 100).toFixed(2), tracking: [{ name: category, option: options[n % options.length]! }] },
        { amount: (b / 100).toFixed(2), tracking: [{ name: category, option: options[(n + 1) % options.length]! }] },
      ],
    });
  }
  await seedInvoices(db, firmId, org.id, list, o.baseCurrency);
  let p = 0;
  for (const [n, inv] of list.entries()) {
    const c = contacts.findIndex((x) => x.externalId === inv.contact);
    const payDay = addDays(inv.due ?? inv.issue, habit[c]! + Math.floor(rand() * 20) - 8);
    if (payDay > today || rand() < o.unpaid) continue; // still open
    p += 1;
    const total = Number(inv.total);
    if (n % 9 === 0) {
      await seedPayment(db, firmId, org.id, { externalId: `${o.seed}-p${p}`, date: addDays(payDay, -15), currency: o.baseCurrency, allocations: [{ invoice: inv.externalId, amount: (total / 2).toFixed(2) }] });
      if (addDays(payDay, 20) <= today) await seedPayment(db, firmId, org.id, { externalId: `${o.seed}-q${p}`, date: addDays(payDay, 20), currency: o.baseCurrency, allocations: [{ invoice: inv.externalId, amount: (total - Number((total / 2).toFixed(2))).toFixed(2) }] });
    } else if (n % 17 === 0) {
      await seedCreditNote(db, firmId, org.id, { externalId: `${o.seed}-cn${p}`, contact: inv.contact, date: payDay, currency: o.baseCurrency, allocations: [{ invoice: inv.externalId, amount: total.toFixed(2), date: payDay }] });
    } else {
      await seedPayment(db, firmId, org.id, { externalId: `${o.seed}-p${p}`, date: payDay, currency: o.baseCurrency, allocations: [{ invoice: inv.externalId, amount: total.toFixed(2) }] });
    }
  }
  return org;
}
