/**
 * The pure conversions and mappers on their own: SDK floats to exact decimals, ledger dates to
 * calendar dates whatever the process zone, QBO instants with offsets, receivables only, and the
 * QuickBooks credit/cash split of a payment.
 */
import { describe, expect, it } from 'vitest';
import { calendarDateOf, decimalOf, instantOf, plainDecimal } from '../../integrations/ledger/convert';
import { isVoided, mapQboCustomer, mapQboPayment } from '../../integrations/quickbooks/mappers';
import { mapXeroContact, mapXeroCreditNote, mapXeroInvoice, mapXeroPayment } from '../../integrations/xero/mappers';

describe('exact amounts from SDK floats', () => {
  it('0.1 + 0.2 and other float drift become the decimal that was meant', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(decimalOf(0.1 + 0.2)).toBe('0.30');
    expect(decimalOf(1.005)).toBe('1.01');
    expect(decimalOf(-2876.15)).toBe('-2876.15');
    expect(decimalOf(1e-7)).toBe('0.00');
    expect(decimalOf(123456789012.34)).toBe('123456789012.34');
    expect(decimalOf(88.8, 4)).toBe('88.8000');
    expect(decimalOf(undefined)).toBe('0.00');
    expect(decimalOf('12.345', 2)).toBe('12.35');
    expect(plainDecimal(1.653)).toBe('1.653');
    expect(plainDecimal('1.6530')).toBe('1.653');
    expect(plainDecimal(null)).toBe('1');
  });
});

describe('dates across time zones', () => {
  // What xero-node makes of /Date(1718409600000+0000)/ (15 June 2024, midnight UTC).
  const fromSdk = new Date(1718409600000);
  for (const tz of ['Pacific/Kiritimati', 'Pacific/Auckland', 'Europe/London', 'America/Los_Angeles', 'Pacific/Pago_Pago']) {
    it(`Xero's calendar dates are their UTC date in ${tz}`, () => {
      const saved = process.env.TZ;
      process.env.TZ = tz;
      try {
        expect(calendarDateOf(fromSdk)).toBe('2024-06-15');
        expect(calendarDateOf('/Date(1718409600000+0000)/')).toBe('2024-06-15');
        expect(calendarDateOf('2024-06-15T00:00:00')).toBe('2024-06-15');
        // A zone-less date-time from a ledger is UTC, never local time.
        expect(instantOf('2024-06-14T22:30:00')!.toISOString()).toBe('2024-06-14T22:30:00.000Z');
      } finally {
        process.env.TZ = saved;
      }
    });
  }

  it('QuickBooks MetaData times keep their offset', () => {
    expect(instantOf('2024-06-14T15:34:00-07:00')!.toISOString()).toBe('2024-06-14T22:34:00.000Z');
    expect(instantOf('2024-06-15T10:34:00+12:00')!.toISOString()).toBe('2024-06-14T22:34:00.000Z');
    expect(instantOf('/Date(1718404440000+0000)/')!.toISOString()).toBe('2024-06-14T22:34:00.000Z');
    expect(instantOf('not a date')).toBeNull();
  });
});

describe('Xero: receivables only', () => {
  const contact = { contactID: 'C-1' };
  it('bills, supplier credits and bill payments are skipped; ids are lower-cased', () => {
    expect(mapXeroInvoice({ type: 'ACCPAY', invoiceID: 'X', contact, date: new Date(0) })).toBeNull();
    expect(mapXeroCreditNote({ type: 'ACCPAYCREDIT', creditNoteID: 'X', contact, date: new Date(0) })).toBeNull();
    expect(mapXeroPayment({ paymentType: 'ACCPAYPAYMENT', paymentID: 'X', date: new Date(0) }, { baseCurrency: 'NZD' })).toBeNull();
    const inv = mapXeroInvoice({ type: 'ACCREC', invoiceID: 'ABC-1', contact, date: new Date(0), status: 'PAID', total: 10 });
    expect(inv).toMatchObject({ externalId: 'abc-1', contactExternalId: 'c-1', status: 'paid', total: '10.00', issueDate: '1970-01-01' });
  });

  it('a deleted payment keeps its row; the currency falls back to the organisation', () => {
    const p = mapXeroPayment({ paymentType: 'ACCRECPAYMENT', paymentID: 'P', status: 'DELETED', amount: 12.5, date: '/Date(0+0000)/', invoice: { invoiceID: 'I' } }, { baseCurrency: 'NZD' });
    expect(p).toMatchObject({ status: 'deleted', currency: 'NZD', amount: '12.50', allocations: [{ invoiceExternalId: 'i', amount: '12.50' }] });
  });

  it('a GDPR-erased contact is deleted; archived is archived', () => {
    expect(mapXeroContact({ contactID: 'A', name: 'x', contactStatus: 'GDPRREQUEST' }).status).toBe('deleted');
    expect(mapXeroContact({ contactID: 'A', name: 'x', contactStatus: 'ARCHIVED' }).status).toBe('archived');
  });

  it('deleted credit allocations are left out', () => {
    const cn = mapXeroCreditNote({ type: 'ACCRECCREDIT', creditNoteID: 'CN', contact, date: new Date(0), allocations: [{ allocationID: 'A1', amount: 5, date: new Date(0), invoice: { invoiceID: 'I' }, isDeleted: true }] });
    expect(cn!.allocations).toEqual([]);
  });
});

describe('QuickBooks: credit applied through payments', () => {
  const line = (amount: number, id: string, type: 'Invoice' | 'CreditMemo') => ({ Amount: amount, LinkedTxn: [{ TxnId: id, TxnType: type }] });
  const payment = (lines: unknown[], total: number) => ({ Id: '50', TxnDate: '2024-06-01', TotalAmt: total, CurrencyRef: { value: 'USD' }, CustomerRef: { value: '1' }, Line: lines, MetaData: { LastUpdatedTime: '2024-06-01T10:00:00-07:00' } });

  it('credit goes to the invoice lines in order; what is left of a line is cash', () => {
    const p = mapQboPayment(payment([line(100, 'I1', 'Invoice'), line(50.5, 'I2', 'Invoice'), line(120, 'M1', 'CreditMemo'), line(10, 'M2', 'CreditMemo')], 20.5));
    expect(p.creditApplications).toEqual([
      { creditNoteExternalId: 'M1', invoiceExternalId: 'I1', amount: '100.00', date: '2024-06-01' },
      { creditNoteExternalId: 'M1', invoiceExternalId: 'I2', amount: '20.00', date: '2024-06-01' },
      { creditNoteExternalId: 'M2', invoiceExternalId: 'I2', amount: '10.00', date: '2024-06-01' },
    ]);
    expect(p.allocations).toEqual([{ invoiceExternalId: 'I2', amount: '20.50', date: '2024-06-01' }]);
    expect(p.amount).toBe('20.50');
  });

  it('two lines for the same invoice are one allocation', () => {
    const p = mapQboPayment(payment([line(0.1, 'I1', 'Invoice'), line(0.2, 'I1', 'Invoice')], 0.3));
    expect(p.allocations).toEqual([{ invoiceExternalId: 'I1', amount: '0.30', date: '2024-06-01' }]);
    expect(p.creditApplications).toEqual([]);
  });

  it('voided documents and deleted customers', () => {
    expect(isVoided({ PrivateNote: 'Voided - wrong customer', TotalAmt: 0, Balance: 0 })).toBe(true);
    expect(isVoided({ PrivateNote: 'Voided is in the memo but the invoice is live', TotalAmt: 10, Balance: 10 })).toBe(false);
    expect(mapQboCustomer({ Id: '9', DisplayName: 'Initech (deleted)', Active: false, MetaData: {} })).toMatchObject({ name: 'Initech', status: 'deleted' });
    expect(mapQboCustomer({ Id: '9', DisplayName: 'Initech', Active: false, MetaData: {} }).status).toBe('archived');
  });
});
