/**
 * A read-only view of one Xero organisation's ledger for the span of one request: the
 * cross-references Xero embeds in its documents (an invoice's payments and credit notes, a
 * contact's balances) indexed once, instead of scanned per document.
 */
import { createHash } from 'node:crypto';
import { type CalendarDate, todayIn } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';
import type { SbAllocation, SbCompany, SbContact, SbCreditNote, SbInvoice, SbPayment, SbPrepayment } from '../model';
import type { SandboxStore } from '../store';

export interface InvoicePayment {
  payment: SbPayment;
  allocation: SbAllocation;
}

export interface InvoiceCredit {
  creditNote: SbCreditNote;
  allocation: SbAllocation;
}

export interface InvoicePrepayment {
  prepayment: SbPrepayment;
  allocation: SbAllocation;
}

/** A uuid derived from names (tracking category/option ids, account ids). */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The allocations of the documents `counts` keeps, by the invoice each applies to, in the documents' order. */
function byInvoice<D extends { allocations: readonly SbAllocation[] }, E>(docs: Iterable<D>, counts: (d: D) => boolean, entry: (d: D, a: SbAllocation) => E): Map<string, E[]> {
  const index = new Map<string, E[]>();
  for (const d of docs) {
    if (!counts(d)) continue;
    for (const a of d.allocations) {
      const list = index.get(a.invoiceId) ?? [];
      list.push(entry(d, a));
      index.set(a.invoiceId, list);
    }
  }
  return index;
}

export class LedgerView {
  private paymentsIndex: Map<string, InvoicePayment[]> | null = null;
  private creditsIndex: Map<string, InvoiceCredit[]> | null = null;
  private prepaymentsIndex: Map<string, InvoicePrepayment[]> | null = null;
  private balancesIndex: Map<string, { outstanding: Minor; overdue: Minor }> | null = null;

  constructor(
    readonly store: SandboxStore,
    readonly company: SbCompany,
  ) {}

  /** Forget the indexes (after a write, before rendering what it changed). */
  invalidate(): void {
    this.paymentsIndex = null;
    this.creditsIndex = null;
    this.prepaymentsIndex = null;
    this.balancesIndex = null;
  }

  get now(): number {
    return this.store.clock.peek();
  }

  /** Today in the organisation's time zone, on sandbox time. */
  today(): CalendarDate {
    return todayIn(this.company.timezone, new Date(this.now));
  }

  contact(id: string): SbContact | undefined {
    const c = this.store.contacts.get(id);
    return c && c.companyId === this.company.id ? c : undefined;
  }

  invoice(id: string): SbInvoice | undefined {
    const inv = this.store.invoices.get(id);
    return inv && inv.companyId === this.company.id ? inv : undefined;
  }

  creditNote(id: string): SbCreditNote | undefined {
    const cn = this.store.creditNotes.get(id);
    return cn && cn.companyId === this.company.id ? cn : undefined;
  }

  /** Live (not deleted) payments applied to an invoice. */
  paymentsFor(invoiceId: string): InvoicePayment[] {
    this.paymentsIndex ??= byInvoice(this.store.list('payments', this.company.id), (p) => p.status !== 'DELETED', (payment, allocation) => ({ payment, allocation }));
    return this.paymentsIndex.get(invoiceId) ?? [];
  }

  /** Credit-note allocations to an invoice (from live credit notes). */
  creditsFor(invoiceId: string): InvoiceCredit[] {
    this.creditsIndex ??= byInvoice(this.store.list('creditNotes', this.company.id), (cn) => cn.status !== 'VOIDED' && cn.status !== 'DELETED', (creditNote, allocation) => ({ creditNote, allocation }));
    return this.creditsIndex.get(invoiceId) ?? [];
  }

  /**
   * Overpayment and prepayment allocations to an invoice (from ones not voided), in the store's
   * order. Indexed once per view: scanning every prepayment for each invoice on a page made a
   * 100k-invoice organisation's full sync quadratic in the sandbox.
   */
  prepaymentsFor(invoiceId: string): InvoicePrepayment[] {
    this.prepaymentsIndex ??= byInvoice(this.store.list('prepayments', this.company.id), (x) => x.status !== 'VOIDED', (prepayment, allocation) => ({ prepayment, allocation }));
    return this.prepaymentsIndex.get(invoiceId) ?? [];
  }

  /** Accounts-receivable balances per contact: outstanding and overdue amounts due. */
  balances(contactId: string): { outstanding: Minor; overdue: Minor } {
    if (!this.balancesIndex) {
      this.balancesIndex = new Map();
      const today = this.today();
      for (const inv of this.store.list('invoices', this.company.id)) {
        if (inv.status !== 'AUTHORISED' || inv.amountDue === 0) continue;
        const b = this.balancesIndex.get(inv.contactId) ?? { outstanding: 0, overdue: 0 };
        b.outstanding += inv.amountDue;
        if (inv.dueDate !== null && inv.dueDate < today) b.overdue += inv.amountDue;
        this.balancesIndex.set(inv.contactId, b);
      }
    }
    return this.balancesIndex.get(contactId) ?? { outstanding: 0, overdue: 0 };
  }
}
