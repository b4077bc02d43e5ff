/**
 * One request's read model of a QuickBooks company: which sandbox records QBO shows, the
 * links between them (an invoice's LinkedTxn, a customer's Balance) indexed once per
 * request, and the company's clock and zone for MetaData times.
 */
import type { Minor } from '../../../kernel/money';
import type { SandboxContext } from '../context';
import type { SbCompany, SbContact, SbCreditNote, SbInvoice, SbPayment } from '../model';
import { faults } from './faults';
import { formatQboDateTime, todayInZone } from './time';

export interface QboLinkedTxn {
  TxnId: string;
  TxnType: 'Payment' | 'CreditMemo' | 'Invoice' | 'Check';
}

const CURRENCY_NAMES: Record<string, string> = {
  USD: 'United States Dollar',
  CAD: 'Canadian Dollar',
  GBP: 'British Pound Sterling',
  EUR: 'Euro',
  AUD: 'Australian Dollar',
  NZD: 'New Zealand Dollar',
  INR: 'Indian Rupee',
  ZAR: 'South African Rand',
  SGD: 'Singapore Dollar',
  JPY: 'Japanese Yen',
  CHF: 'Swiss Franc',
  MXN: 'Mexican Peso',
};

export function currencyName(code: string): string {
  const known = CURRENCY_NAMES[code];
  if (known) return known;
  try {
    return new Intl.DisplayNames(['en'], { type: 'currency' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The sample company's Accounts Receivable account (QuickBooks' sample company ids). */
export const SAMPLE_RECEIVABLE_ACCOUNT = { id: '84', name: 'Accounts Receivable (A/R)' } as const;
/** The sample company's Checking and Undeposited Funds accounts (refunds are paid from a bank account). */
export const SAMPLE_CHECKING_ACCOUNT = { id: '35', name: 'Checking' } as const;
export const SAMPLE_UNDEPOSITED_FUNDS = { id: '4', name: 'Undeposited Funds' } as const;

export class QboView {
  readonly company: SbCompany;
  private invoiceLinkIndex: Map<string, QboLinkedTxn[]> | null = null;
  private creditLinkIndex: Map<string, QboLinkedTxn[]> | null = null;
  private balanceIndex: Map<string, Minor> | null = null;

  constructor(
    readonly ctx: SandboxContext,
    readonly realmId: string,
  ) {
    const company = ctx.store.companies.get(realmId);
    if (company?.provider !== 'quickbooks') throw faults.authorization(`Company ${realmId} is not a QuickBooks company in this sandbox`);
    this.company = company;
  }

  get store() {
    return this.ctx.store;
  }

  /** The company's Accounts Receivable accounts, its default first (the sample company's `84` unless the company has its own). */
  receivableAccounts(): { id: string; name: string }[] {
    return this.company.receivableAccounts?.length ? this.company.receivableAccounts : [SAMPLE_RECEIVABLE_ACCOUNT];
  }

  /** The A/R account a payment was posted to: its own, else the company's default. */
  paymentReceivableAccount(p: { arAccountId?: string | null }): string {
    return p.arAccountId ?? this.receivableAccounts()[0]!.id;
  }

  /** The A/R account a credit memo credits: the company's default (the sandbox keeps none per memo). */
  creditMemoReceivableAccount(_id: string): string {
    return this.receivableAccounts()[0]!.id;
  }

  get timeZone(): string {
    return this.company.timezone;
  }

  /** MetaData time: seconds precision, company offset. */
  dateTime(ms: number): string {
    return formatQboDateTime(ms, this.timeZone);
  }

  /** The response envelope's `time`. */
  responseTime(): string {
    return formatQboDateTime(this.store.clock.peek(), this.timeZone, true);
  }

  today(): string {
    return todayInZone(this.store.clock.peek(), this.timeZone);
  }

  // ---- what QBO shows ------------------------------------------------------------------------

  /** Customers, including deleted ones, which QBO shows as inactive. */
  customers(): SbContact[] {
    return this.store.list('contacts', this.realmId).filter((c) => c.isCustomer);
  }

  /** A customer by id, inactive ones included (QBO reads inactive customers by id). */
  customer(id: string): SbContact | null {
    const c = this.store.contacts.get(id);
    return c && c.companyId === this.realmId && c.isCustomer ? c : null;
  }

  invoices(): SbInvoice[] {
    return this.store.list('invoices', this.realmId).filter((i) => i.status !== 'DELETED');
  }

  invoice(id: string): SbInvoice | null {
    const inv = this.store.invoices.get(id);
    return inv && inv.companyId === this.realmId && inv.status !== 'DELETED' ? inv : null;
  }

  payments(): SbPayment[] {
    return this.store.list('payments', this.realmId).filter((p) => p.status !== 'DELETED');
  }

  payment(id: string): SbPayment | null {
    const p = this.store.payments.get(id);
    return p && p.companyId === this.realmId && p.status !== 'DELETED' ? p : null;
  }

  creditMemos(): SbCreditNote[] {
    return this.store.list('creditNotes', this.realmId).filter((c) => c.status !== 'DELETED');
  }

  creditMemo(id: string): SbCreditNote | null {
    const cn = this.store.creditNotes.get(id);
    return cn && cn.companyId === this.realmId && cn.status !== 'DELETED' ? cn : null;
  }

  contactName(id: string): string {
    return this.store.contacts.get(id)?.name ?? '';
  }

  /** QuickBooks classes: the options of the company's first tracking category. */
  classes(): { id: string; name: string }[] {
    return (this.company.tracking[0]?.options ?? []).map((name, i) => ({ id: String(5000000000 + i + 1), name }));
  }

  // ---- links and balances ---------------------------------------------------------------------

  private buildLinks(): void {
    const inv = new Map<string, QboLinkedTxn[]>();
    const cm = new Map<string, QboLinkedTxn[]>();
    for (const p of this.payments()) {
      const seen = new Set<string>();
      for (const a of p.allocations) {
        if (seen.has(a.invoiceId)) continue;
        seen.add(a.invoiceId);
        push(inv, a.invoiceId, { TxnId: p.id, TxnType: 'Payment' });
      }
      for (const l of p.creditNoteLinks) push(cm, l.creditNoteId, { TxnId: p.id, TxnType: 'Payment' });
    }
    for (const cn of this.creditMemos()) {
      if (cn.status === 'VOIDED') continue;
      const seen = new Set<string>();
      for (const a of cn.allocations) {
        if (seen.has(a.invoiceId)) continue;
        seen.add(a.invoiceId);
        push(inv, a.invoiceId, { TxnId: cn.id, TxnType: 'CreditMemo' });
        push(cm, cn.id, { TxnId: a.invoiceId, TxnType: 'Invoice' });
      }
    }
    this.invoiceLinkIndex = inv;
    this.creditLinkIndex = cm;
  }

  invoiceLinks(invoiceId: string): QboLinkedTxn[] {
    if (!this.invoiceLinkIndex) this.buildLinks();
    return this.invoiceLinkIndex!.get(invoiceId) ?? [];
  }

  creditMemoLinks(creditMemoId: string): QboLinkedTxn[] {
    if (!this.creditLinkIndex) this.buildLinks();
    return this.creditLinkIndex!.get(creditMemoId) ?? [];
  }

  /** Unapplied part of a payment: TotalAmt − (invoice lines − credit memo lines + refund check lines). */
  static unapplied(p: SbPayment): Minor {
    let applied = 0;
    for (const a of p.allocations) applied += a.amount;
    for (const l of p.creditNoteLinks) applied -= l.amount;
    // A refund check linked to the payment pays its unapplied money back (refund-checks.ts).
    for (const c of p.refundChecks ?? []) applied += c.amount;
    return p.amount - applied;
  }

  /** A customer's open balance: open invoices − unused credit − unapplied payments. */
  customerBalance(contactId: string): Minor {
    if (!this.balanceIndex) {
      const b = new Map<string, Minor>();
      const add = (id: string, v: Minor) => b.set(id, (b.get(id) ?? 0) + v);
      for (const i of this.invoices()) if (i.status !== 'VOIDED') add(i.contactId, i.amountDue);
      for (const cn of this.creditMemos()) if (cn.status === 'AUTHORISED' || cn.status === 'PAID') add(cn.contactId, -cn.remainingCredit);
      for (const p of this.payments()) add(p.contactId, -QboView.unapplied(p));
      this.balanceIndex = b;
    }
    return this.balanceIndex.get(contactId) ?? 0;
  }
}
