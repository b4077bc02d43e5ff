/** The Settings › Connections progress bar follows the stages the sync engine really reads, per provider. */
import { describe, expect, it } from 'vitest';
import { runProgress } from '../../server/connections/list';

describe('sync progress by stage', () => {
  const cursor = (done: string[]) => ({ done, positions: {} });

  it('Xero reads overpayments and prepayments between credit notes and payments', () => {
    expect(runProgress('xero', 'running', cursor([]))).toEqual({ progress: 0, stage: 'contacts' });
    expect(runProgress('xero', 'running', cursor(['contacts', 'invoices', 'creditNotes']))).toEqual({ progress: 50, stage: 'overpayments' });
    expect(runProgress('xero', 'running', cursor(['contacts', 'invoices', 'creditNotes', 'overpayments', 'prepayments']))).toEqual({ progress: 83, stage: 'payments' });
  });

  it('QuickBooks has four stages, with no overpayments or prepayments', () => {
    expect(runProgress('quickbooks', 'running', cursor(['contacts', 'invoices', 'creditNotes']))).toEqual({ progress: 75, stage: 'payments' });
    // A QuickBooks cursor that marks the credit types done (the engine skips them) changes nothing.
    expect(runProgress('quickbooks', 'running', cursor(['contacts', 'overpayments', 'prepayments']))).toEqual({ progress: 25, stage: 'invoices' });
  });

  it('a finished run is complete and a queued one has no stage', () => {
    expect(runProgress('xero', 'succeeded', cursor([]))).toEqual({ progress: 100, stage: null });
    expect(runProgress('quickbooks', 'queued', cursor([]))).toEqual({ progress: 0, stage: null });
  });
});
