/**
 * Decision 056, the pure part: which Accounts Receivable accounts a QuickBooks `Account` query
 * answer holds (the recorded Intuit payload's shape), and the one a refund check credits.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseReceivableAccount, defaultReceivableAccount, receivableAccountsOf } from '../../integrations/quickbooks/accounts';
import { LedgerError } from '../../integrations/ledger/errors';

const recorded = JSON.parse(readFileSync(new URL('../../integrations/sandbox/specs/quickbooks/accounting/account-query-response.java-sdk.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('QuickBooks Accounts Receivable accounts', () => {
  it('reads the A/R accounts out of the recorded Account query answer (the others are left out)', () => {
    expect(receivableAccountsOf(recorded)).toEqual([{ id: '13320', name: 'Accounts Receivable_ae079' }]);
  });

  it('leaves out inactive accounts; an empty answer has none', () => {
    const body = { QueryResponse: { Account: [{ Id: '9', Name: 'Old A/R', AccountType: 'Accounts Receivable', Active: false }, { Id: '12', Name: 'A/R', AccountType: 'Accounts Receivable', Active: true }] } };
    expect(receivableAccountsOf(body)).toEqual([{ id: '12', name: 'A/R' }]);
    expect(receivableAccountsOf({ QueryResponse: {} })).toEqual([]);
  });

  it('the account the payment used wins; else the default — the lowest id, the one created with the company', () => {
    const accounts = [{ id: '1162', name: 'A/R - Retail' }, { id: '1150', name: 'Accounts Receivable (A/R)' }, { id: '987', name: 'A/R - Old' }];
    expect(chooseReceivableAccount(accounts, [null, '1162'])).toBe('1162');
    expect(chooseReceivableAccount(accounts, [])).toBe('987');
    expect(defaultReceivableAccount([{ id: '1150', name: 'x' }])).toEqual({ id: '1150', name: 'x' });
  });

  it('no A/R account at all is refused in words', () => {
    let err: unknown;
    try {
      chooseReceivableAccount([], [null]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).code).toBe('validation');
    expect((err as Error).message).toMatch(/no Accounts Receivable account in this company’s chart of accounts/);
  });
});
