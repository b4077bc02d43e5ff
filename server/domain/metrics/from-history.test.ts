import { describe, expect, it } from 'vitest';
import { parseHistoryCsv } from '../ar-history-csv';
import { computeMetrics } from './compute-metrics';
import { historyToMetricInvoices } from './from-history';

const CSV = [
  'countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate',
  '391,0001-AAAAA,,0000000001,3/1/2024,3/31/2024,120.50,No,4/4/2024,Paper,34,4',
  '406,0002-BBBBB,1/1/2023,0000000002,3/15/2024,4/14/2024,79.50,Yes,,Electronic,,',
].join('\n');

describe('historyToMetricInvoices', () => {
  it('maps each row to a USD invoice settled in full on SettledDate', () => {
    const invoices = historyToMetricInvoices(parseHistoryCsv(CSV));
    expect(invoices).toEqual([
      {
        id: '0000000001',
        customerId: '0001-AAAAA',
        currency: 'USD',
        issueDate: '2024-03-01',
        dueDate: '2024-03-31',
        total: 12050,
        settlements: [{ date: '2024-04-04', amount: 12050 }],
      },
      { id: '0000000002', customerId: '0002-BBBBB', currency: 'USD', issueDate: '2024-03-15', dueDate: '2024-04-14', total: 7950, settlements: [] },
    ]);
    const april = computeMetrics(invoices, { from: '2024-04-01', to: '2024-04-30' });
    expect(april.arOpen).toBe(20000);
    expect(april.arEnd).toBe(7950);
    expect(april.dbt).toBe(4);
    expect(april.avgDaysToPay).toBe(34);
  });
});
