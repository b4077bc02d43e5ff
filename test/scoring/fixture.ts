/**
 * The scoring suites' firm (QuickBooks organisations, so models are fitted — a Xero one is
 * scored by the no-fit method, data-use.test.ts): organisation A ("Harbour Supplies", its own model) with a prompt,
 * a chronically late, a steady and a brand-new customer; organisation B ("Latecomers") whose
 * customers all pay ~40 days late, so the firm-wide prior is much later than A's own history;
 * and a second firm that must never show up. `now` is fixed: every run and read passes it.
 */
import type { Database } from '../../server/db/client';
import { createFirm } from '../support/db';
import { type SeededInvoice, seedHabits, seedOrg } from './seed';

export const NOW = new Date('2026-06-17T12:00:00Z');
export const TODAY = '2026-06-17';

export interface ScoringFixture {
  firmId: string;
  userId: string;
  orgA: { id: string; name: string };
  orgB: { id: string; name: string };
  invoicesA: SeededInvoice[];
  invoicesB: SeededInvoice[];
  otherFirmId: string;
  otherOrgId: string;
}

export async function buildFixture(database: Database): Promise<ScoringFixture> {
  const db = database.db;
  const { firm, user } = await createFirm(database, 'admin');
  const orgA = await seedOrg(db, firm.id, 'Harbour Supplies', { provider: 'quickbooks' });
  const orgB = await seedOrg(db, firm.id, 'Latecomers Ltd', { provider: 'quickbooks' });
  const invoicesA = await seedHabits(
    db,
    firm.id,
    orgA.id,
    [
      { externalId: 'prompt', name: 'Prompt Payers Inc', late: -5, jitter: 3, first: '2024-07-01', amount: 1000 },
      { externalId: 'chronic', name: 'Chronic Late Co', late: 25, jitter: 5, first: '2024-07-03', amount: 1500 },
      { externalId: 'steady', name: 'Steady & Sons', late: 0, jitter: 2, every: 21, first: '2024-08-01', amount: 800 },
      { externalId: 'newbie', name: 'Newbie GmbH', late: 0, jitter: 0, every: 30, first: '2026-04-20', count: 2, amount: 900 },
    ],
    TODAY,
    11,
  );
  const invoicesB = await seedHabits(
    db,
    firm.id,
    orgB.id,
    [
      { externalId: 'slow-1', name: 'Slow One', late: 40, jitter: 6, every: 10, first: '2024-07-01', amount: 700 },
      { externalId: 'slow-2', name: 'Slow Two', late: 45, jitter: 6, every: 10, first: '2024-07-05', amount: 700 },
      { externalId: 'slow-3', name: 'Slow Three', late: 35, jitter: 6, every: 10, first: '2024-07-09', amount: 700 },
    ],
    TODAY,
    12,
  );
  const other = await createFirm(database, 'admin');
  const otherOrg = await seedOrg(db, other.firm.id, 'Other Firm Client');
  await seedHabits(db, other.firm.id, otherOrg.id, [{ externalId: 'x', name: 'Elsewhere', late: 60, first: '2025-06-01', amount: 99_000 }], TODAY, 13);
  return {
    firmId: firm.id,
    userId: user.id,
    orgA: { id: orgA.id, name: orgA.name },
    orgB: { id: orgB.id, name: orgB.name },
    invoicesA,
    invoicesB,
    otherFirmId: other.firm.id,
    otherOrgId: otherOrg.id,
  };
}
