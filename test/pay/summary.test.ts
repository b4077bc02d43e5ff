/** The pay page's summary (server/pay/summary.ts): what each invoice asks for today and the totals, exact to the cent. */
import { expect, it } from 'vitest';
import type { PayableInvoice } from '../../server/pay/amounts';
import { summaryOf } from '../../server/pay/summary';
import type { LinkView } from '../../server/pay/view';

const inv = (over: Partial<PayableInvoice>): LinkView['invoices'][number] => ({ id: 'i', externalId: 'x', number: 'INV-1', issueDate: '2026-10-01', dueDate: '2026-10-31', currency: 'GBP', total: '100.00', amountDue: '100.00', status: 'authorised', processing: '0', offer: null, contactId: null, onlineUrl: null, ...over });

const view = (invoices: LinkView['invoices']): LinkView => ({
  link: { id: 'l', firmId: 'f', organisationId: 'o', scope: 'statement', invoiceId: null, contactExternalId: 'c' },
  org: { id: 'o', name: 'Bayside', timezone: 'Europe/London', countryCode: 'GB', provider: 'xero' },
  customer: { name: 'North Yard', contactId: null, email: 'a@b.test' },
  today: '2026-11-23',
  invoices,
});

it('asks for each balance less what is processing and a discount in time, totalled per currency', () => {
  const s = summaryOf(
    view([
      inv({ id: 'a', number: 'INV-1', amountDue: '100.10', processing: '0.10' }),
      inv({ id: 'b', number: 'INV-2', dueDate: '2026-12-15', amountDue: '200.00', offer: { id: 'o1', rateBp: 200, discount: '4.00', currency: 'GBP', expiresOn: '2026-11-30' } }),
      inv({ id: 'c', number: 'INV-3', currency: 'EUR', amountDue: '0.01' }),
      inv({ id: 'd', number: 'INV-4', status: 'paid', amountDue: '0.00' }),
    ]),
    { provider: null },
  );
  expect(s.invoices.map((i) => [i.number, i.amountDue, i.payNow, i.processing, i.overdue, i.discount])).toEqual([
    ['INV-1', '100.00', '100.00', true, true, null],
    ['INV-2', '200.00', '196.00', false, false, { amount: '4.00', rateBp: 200, expiresOn: '2026-11-30' }],
    ['INV-3', '0.01', '0.01', false, true, null],
    ['INV-4', '0.00', '0.00', false, false, null],
  ]);
  expect(s.totals).toEqual([
    { currency: 'GBP', payNow: '296.00' },
    { currency: 'EUR', payNow: '0.01' },
  ]);
  expect(s).toMatchObject({ scope: 'statement', today: '2026-11-23', promiseLatest: '2027-01-22', canPay: false, provider: null, organisation: { name: 'Bayside', countryCode: 'GB' }, customer: { name: 'North Yard' } });
  expect(JSON.stringify(s)).not.toContain('a@b.test');
});
