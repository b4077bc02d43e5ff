/**
 * GET /Accounts and /Accounts/{AccountID}: a fixed, minimal chart of accounts per organisation
 * — the bank account payments are received into (090), sales (200), other revenue (260) and
 * accounts receivable (610) — so a client can find the bank account's code the way it would in
 * Xero (`where=Type=="BANK"`). The sandbox does not create or edit accounts.
 */
import type { Router } from 'express';
import type { SbCompany } from '../../model';
import { msDateTime } from '../dates';
import { handle } from '../handler';
import { notFound, ok, XeroHttpError } from '../http';
import { readListParams, runList } from '../list';
import { DEFAULT_BANK_ACCOUNT_CODE } from '../map/accounts';
import { stableUuid } from '../view';
import { type FieldDef, type FieldMap, NULL } from '../where';

export interface SbAccount {
  code: string;
  name: string;
  type: 'BANK' | 'REVENUE' | 'OTHERINCOME' | 'CURRENT';
  accountClass: 'ASSET' | 'REVENUE';
  systemAccount: '' | 'DEBTORS';
  bank: boolean;
}

export const SANDBOX_ACCOUNTS: readonly SbAccount[] = [
  { code: DEFAULT_BANK_ACCOUNT_CODE, name: 'Business Bank Account', type: 'BANK', accountClass: 'ASSET', systemAccount: '', bank: true },
  { code: '200', name: 'Sales', type: 'REVENUE', accountClass: 'REVENUE', systemAccount: '', bank: false },
  { code: '260', name: 'Other Revenue', type: 'OTHERINCOME', accountClass: 'REVENUE', systemAccount: '', bank: false },
  { code: '610', name: 'Accounts Receivable', type: 'CURRENT', accountClass: 'ASSET', systemAccount: 'DEBTORS', bank: false },
];

function accountOut(company: SbCompany, a: SbAccount): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AccountID: stableUuid(company.id, 'account', a.code),
    Code: a.code,
    Name: a.name,
    Status: 'ACTIVE',
    Type: a.type,
    TaxType: 'NONE',
    Class: a.accountClass,
    EnablePaymentsToAccount: a.bank,
    ShowInExpenseClaims: false,
    ReportingCode: a.accountClass === 'ASSET' ? 'ASS' : 'REV',
    ReportingCodeName: a.accountClass === 'ASSET' ? 'Assets' : 'Revenue',
    HasAttachments: false,
    UpdatedDateUTC: msDateTime(company.createdAt),
    AddToWatchlist: false,
  };
  if (a.systemAccount) out['SystemAccount'] = a.systemAccount;
  if (a.bank) Object.assign(out, { BankAccountNumber: '0000000000', BankAccountType: 'BANK', CurrencyCode: company.baseCurrency });
  return out;
}

const text =
  (get: (a: SbAccount) => string): FieldDef<SbAccount> => ({
    type: 'str',
    get: (a) => {
      const v = get(a);
      return v === '' ? NULL : { t: 'str', v };
    },
  });

function accountFields(): FieldMap<SbAccount> {
  return new Map<string, FieldDef<SbAccount>>([
    ['code', text((a) => a.code)],
    ['name', text((a) => a.name)],
    ['type', text((a) => a.type)],
    ['class', text((a) => a.accountClass)],
    ['status', text(() => 'ACTIVE')],
    ['systemaccount', text((a) => a.systemAccount)],
  ]);
}

export function accountRoutes(router: Router): void {
  router.get(
    '/Accounts',
    handle((call) => {
      const params = readListParams(call.req);
      // The chart is as old as the organisation: If-Modified-Since compares with its creation.
      const { items } = runList([...SANDBOX_ACCOUNTS], { ...params, paged: false }, { typeName: 'Account', fields: accountFields(), updatedAt: () => call.company.createdAt });
      return ok(call.view.now, { Accounts: items.map((a) => accountOut(call.company, a)) });
    }),
  );

  router.get(
    '/Accounts/:AccountID',
    handle((call) => {
      const id = String(call.req.params.AccountID).toLowerCase();
      const account = SANDBOX_ACCOUNTS.find((a) => stableUuid(call.company.id, 'account', a.code) === id);
      if (!account) throw new XeroHttpError(notFound());
      return ok(call.view.now, { Accounts: [accountOut(call.company, account)] });
    }),
  );
}
