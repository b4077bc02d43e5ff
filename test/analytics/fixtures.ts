/** The hand-checked ledgers the API tests read (every expected figure is worked out in api.test.ts). */
import type { Db } from '../../server/db/client';
import { seedContacts, seedCreditNote, seedInvoices, seedOrganisation, seedPayment } from './seed';

/** Harbour Joinery (Xero, USD): part payments, a credit on another date, no due date, a voided invoice. */
export async function seedHarbour(db: Db, firmId: string) {
  const org = await seedOrganisation(db, firmId, { name: 'Harbour Joinery', provider: 'xero', baseCurrency: 'USD' });
  const full = { phones: [{ type: 'DEFAULT', number: '+1 555 123 4567' }], addresses: [{ type: 'POBOX', line1: '1 Main St', city: 'Springfield' }] };
  const contacts = await seedContacts(db, firmId, org.id, [
    { externalId: 'c-acme', name: 'Acme Ltd', emails: [{ address: 'ap@acme.example', primary: true }], ...full },
    { externalId: 'c-acme2', name: 'ACME  Limited', emails: [{ address: 'bob@@acme' }] },
    { externalId: 'c-smith', name: 'Smith, "Jo" & Co', emails: [{ address: 'ap@smith.example' }], ...full },
    { externalId: 'c-risk', name: '@Risk Partners', ...full },
  ]);
  await seedInvoices(db, firmId, org.id, [
    { externalId: 'inv-1', number: 'INV-1', contact: 'c-acme', issue: '2024-01-01', due: '2024-01-31', total: '1000.00', lines: [{ amount: '1000.00', tracking: [{ name: 'Region', option: 'North' }] }] },
    {
      externalId: 'inv-2',
      number: 'INV-2',
      contact: 'c-smith',
      issue: '2024-02-10',
      due: '2024-03-11',
      total: '500.00',
      lines: [
        { amount: '300.00', tracking: [{ name: 'Region', option: 'North' }] },
        { amount: '200.00', tracking: [{ name: 'Region', option: 'South' }] },
      ],
    },
    { externalId: 'inv-3', number: 'INV-3', contact: 'c-acme2', issue: '2024-02-20', due: null, total: '250.00' },
    { externalId: 'inv-4', number: 'INV-4', contact: 'c-acme', issue: '2024-02-01', due: '2024-03-01', total: '999.00', status: 'voided' },
  ]);
  await seedPayment(db, firmId, org.id, { externalId: 'p-1', date: '2024-01-20', allocations: [{ invoice: 'inv-1', amount: '300.00' }] });
  await seedPayment(db, firmId, org.id, { externalId: 'p-2', date: '2024-02-10', allocations: [{ invoice: 'inv-1', amount: '200.00' }] });
  await seedCreditNote(db, firmId, org.id, { externalId: 'cn-1', contact: 'c-acme', date: '2024-02-14', allocations: [{ invoice: 'inv-1', amount: '100.00', date: '2024-02-15' }] });
  await seedPayment(db, firmId, org.id, { externalId: 'p-3', date: '2024-03-05', allocations: [{ invoice: 'inv-1', amount: '400.00' }] });
  await seedPayment(db, firmId, org.id, { externalId: 'p-4', date: '2024-03-10', allocations: [{ invoice: 'inv-3', amount: '250.00' }] });
  // A deleted payment never counts.
  await seedPayment(db, firmId, org.id, { externalId: 'p-5', date: '2024-02-12', status: 'deleted', allocations: [{ invoice: 'inv-2', amount: '500.00' }] });
  const byExternal = Object.fromEntries(contacts.map((c) => [c.externalId, c.id]));
  return { org, contacts: byExternal };
}

/** Thames Studio (QuickBooks, GBP) with an invoice in USD at the ledger's rate 0.8. */
export async function seedThames(db: Db, firmId: string) {
  const org = await seedOrganisation(db, firmId, { name: 'Thames Studio', provider: 'quickbooks', baseCurrency: 'GBP', timezone: 'Europe/London' });
  await seedContacts(db, firmId, org.id, [{ externalId: '58', name: 'Bright Lights' }]);
  await seedInvoices(
    db,
    firmId,
    org.id,
    [
      { externalId: '101', contact: '58', issue: '2024-02-05', due: '2024-03-06', total: '1000.00', currency: 'USD', rate: '0.8' },
      { externalId: '102', contact: '58', issue: '2024-02-10', due: '2024-02-25', total: '300.00' },
    ],
    'GBP',
  );
  await seedPayment(db, firmId, org.id, { externalId: 'qp-1', date: '2024-02-20', currency: 'USD', allocations: [{ invoice: '101', amount: '250.00' }] });
  return org;
}

/** Cape Traders (Xero, ZAR): the firm has no ZAR rate. */
export async function seedCape(db: Db, firmId: string) {
  const org = await seedOrganisation(db, firmId, { name: 'Cape Traders', baseCurrency: 'ZAR', timezone: 'Africa/Johannesburg' });
  await seedInvoices(db, firmId, org.id, [{ externalId: 'z-1', contact: 'cz', issue: '2024-02-01', due: '2024-03-02', total: '10000.00', currency: 'ZAR' }], 'ZAR');
  return org;
}
