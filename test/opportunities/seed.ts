/**
 * Four small clients in USD, hand-computed for the period 1 July – 28 September 2026 (90 days).
 * Each issues invoice 1 on 1 July (due 31 July) and invoice 2 on 1 September (due 31 October),
 * 4,500.00 each: S = 9,000.00, daily sales 100.00. Sales over the 12 months: 9,000.00 → all "Small".
 *
 *   client           invoice 1 paid            invoice 2 paid      AR(28 Sep)  DSO    overdue   CEI     DBT
 *   Alder Joinery    4,500.00 on 10 August     2,700.00 10 Sep     1,800.00    18.00  0%        100.00  10.00
 *   Birch Bakery     4,500.00 on 31 July       1,800.00 10 Sep     2,700.00    27.00  0%        100.00   0.00
 *   Cedar Studio     4,500.00 on 20 August     —                   4,500.00    45.00  0%        100.00  20.00
 *   Dunmore Traders  1,800.00 on 15 August     —                   7,200.00    72.00  37.50%     40.00  —
 *
 * Group of 4 ≥ 3: benchmark DSO = median(18, 27, 45, 72) = (27 + 45) / 2 = 36.00.
 * Cash released: Dunmore (72 − 36) × 100.00 = 3,600.00; Cedar (45 − 36) × 100.00 = 900.00; the others 0.
 * CEI = (AR(30 Jun) 0 + S − AR) / (0 + S − CurrentAR) × 100: Dunmore 1,800 / 4,500 = 40.00.
 */
import type { Db } from '../../server/db/client';
import { seedContacts, seedInvoices, seedOrganisation, seedPayment } from '../analytics/seed';

export const PERIOD = { from: '2026-07-01', to: '2026-09-28' };

const CLIENTS = [
  { name: 'Alder Joinery', pays: [['i1', '4500.00', '2026-08-10'], ['i2', '2700.00', '2026-09-10']] },
  { name: 'Birch Bakery', pays: [['i1', '4500.00', '2026-07-31'], ['i2', '1800.00', '2026-09-10']] },
  { name: 'Cedar Studio', pays: [['i1', '4500.00', '2026-08-20']] },
  { name: 'Dunmore Traders', pays: [['i1', '1800.00', '2026-08-15']] },
] as const;

export async function seedOpportunityClients(db: Db, firmId: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const c of CLIENTS) {
    const org = await seedOrganisation(db, firmId, { name: c.name });
    ids[c.name] = org.id;
    await seedContacts(db, firmId, org.id, [{ externalId: 'k1', name: 'Customer One' }]);
    await seedInvoices(db, firmId, org.id, [
      { externalId: 'i1', contact: 'k1', issue: '2026-07-01', due: '2026-07-31', total: '4500.00' },
      { externalId: 'i2', contact: 'k1', issue: '2026-09-01', due: '2026-10-31', total: '4500.00' },
    ]);
    for (const [n, [inv, amount, date]] of c.pays.entries()) await seedPayment(db, firmId, org.id, { externalId: `p${n}`, date, allocations: [{ invoice: inv, amount }] });
  }
  return ids;
}
