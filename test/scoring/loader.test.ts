/**
 * The scoring loader on real PostgreSQL: settled dates from allocations (payments and credit
 * notes, partial payments), fully_paid_on when the ledger says paid without allocations, what
 * is left out, dispute dates from activities, and the history as known on an earlier day.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../server/db/client';
import { activities } from '../../server/db/schema';
import { asKnownAt, balanceOn, type HistoryInvoice, toScoringInvoice } from '../../server/scoring/history';
import { loadHistory } from '../../server/scoring/history-load';
import { INVOICE_DISPUTED } from '../../server/scoring/in-motion';
import { seedContacts, seedCreditNote, seedPayment } from '../analytics/seed';
import { createFirm, testDatabase } from '../support/db';
import { describeWith } from '../support/services';
import { insertInvoiceRows, seedOrg } from './seed';

describeWith('pg', 'scoring loader', () => {
  let database: Database;
  let firmId: string;
  let orgId: string;
  let history: HistoryInvoice[];
  const byExt = (ext: string) => history.find((h) => h.externalId === ext);

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    firmId = (await createFirm(database)).firm.id;
    const org = await seedOrg(db, firmId, 'Loader Org');
    orgId = org.id;
    const [contact] = await seedContacts(db, firmId, orgId, [{ externalId: 'c1', name: 'Customer One' }]);
    const disputedId = randomUUID();
    await insertInvoiceRows(db, firmId, orgId, [
      { externalId: 'part', contact: 'c1', issue: '2026-01-01', due: '2026-01-31', total: '100.00', amountDue: '0', status: 'paid' },
      { externalId: 'credit', contact: 'c1', issue: '2026-01-02', due: '2026-02-01', total: '50.00', amountDue: '0', status: 'paid' },
      { externalId: 'fully', contact: 'c1', issue: '2026-02-01', due: '2026-03-01', total: '70.00', amountDue: '0', status: 'paid', fullyPaidOn: '2026-03-03' },
      { externalId: 'paid-unknown', contact: 'c1', issue: '2026-02-02', due: '2026-03-02', total: '70.00', amountDue: '0', status: 'paid' },
      { externalId: 'void', contact: 'c1', issue: '2026-02-03', due: '2026-03-03', total: '70.00', status: 'voided' },
      { externalId: 'zero', contact: 'c1', issue: '2026-02-04', due: '2026-03-04', total: '0.00' },
      { externalId: 'open', contact: 'c1', issue: '2026-03-01', due: null, total: '100.10', amountDue: '90.10' },
      { externalId: 'disputed', id: disputedId, contact: 'c1', issue: '2026-03-05', due: '2026-04-04', total: '12.34' },
    ]);
    await seedPayment(db, firmId, orgId, { externalId: 'p1', date: '2026-01-20', allocations: [{ invoice: 'part', amount: '40.00' }] });
    await seedPayment(db, firmId, orgId, { externalId: 'p2', date: '2026-02-10', allocations: [{ invoice: 'part', amount: '60.00' }] });
    await seedPayment(db, firmId, orgId, { externalId: 'p3', date: '2026-01-15', allocations: [{ invoice: 'credit', amount: '20.00' }] });
    await seedCreditNote(db, firmId, orgId, { externalId: 'cn1', contact: 'c1', date: '2026-01-25', allocations: [{ invoice: 'credit', amount: '30.00', date: '2026-01-25' }] });
    await seedPayment(db, firmId, orgId, { externalId: 'p4', date: '2026-03-10', allocations: [{ invoice: 'open', amount: '10.00' }] });
    await db.insert(activities).values({ id: randomUUID(), firmId, organisationId: orgId, actorType: 'user', kind: INVOICE_DISPUTED, contactId: contact!.id, invoiceId: disputedId, summary: 'Disputed', createdAt: new Date('2026-03-20T10:00:00Z') });
    history = await loadHistory(db, { firmId, organisationId: orgId });
  });

  it('settles an invoice on the day its balance reached zero, through payments and credit notes', () => {
    expect(byExt('part')).toMatchObject({ settledDate: '2026-02-10', total: 10000, settlementDays: ['2026-01-20', '2026-02-10'], settlementCum: [4000, 10000] });
    expect(byExt('credit')).toMatchObject({ settledDate: '2026-01-25', settlementDays: ['2026-01-15', '2026-01-25'], settlementCum: [2000, 5000] });
  });

  it('uses fully_paid_on when the ledger says paid without allocations, and leaves out what it cannot date', () => {
    expect(byExt('fully')?.settledDate).toBe('2026-03-03');
    expect(byExt('paid-unknown')).toBeUndefined();
    expect(byExt('void')).toBeUndefined();
    expect(byExt('zero')).toBeUndefined();
  });

  it('keeps open invoices open with their exact balance, due on the issue date without a due date', () => {
    const open = byExt('open')!;
    expect(open).toMatchObject({ settledDate: null, dueDate: '2026-03-01', total: 10010, contactId: expect.any(String) });
    expect(balanceOn(open, '2026-03-09')).toBe(10010);
    expect(balanceOn(open, '2026-03-10')).toBe(9010);
  });

  it('reads disputes from activities, dated when they were recorded', () => {
    expect(byExt('disputed')?.disputedOn).toBe('2026-03-20');
    expect(toScoringInvoice(byExt('disputed')!).disputed).toBe(true);
    expect(toScoringInvoice(byExt('part')!)).toMatchObject({ amount: 10000, disputed: false, issueDate: '2026-01-01', dueDate: '2026-01-31', settledDate: '2026-02-10' });
  });

  it('forgets what happened after a day', () => {
    const then = asKnownAt(history, '2026-02-01');
    expect(then.map((h) => h.externalId).sort()).toEqual(['credit', 'fully', 'part']);
    const part = then.find((h) => h.externalId === 'part')!;
    expect(part).toMatchObject({ settledDate: null, settlementDays: ['2026-01-20'], settlementCum: [4000] });
    expect(balanceOn(part, '2026-02-01')).toBe(6000);
    expect(then.find((h) => h.externalId === 'fully')!.settledDate).toBeNull();
    expect(asKnownAt(history, '2026-03-19').find((h) => h.externalId === 'disputed')!.disputedOn).toBeNull();
  });

  it('never reads another firm', async () => {
    const other = (await createFirm(database)).firm.id;
    expect(await loadHistory(database.db, { firmId: other, organisationId: orgId })).toEqual([]);
  });
});
