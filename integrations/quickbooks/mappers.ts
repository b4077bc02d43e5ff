/**
 * QuickBooks Online JSON (minor version 75) → the normalised model. Pure functions.
 *
 * - Invoices: amountDue = Balance, amountPaid = TotalAmt − Balance (QBO does not split paid from
 *   credited on the invoice: sync's finish derives amountCredited from the credit memos its
 *   payments apply, server/sync/finish.ts), per-line tax is not reported (TxnTaxDetail carries
 *   the total). Voided invoices stay readable with zero amounts and PrivateNote "Voided…" →
 *   status voided.
 * - `Deposit` (money received when the invoice was raised) is a settlement on the invoice's
 *   TxnDate: TotalAmt 52, Deposit 12, Balance 40 (docs/decisions/013-qbo-settlements.md).
 * - Lines: DetailType comes in two spellings (`SalesItemLineDetail` and, in void answers,
 *   `SALES_ITEM_LINE_DETAIL`). Item and description lines are kept, and so are
 *   `DiscountLineDetail` lines, as negative lines, so the lines add up to the subtotal;
 *   `SubTotalLineDetail` lines are a sum, not a line, and are dropped.
 * - Optional fields are often absent: no `CurrencyRef` (the writer uses the organisation's base
 *   currency), no `ExchangeRate` (1), no `HomeTotalAmt` / `HomeBalance` (never read).
 * - Credit memos carry no invoice allocations: QBO applies credit through a payment.
 * - Payments: an unapplied payment (`Line: []`, UnappliedAmt = TotalAmt) settles nothing. Lines
 *   linking an Invoice pay it; lines linking a CreditMemo apply that credit. The
 *   credit is applied to the payment's invoice lines in order (greedy), and only what is left of
 *   an invoice line is cash. So a zero-amount payment linking a memo and an invoice becomes one
 *   credit application (memo → invoice) and no cash allocation. docs/decisions/004-sync-paging.md.
 * - Customers are never deleted: QBO makes them inactive and renames them "Name (deleted)".
 */
import { type CalendarDate, isCalendarDate } from '../../kernel/dates';
import { fromMinor, toMinor } from '../../kernel/money';
import { decimalOf, instantOf, plainDecimal, str, strOrNull } from '../ledger/convert';
import type { NormContact, NormCreditNote, NormInvoice, NormInvoiceStatus, NormLine, NormOrganisation, NormPayment } from '../ledger/types';

export type Json = Record<string, unknown>;

interface Ref {
  value?: string;
  name?: string;
}

function ref(v: unknown): Ref {
  return v && typeof v === 'object' ? (v as Ref) : {};
}

function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Json[]) : [];
}

function num(v: unknown): number | string | null {
  return typeof v === 'number' || typeof v === 'string' ? v : null;
}

function requireId(v: unknown, what: string): string {
  const s = str(v).trim();
  if (!s) throw new Error(`QuickBooks sent a ${what} without an Id`);
  return s;
}

function requireDate(v: unknown, what: string): CalendarDate {
  const s = str(v).slice(0, 10);
  if (!isCalendarDate(s)) throw new Error(`QuickBooks sent a ${what} without a valid date`);
  return s;
}

export function lastUpdated(entity: Json): Date | null {
  return instantOf(str(obj(entity['MetaData'])['LastUpdatedTime']) || null);
}

function minor(v: unknown): number {
  return toMinor(decimalOf(num(v)), 2);
}

/** QBO's voided documents: zero amounts and a PrivateNote starting "Voided". */
export function isVoided(entity: Json): boolean {
  if (str(entity['status']).toLowerCase() === 'voided') return true;
  return /^voided\b/i.test(str(entity['PrivateNote'])) && minor(entity['TotalAmt']) === 0 && minor(entity['Balance']) === 0;
}

type LineKind = 'item' | 'description' | 'discount' | 'other';

/** `SalesItemLineDetail` and `SALES_ITEM_LINE_DETAIL` are the same DetailType. */
export function lineKind(l: Json): LineKind {
  switch (str(l['DetailType']).replace(/_/g, '').toLowerCase()) {
    case 'salesitemlinedetail':
      return 'item';
    case 'descriptiononly':
      return 'description';
    case 'discountlinedetail':
      return 'discount';
    default:
      return 'other';
  }
}

function keptLines(lines: Json[]): Json[] {
  return lines.filter((l) => lineKind(l) !== 'other');
}

/** A discount's words when QBO sends none: "Discount 10%" or "Discount". */
export function discountDescription(l: Json): string {
  const own = str(l['Description']).trim();
  if (own) return own;
  const d = obj(l['DiscountLineDetail']);
  const pct = num(d['DiscountPercent']);
  return d['PercentBased'] === true && pct !== null ? `Discount ${plainDecimal(pct)}%` : 'Discount';
}

export function mapQboLine(l: Json, index: number): NormLine {
  const kind = lineKind(l);
  if (kind === 'discount') {
    // QBO sends the discount as a positive Amount that the invoice subtracts.
    const off = fromMinor(-minor(l['Amount']));
    return { lineNo: index + 1, externalId: strOrNull(l['Id']), description: discountDescription(l), quantity: '1.0000', unitAmount: decimalOf(off, 4), lineAmount: off, taxAmount: '0.00', taxCode: null, accountCode: null, tracking: [] };
  }
  const detail = obj(l['SalesItemLineDetail']);
  const cls = ref(detail['ClassRef']);
  const qty = num(detail['Qty']);
  return {
    lineNo: index + 1,
    externalId: strOrNull(l['Id']),
    description: str(l['Description']),
    quantity: decimalOf(qty ?? (kind === 'description' ? 0 : 1), 4),
    unitAmount: decimalOf(num(detail['UnitPrice']), 4),
    lineAmount: decimalOf(num(l['Amount'])),
    taxAmount: '0.00',
    taxCode: strOrNull(ref(detail['TaxCodeRef']).value),
    accountCode: null,
    tracking: cls.name ? [{ name: 'Class', option: cls.name }] : [],
  };
}

export function mapQboInvoice(inv: Json): NormInvoice {
  const voided = isVoided(inv);
  const lines = keptLines(arr(inv['Line']));
  const total = minor(inv['TotalAmt']);
  const balance = minor(inv['Balance']);
  // A voided invoice shows Deposit 0 with its zero total.
  const deposit = voided ? 0 : Math.max(minor(inv['Deposit']), 0);
  const tax = minor(obj(inv['TxnTaxDetail'])['TotalTax']);
  let status: NormInvoiceStatus = 'authorised';
  if (voided) status = 'voided';
  else if (balance === 0 && total > 0) status = 'paid';
  const txnDate = requireDate(inv['TxnDate'], 'invoice');
  return {
    externalId: requireId(inv['Id'], 'invoice'),
    contactExternalId: requireId(ref(inv['CustomerRef']).value, 'invoice customer'),
    number: str(inv['DocNumber']),
    reference: '',
    issueDate: txnDate,
    dueDate: isCalendarDate(str(inv['DueDate']).slice(0, 10)) ? str(inv['DueDate']).slice(0, 10) : null,
    currency: str(ref(inv['CurrencyRef']).value),
    currencyRate: plainDecimal(num(inv['ExchangeRate'])),
    subTotal: fromMinor(total - tax),
    totalTax: fromMinor(tax),
    total: fromMinor(total),
    amountDue: fromMinor(balance),
    amountPaid: fromMinor(total - balance),
    amountCredited: '0.00',
    deposit: fromMinor(deposit),
    status,
    fullyPaidOn: null,
    url: null,
    ledgerUpdatedAt: lastUpdated(inv),
    lines: lines.map(mapQboLine),
    raw: inv,
  };
}

export function mapQboCreditMemo(cm: Json): NormCreditNote {
  const voided = isVoided(cm);
  const total = minor(cm['TotalAmt']);
  const remaining = minor(cm['RemainingCredit'] ?? cm['Balance']);
  let status: NormCreditNote['status'] = 'authorised';
  if (voided) status = 'voided';
  else if (remaining === 0 && total > 0) status = 'paid';
  return {
    externalId: requireId(cm['Id'], 'credit memo'),
    contactExternalId: requireId(ref(cm['CustomerRef']).value, 'credit memo customer'),
    number: str(cm['DocNumber']),
    date: requireDate(cm['TxnDate'], 'credit memo'),
    currency: str(ref(cm['CurrencyRef']).value),
    total: fromMinor(total),
    remainingCredit: fromMinor(remaining),
    status,
    allocations: [],
    ledgerUpdatedAt: lastUpdated(cm),
    raw: cm,
  };
}

function linked(line: Json, type: 'Invoice' | 'CreditMemo'): string | null {
  const hit = arr(line['LinkedTxn']).find((t) => str(t['TxnType']) === type);
  return hit ? requireId(hit['TxnId'], `payment ${type} link`) : null;
}

export function mapQboPayment(p: Json): NormPayment {
  const id = requireId(p['Id'], 'payment');
  const date = requireDate(p['TxnDate'], 'payment');
  const lines = arr(p['Line']);
  const credits = lines.flatMap((l) => {
    const memo = linked(l, 'CreditMemo');
    return memo ? [{ memo, left: minor(l['Amount']) }] : [];
  });
  const cash = new Map<string, number>();
  const applications = new Map<string, number>();
  for (const l of lines) {
    const invoice = linked(l, 'Invoice');
    if (!invoice) continue;
    let left = minor(l['Amount']);
    for (const c of credits) {
      if (left <= 0) break;
      const take = Math.min(left, c.left);
      if (take <= 0) continue;
      c.left -= take;
      left -= take;
      const key = `${c.memo}\u0000${invoice}`;
      applications.set(key, (applications.get(key) ?? 0) + take);
    }
    if (left > 0) cash.set(invoice, (cash.get(invoice) ?? 0) + left);
  }
  return {
    externalId: id,
    contactExternalId: strOrNull(ref(p['CustomerRef']).value),
    date,
    currency: str(ref(p['CurrencyRef']).value),
    currencyRate: plainDecimal(num(p['ExchangeRate'])),
    amount: decimalOf(num(p['TotalAmt'])),
    reference: str(p['PaymentRefNum']),
    status: 'authorised',
    allocations: [...cash].map(([invoiceExternalId, amount]) => ({ invoiceExternalId, amount: fromMinor(amount), date })),
    creditApplications: [...applications].map(([key, amount]) => {
      const [creditNoteExternalId, invoiceExternalId] = key.split('\u0000') as [string, string];
      return { creditNoteExternalId, invoiceExternalId, amount: fromMinor(amount), date };
    }),
    ledgerUpdatedAt: lastUpdated(p),
    raw: p,
  };
}

const DELETED_SUFFIX = / \(deleted\)$/;

export function mapQboCustomer(c: Json): NormContact {
  const display = str(c['DisplayName']) || str(c['CompanyName']) || str(c['FullyQualifiedName']);
  const deleted = c['Active'] === false && DELETED_SUFFIX.test(display);
  const email = strOrNull(obj(c['PrimaryEmailAddr'])['Address']);
  const phone = strOrNull(obj(c['PrimaryPhone'])['FreeFormNumber']);
  const mobile = strOrNull(obj(c['Mobile'])['FreeFormNumber']);
  const bill = obj(c['BillAddr']);
  const addressOf = (a: Json, type: string) => ({
    type,
    line1: str(a['Line1']),
    city: str(a['City']),
    region: str(a['CountrySubDivisionCode']),
    postalCode: str(a['PostalCode']),
    country: str(a['Country']),
  });
  const billing = addressOf(bill, 'billing');
  const given = strOrNull(c['GivenName']);
  const family = strOrNull(c['FamilyName']);
  return {
    externalId: requireId(c['Id'], 'customer'),
    name: deleted ? display.replace(DELETED_SUFFIX, '') : display,
    firstName: given,
    lastName: family,
    emails: email ? [{ address: email, name: [given, family].filter(Boolean).join(' ') || null, primary: true, includeInEmails: true }] : [],
    phones: [...(phone ? [{ type: 'primary', number: phone }] : []), ...(mobile ? [{ type: 'mobile', number: mobile }] : [])],
    addresses: billing.line1 || billing.city || billing.region || billing.postalCode || billing.country ? [billing] : [],
    isCustomer: true,
    status: deleted ? 'deleted' : c['Active'] === false ? 'archived' : 'active',
    ledgerUpdatedAt: lastUpdated(c),
    raw: c,
  };
}

export function mapQboOrganisation(companyInfo: Json, preferences: Json, realmId: string): NormOrganisation {
  const home = ref(obj(preferences['CurrencyPrefs'])['HomeCurrency']);
  const country = str(companyInfo['Country']) || str(obj(companyInfo['CompanyAddr'])['Country']);
  return {
    externalId: realmId,
    name: str(companyInfo['CompanyName']) || str(companyInfo['LegalName']),
    baseCurrency: str(home.value) || 'USD',
    // CompanyInfo carries no zone: the caller picks a default from the country.
    timezone: '',
    countryCode: country ? (country.length === 2 ? country.toUpperCase() : country) : null,
  };
}
