/**
 * The entities the sandbox's query and CDC endpoints serve, with the fields each can be
 * filtered and sorted on. Values are read from the rendered QBO JSON (so a filter sees
 * exactly what a read returns, MetaData times at QBO's one-second precision).
 */
import { type Json, toQboAccounts, toQboCompanyInfo, toQboCreditMemo, toQboCustomer, toQboInvoice, toQboPayment, toQboPreferences } from './mappers';
import type { QboView } from './view';

export type FieldType = 'id' | 'string' | 'number' | 'date' | 'datetime' | 'boolean';

export interface FieldDef {
  /** The name as QBO spells it (matched case-insensitively). */
  name: string;
  type: FieldType;
  /** Where the value sits in the entity JSON (defaults to name). */
  path?: string;
}

export type EntityName = 'Customer' | 'Invoice' | 'Payment' | 'CreditMemo' | 'CompanyInfo' | 'Preferences' | 'Account';

export interface QueryEntity {
  name: EntityName;
  /** Filterable and sortable fields. */
  fields: FieldDef[];
  /** Top-level properties a `SELECT a, b` may name. */
  selectable: string[];
  rows(view: QboView): Json[];
  /** Name-list entities return only active records unless the query filters on Active. */
  activeByDefault?: boolean;
}

const meta: FieldDef[] = [
  { name: 'MetaData.CreateTime', type: 'datetime' },
  { name: 'MetaData.LastUpdatedTime', type: 'datetime' },
];

const SALES_TXN_SELECTABLE = [
  'Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'CustomField', 'DocNumber', 'TxnDate', 'CurrencyRef', 'ExchangeRate', 'PrivateNote',
  'LinkedTxn', 'Line', 'TxnTaxDetail', 'CustomerRef', 'CustomerMemo', 'BillAddr', 'ShipAddr', 'TotalAmt', 'HomeTotalAmt',
  'ApplyTaxAfterDiscount', 'PrintStatus', 'EmailStatus', 'BillEmail', 'Balance', 'HomeBalance',
];

export const QUERY_ENTITIES: Record<EntityName, QueryEntity> = {
  Customer: {
    name: 'Customer',
    activeByDefault: true,
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'DisplayName', type: 'string' },
      { name: 'GivenName', type: 'string' },
      { name: 'FamilyName', type: 'string' },
      { name: 'CompanyName', type: 'string' },
      { name: 'FullyQualifiedName', type: 'string' },
      { name: 'PrimaryEmailAddr', type: 'string', path: 'PrimaryEmailAddr.Address' },
      { name: 'Active', type: 'boolean' },
      { name: 'Balance', type: 'number' },
      ...meta,
    ],
    selectable: [
      'Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'Taxable', 'BillAddr', 'ShipAddr', 'Job', 'BillWithParent', 'Balance', 'BalanceWithJobs',
      'CurrencyRef', 'PreferredDeliveryMethod', 'IsProject', 'GivenName', 'FamilyName', 'FullyQualifiedName', 'CompanyName', 'DisplayName',
      'PrintOnCheckName', 'Active', 'PrimaryPhone', 'PrimaryEmailAddr',
    ],
    rows: (view) => view.customers().map((c) => toQboCustomer(view, c)),
  },
  Invoice: {
    name: 'Invoice',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'DocNumber', type: 'string' },
      { name: 'TxnDate', type: 'date' },
      { name: 'DueDate', type: 'date' },
      { name: 'CustomerRef', type: 'id', path: 'CustomerRef.value' },
      { name: 'Balance', type: 'number' },
      { name: 'TotalAmt', type: 'number' },
      { name: 'EmailStatus', type: 'string' },
      ...meta,
    ],
    selectable: [...SALES_TXN_SELECTABLE, 'Deposit', 'AllowIPNPayment', 'AllowOnlinePayment', 'AllowOnlineCreditCardPayment', 'AllowOnlineACHPayment', 'DueDate', 'DeliveryInfo'],
    rows: (view) => view.invoices().map((i) => toQboInvoice(view, i)),
  },
  Payment: {
    name: 'Payment',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'TxnDate', type: 'date' },
      { name: 'CustomerRef', type: 'id', path: 'CustomerRef.value' },
      { name: 'TotalAmt', type: 'number' },
      { name: 'PaymentRefNum', type: 'string' },
      ...meta,
    ],
    selectable: ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'CustomerRef', 'DepositToAccountRef', 'TotalAmt', 'UnappliedAmt', 'ProcessPayment', 'TxnDate', 'CurrencyRef', 'ExchangeRate', 'PaymentRefNum', 'Line'],
    rows: (view) => view.payments().map((p) => toQboPayment(view, p)),
  },
  CreditMemo: {
    name: 'CreditMemo',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'DocNumber', type: 'string' },
      { name: 'TxnDate', type: 'date' },
      { name: 'CustomerRef', type: 'id', path: 'CustomerRef.value' },
      { name: 'TotalAmt', type: 'number' },
      { name: 'Balance', type: 'number' },
      { name: 'RemainingCredit', type: 'number' },
      ...meta,
    ],
    selectable: [...SALES_TXN_SELECTABLE, 'RemainingCredit'],
    rows: (view) => view.creditMemos().map((c) => toQboCreditMemo(view, c)),
  },
  Account: {
    name: 'Account',
    activeByDefault: true,
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'Name', type: 'string' },
      { name: 'FullyQualifiedName', type: 'string' },
      { name: 'AccountType', type: 'string' },
      { name: 'AccountSubType', type: 'string' },
      { name: 'Classification', type: 'string' },
      { name: 'Active', type: 'boolean' },
      ...meta,
    ],
    selectable: ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'Name', 'SubAccount', 'FullyQualifiedName', 'Active', 'Classification', 'AccountType', 'AccountSubType', 'CurrentBalance', 'CurrentBalanceWithSubAccounts', 'CurrencyRef'],
    rows: (view) => toQboAccounts(view),
  },
  CompanyInfo: {
    name: 'CompanyInfo',
    fields: [{ name: 'Id', type: 'id' }, { name: 'CompanyName', type: 'string' }, ...meta],
    selectable: ['Id', 'SyncToken', 'MetaData', 'CompanyName', 'LegalName', 'Country', 'CompanyStartDate', 'FiscalYearStartMonth', 'NameValue', 'Email', 'SupportedLanguages'],
    rows: (view) => [toQboCompanyInfo(view)],
  },
  Preferences: {
    name: 'Preferences',
    fields: [{ name: 'Id', type: 'id' }, ...meta],
    selectable: ['Id', 'SyncToken', 'MetaData', 'AccountingInfoPrefs', 'SalesFormsPrefs', 'CurrencyPrefs', 'TaxPrefs', 'OtherPrefs', 'ReportPrefs'],
    rows: (view) => [toQboPreferences(view)],
  },
};

/** Entity by name, case-insensitively (node-quickbooks writes `from invoice`, `from creditMemo`). */
export function queryEntity(name: string): QueryEntity | null {
  const key = (Object.keys(QUERY_ENTITIES) as EntityName[]).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? QUERY_ENTITIES[key] : null;
}

/** Value at a dotted path of an entity's JSON. */
export function valueAt(row: Json, path: string): unknown {
  let cur: unknown = row;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
}
