/**
 * The sandbox ledger's state and the only code that changes it. Every change keeps documents
 * consistent the way Xero and QuickBooks do: allocations reduce AmountDue / Balance,
 * statuses move DRAFT → AUTHORISED → PAID / VOIDED, `updatedAt` moves forward on every change
 * (strictly increasing, so If-Modified-Since and CDC never miss an edit made in the same
 * millisecond), deletions are remembered for CDC, and listeners hear every change (webhooks).
 */
import { randomUUID } from 'node:crypto';
import type { CalendarDate } from '../../kernel/dates';
import { fromMinor, type Minor, sumMinor } from '../../kernel/money';
import type {
  Provider,
  SbAllocation,
  SbChange,
  SbCompany,
  SbContact,
  SbCreditNote,
  SbEntity,
  SbInvoice,
  SbLine,
  SbPayment,
  SbPrepayment,
  SbWrite,
} from './model';

export class SandboxError extends Error {
  override name = 'SandboxError';
  constructor(
    readonly code: 'not_found' | 'validation' | 'stale' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** Sandbox time: starts at a fixed or real instant and only moves when told (admin clock). */
export class SandboxClock {
  private offsetMs = 0;
  private last = 0;
  constructor(private readonly base: () => number = Date.now) {}
  /** Current sandbox time in ms; strictly increasing between calls. */
  now(): number {
    const t = Math.max(this.base() + this.offsetMs, this.last + 1);
    this.last = t;
    return t;
  }
  /** Current sandbox time without consuming a tick. */
  peek(): number {
    return Math.max(this.base() + this.offsetMs, this.last);
  }
  advance(ms: number): void {
    if (ms < 0) throw new SandboxError('validation', 'the clock only moves forward');
    this.offsetMs += ms;
  }
}

export interface NewLine {
  description: string;
  quantity?: string;
  unitAmount: Minor;
  taxAmount?: Minor;
  taxType?: string | null;
  accountCode?: string;
  itemCode?: string | null;
  tracking?: { name: string; option: string }[];
}

type Listener = (change: SbChange) => void;

/** Multiply a minor-unit amount by a decimal quantity string, rounding half away from zero. */
function lineTotal(unitAmount: Minor, quantity: string): Minor {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(quantity);
  if (!m) throw new SandboxError('validation', `Quantity must be a non-negative decimal, got ${quantity}`);
  const frac = m[2] ?? '';
  const scale = 10n ** BigInt(frac.length);
  const num = BigInt(unitAmount) * BigInt(m[1]! + frac);
  const q = num / scale;
  const r = num % scale;
  const abs = r < 0n ? -r : r;
  return Number(abs * 2n >= scale ? q + (num < 0n ? -1n : 1n) : q);
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class SandboxStore {
  readonly clock: SandboxClock;
  readonly companies = new Map<string, SbCompany>();
  readonly contacts = new Map<string, SbContact>();
  readonly invoices = new Map<string, SbInvoice>();
  readonly payments = new Map<string, SbPayment>();
  readonly creditNotes = new Map<string, SbCreditNote>();
  /** Xero overpayments and prepayments (served by xero/routes/prepayments.ts). */
  readonly prepayments = new Map<string, SbPrepayment>();
  /** Deleted documents, for QuickBooks CDC and Xero's DELETED status. */
  readonly deletions: SbChange[] = [];
  readonly writes: SbWrite[] = [];
  private readonly listeners = new Set<Listener>();
  private qboIds = new Map<string, number>();
  /** Indexes so settling an invoice costs its own allocations, not a scan of the ledger. */
  private readonly paymentsByInvoice = new Map<string, SbPayment[]>();
  private readonly creditNotesByInvoice = new Map<string, SbCreditNote[]>();
  private readonly paymentsByCreditNote = new Map<string, SbPayment[]>();
  private readonly prepaymentsByInvoice = new Map<string, SbPrepayment[]>();

  constructor(clock: SandboxClock = new SandboxClock()) {
    this.clock = clock;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(companyId: string, entity: SbEntity, id: string, operation: SbChange['operation'], at: number): void {
    const change: SbChange = { companyId, entity, id, operation, at };
    if (operation === 'Delete') this.deletions.push(change);
    for (const l of this.listeners) l(change);
  }

  /** A new document id in the company's provider style: uuid for Xero, a counter for QuickBooks. */
  newId(companyId: string): string {
    const company = this.company(companyId);
    if (company.provider === 'xero') return randomUUID();
    // The document maps are keyed by id alone, so a per-company counter must skip ids another
    // company (or an explicit id) already holds, or two realms would overwrite each other.
    let next = (this.qboIds.get(companyId) ?? 0) + 1;
    while (this.contacts.has(String(next)) || this.invoices.has(String(next)) || this.payments.has(String(next)) || this.creditNotes.has(String(next))) next++;
    this.qboIds.set(companyId, next);
    return String(next);
  }

  company(id: string): SbCompany {
    const c = this.companies.get(id);
    if (!c) throw new SandboxError('not_found', `company ${id} not found`);
    return c;
  }

  companiesFor(provider: Provider): SbCompany[] {
    return [...this.companies.values()].filter((c) => c.provider === provider);
  }

  addCompany(company: SbCompany): SbCompany {
    this.companies.set(company.id, company);
    return company;
  }

  // ---- reads -------------------------------------------------------------------------------

  contact(companyId: string, id: string): SbContact {
    const c = this.contacts.get(id);
    if (!c || c.companyId !== companyId || c.deletedAt !== null) throw new SandboxError('not_found', `contact ${id} not found`);
    return c;
  }

  invoice(companyId: string, id: string): SbInvoice {
    const inv = this.invoices.get(id);
    if (!inv || inv.companyId !== companyId) throw new SandboxError('not_found', `invoice ${id} not found`);
    return inv;
  }

  payment(companyId: string, id: string): SbPayment {
    const p = this.payments.get(id);
    if (!p || p.companyId !== companyId) throw new SandboxError('not_found', `payment ${id} not found`);
    return p;
  }

  creditNote(companyId: string, id: string): SbCreditNote {
    const cn = this.creditNotes.get(id);
    if (!cn || cn.companyId !== companyId) throw new SandboxError('not_found', `credit note ${id} not found`);
    return cn;
  }

  /** Documents of one company, in insertion order (callers sort as their API does). */
  list<K extends 'contacts' | 'invoices' | 'payments' | 'creditNotes' | 'prepayments'>(kind: K, companyId: string): Array<this[K] extends Map<string, infer V> ? V : never> {
    const out = [];
    for (const v of (this[kind] as Map<string, { companyId: string }>).values()) if (v.companyId === companyId) out.push(v);
    return out as Array<this[K] extends Map<string, infer V> ? V : never>;
  }

  // ---- contacts ----------------------------------------------------------------------------

  createContact(companyId: string, fields: Partial<Omit<SbContact, 'id' | 'companyId' | 'updatedAt' | 'syncToken' | 'deletedAt'>> & { name: string }, id?: string): SbContact {
    const company = this.company(companyId);
    if (!fields.name.trim()) throw new SandboxError('validation', 'A contact name is required');
    const at = this.clock.now();
    const contact: SbContact = {
      id: id ?? this.newId(companyId),
      companyId,
      firstName: null,
      lastName: null,
      email: null,
      contactPersons: [],
      phone: null,
      address: null,
      isCustomer: true,
      status: 'ACTIVE',
      currency: company.baseCurrency,
      habit: 'prompt',
      createdAt: at,
      ...fields,
      updatedAt: at,
      syncToken: 0,
      deletedAt: null,
    };
    this.contacts.set(contact.id, contact);
    this.emit(companyId, 'contact', contact.id, 'Create', at);
    return contact;
  }

  updateContact(companyId: string, id: string, patch: Partial<Pick<SbContact, 'name' | 'firstName' | 'lastName' | 'email' | 'contactPersons' | 'phone' | 'address' | 'status'>>, expectedSyncToken?: number): SbContact {
    const c = this.contact(companyId, id);
    this.checkSyncToken(c.syncToken, expectedSyncToken);
    Object.assign(c, patch);
    this.touch(c, 'contact', 'Update');
    return c;
  }

  deleteContact(companyId: string, id: string): void {
    const c = this.contact(companyId, id);
    c.status = 'ARCHIVED';
    c.deletedAt = this.touch(c, 'contact', 'Delete');
  }

  // ---- invoices ----------------------------------------------------------------------------

  buildLines(lines: NewLine[]): { lines: SbLine[]; subTotal: Minor; totalTax: Minor } {
    if (lines.length === 0) throw new SandboxError('validation', 'An invoice needs at least one line item');
    const built = lines.map((l): SbLine => {
      const quantity = l.quantity ?? '1';
      return {
        id: randomUUID(),
        description: l.description,
        quantity,
        unitAmount: l.unitAmount,
        lineAmount: lineTotal(l.unitAmount, quantity),
        taxAmount: l.taxAmount ?? 0,
        ...(l.taxType ? { taxType: l.taxType } : {}),
        accountCode: l.accountCode ?? '200',
        itemCode: l.itemCode ?? null,
        tracking: l.tracking ?? [],
      };
    });
    return { lines: built, subTotal: sumMinor(built.map((l) => l.lineAmount)), totalTax: sumMinor(built.map((l) => l.taxAmount)) };
  }

  createInvoice(
    companyId: string,
    fields: {
      contactId: string;
      issueDate: CalendarDate;
      dueDate: CalendarDate | null;
      lines: NewLine[];
      number?: string;
      reference?: string;
      currency?: string;
      currencyRate?: string;
      status?: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED';
      lineAmountTypes?: SbInvoice['lineAmountTypes'];
      url?: string | null;
      privateNote?: string;
      customerMemo?: string;
      /** QuickBooks only: a deposit received when the invoice was raised. */
      deposit?: Minor;
    },
    id?: string,
  ): SbInvoice {
    const company = this.company(companyId);
    this.contact(companyId, fields.contactId);
    const { lines, subTotal, totalTax } = this.buildLines(fields.lines);
    const total = subTotal + totalTax;
    if (total < 0) throw new SandboxError('validation', 'An invoice total cannot be negative');
    const deposit = fields.deposit ?? 0;
    if (deposit !== 0 && company.provider !== 'quickbooks') throw new SandboxError('validation', 'Only QuickBooks invoices take a deposit');
    if (!Number.isSafeInteger(deposit) || deposit < 0 || deposit > total) throw new SandboxError('validation', 'A deposit must be between 0 and the invoice total');
    const at = this.clock.now();
    const currency = fields.currency ?? company.baseCurrency;
    const invoice: SbInvoice = {
      id: id ?? this.newId(companyId),
      companyId,
      number: fields.number ?? `INV-${String(company.nextInvoiceNumber++).padStart(5, '0')}`,
      reference: fields.reference ?? '',
      contactId: fields.contactId,
      issueDate: fields.issueDate,
      dueDate: fields.dueDate,
      currency,
      currencyRate: fields.currencyRate ?? (currency === company.baseCurrency ? '1' : (company.rates[currency] ?? '1')),
      status: fields.status ?? 'AUTHORISED',
      lineAmountTypes: fields.lineAmountTypes ?? 'Exclusive',
      lines,
      subTotal,
      totalTax,
      total,
      amountPaid: 0,
      amountCredited: 0,
      amountDue: total,
      ...(deposit > 0 ? { deposit } : {}),
      fullyPaidOnDate: null,
      url: fields.url ?? null,
      privateNote: fields.privateNote ?? '',
      customerMemo: fields.customerMemo ?? '',
      sentToContact: false,
      history: [{ at, user: 'System Generated', changes: 'Created', details: `INVOICE ${fields.number ?? ''} created`.trim() }],
      updatedAt: at,
      createdAt: at,
      syncToken: 0,
    };
    this.invoices.set(invoice.id, invoice);
    this.settle(invoice);
    this.emit(companyId, 'invoice', invoice.id, 'Create', at);
    return invoice;
  }

  /** Edit an open invoice (dates, reference, lines, url, notes, status DRAFT→AUTHORISED). */
  updateInvoice(
    companyId: string,
    id: string,
    patch: Partial<Pick<SbInvoice, 'issueDate' | 'dueDate' | 'reference' | 'url' | 'privateNote' | 'customerMemo' | 'sentToContact' | 'needToSend'>> & {
      lines?: NewLine[];
      status?: SbInvoice['status'];
    },
    expectedSyncToken?: number,
  ): SbInvoice {
    const inv = this.invoice(companyId, id);
    this.checkSyncToken(inv.syncToken, expectedSyncToken);
    if (inv.status === 'VOIDED' || inv.status === 'DELETED') throw new SandboxError('validation', `Invoice ${inv.number} is ${inv.status.toLowerCase()} and cannot be edited`);
    const { lines, status, ...rest } = patch;
    if (lines) {
      if (inv.amountPaid + inv.amountCredited > 0) throw new SandboxError('validation', 'Line items cannot be changed on an invoice with payments or credits allocated');
      if ((inv.deposit ?? 0) > 0) throw new SandboxError('validation', 'Line items cannot be changed on an invoice with a deposit');
      Object.assign(inv, this.buildLines(lines));
      inv.total = inv.subTotal + inv.totalTax;
    }
    Object.assign(inv, rest);
    if (status && status !== inv.status) {
      if (status === 'VOIDED') return this.voidInvoice(companyId, id);
      if (status === 'DELETED') return this.deleteInvoice(companyId, id);
      if (status === 'PAID') throw new SandboxError('validation', 'An invoice becomes PAID by payments, not by an edit');
      if (inv.status === 'PAID' || (inv.status === 'AUTHORISED' && status !== 'AUTHORISED')) throw new SandboxError('validation', `Cannot move invoice from ${inv.status} to ${status}`);
      inv.status = status;
    }
    this.settle(inv);
    this.touch(inv, 'invoice', 'Update');
    return inv;
  }

  voidInvoice(companyId: string, id: string): SbInvoice {
    const inv = this.invoice(companyId, id);
    if (inv.status === 'VOIDED') return inv;
    if (inv.amountPaid + inv.amountCredited > 0) throw new SandboxError('validation', 'Invoice has payments or credits allocated; remove them before voiding');
    if (inv.status === 'DRAFT' || inv.status === 'SUBMITTED') throw new SandboxError('validation', 'Only an approved invoice can be voided; delete a draft instead');
    inv.status = 'VOIDED';
    inv.amountDue = 0;
    this.touch(inv, 'invoice', 'Void');
    return inv;
  }

  deleteInvoice(companyId: string, id: string): SbInvoice {
    const inv = this.invoice(companyId, id);
    if (inv.amountPaid + inv.amountCredited > 0) throw new SandboxError('validation', 'Invoice has payments or credits allocated; remove them before deleting');
    inv.status = 'DELETED';
    inv.amountDue = 0;
    this.touch(inv, 'invoice', 'Delete');
    return inv;
  }

  addHistory(companyId: string, id: string, details: string, user = 'Arcus'): SbInvoice {
    const inv = this.invoice(companyId, id);
    if (!details.trim()) throw new SandboxError('validation', 'A history note needs details');
    if (details.length > 250) throw new SandboxError('validation', 'History notes are limited to 250 characters');
    inv.history.push({ at: this.clock.now(), user, changes: 'Note', details });
    this.touch(inv, 'invoice', 'Update');
    return inv;
  }

  // ---- payments ----------------------------------------------------------------------------

  createPayment(
    companyId: string,
    fields: { contactId?: string; date: CalendarDate; allocations: { invoiceId: string; amount: Minor }[]; creditNoteLinks?: { creditNoteId: string; amount: Minor }[]; amount?: Minor; reference?: string; arAccountId?: string | null; refundChecks?: { checkId: string; amount: Minor }[] },
    id?: string,
  ): SbPayment {
    // QuickBooks takes a payment applied to nothing (money on account): TotalAmt, no lines.
    const unapplied = fields.allocations.length === 0 && (fields.creditNoteLinks ?? []).length === 0;
    if (unapplied && (this.company(companyId).provider !== 'quickbooks' || !fields.contactId || !((fields.amount ?? 0) > 0))) {
      throw new SandboxError('validation', 'A payment must be applied to at least one invoice');
    }
    const invoices = fields.allocations.map((a) => this.invoice(companyId, a.invoiceId));
    const contactId = fields.contactId ?? invoices[0]?.contactId ?? this.creditNote(companyId, fields.creditNoteLinks![0]!.creditNoteId).contactId;
    const company = this.company(companyId);
    const currency = invoices[0]?.currency ?? (unapplied ? this.contact(companyId, contactId).currency : company.baseCurrency);
    fields.allocations.forEach((a, i) => {
      const inv = invoices[i]!;
      if (inv.contactId !== contactId) throw new SandboxError('validation', 'All invoices on a payment must belong to its customer');
      if (inv.status !== 'AUTHORISED') throw new SandboxError('validation', `Payment not allowed: invoice ${inv.number} is ${inv.status}`);
      if (a.amount <= 0) throw new SandboxError('validation', 'A payment amount must be positive');
      if (a.amount > inv.amountDue) throw new SandboxError('validation', `Payment amount exceeds the amount due on ${inv.number}`);
      if (fields.date < inv.issueDate) throw new SandboxError('validation', 'A payment cannot be dated before the invoice');
    });
    const allocated = sumMinor(fields.allocations.map((a) => a.amount));
    // A zero-amount payment may link a credit memo to invoices (QuickBooks).
    const creditLinks = fields.creditNoteLinks ?? [];
    const at = this.clock.now();
    const payment: SbPayment = {
      id: id ?? this.newId(companyId),
      companyId,
      contactId,
      date: fields.date,
      currency,
      currencyRate: invoices[0]?.currencyRate ?? (currency === company.baseCurrency ? '1' : (company.rates[currency] ?? '1')),
      amount: fields.amount ?? allocated - sumMinor(creditLinks.map((c) => c.amount)),
      reference: fields.reference ?? '',
      status: 'AUTHORISED',
      allocations: [],
      creditNoteLinks: creditLinks,
      ...(fields.arAccountId ? { arAccountId: fields.arAccountId } : {}),
      // QuickBooks: a zero payment linking a credit memo to the refund check that pays it out.
      ...(fields.refundChecks?.length ? { refundChecks: fields.refundChecks } : {}),
      updatedAt: at,
      createdAt: at,
      syncToken: 0,
    };
    for (const link of creditLinks) {
      const cn = this.creditNote(companyId, link.creditNoteId);
      if (link.amount > cn.remainingCredit) throw new SandboxError('validation', `Credit memo ${cn.number} has only ${fromMinor(cn.remainingCredit)} left`);
    }
    this.payments.set(payment.id, payment);
    for (const link of creditLinks) push(this.paymentsByCreditNote, link.creditNoteId, payment);
    fields.allocations.forEach((a, i) => {
      const inv = invoices[i]!;
      const allocation: SbAllocation = { id: randomUUID(), invoiceId: inv.id, amount: a.amount, date: fields.date };
      payment.allocations.push(allocation);
      if (!payment.allocations.slice(0, -1).some((x) => x.invoiceId === inv.id)) push(this.paymentsByInvoice, inv.id, payment);
      this.settle(inv);
      this.touch(inv, 'invoice', 'Update');
    });
    for (const link of creditLinks) {
      const cn = this.creditNote(companyId, link.creditNoteId);
      this.recomputeCredit(cn);
      this.touch(cn, 'creditNote', 'Update');
    }
    this.emit(companyId, 'payment', payment.id, 'Create', at);
    return payment;
  }

  deletePayment(companyId: string, id: string): SbPayment {
    const p = this.payment(companyId, id);
    if (p.status === 'DELETED') return p;
    p.status = 'DELETED';
    this.touch(p, 'payment', 'Delete');
    for (const a of p.allocations) {
      const inv = this.invoice(companyId, a.invoiceId);
      if (inv.status === 'PAID') inv.status = 'AUTHORISED';
      this.settle(inv);
      this.touch(inv, 'invoice', 'Update');
    }
    for (const link of p.creditNoteLinks) {
      const cn = this.creditNote(companyId, link.creditNoteId);
      this.recomputeCredit(cn);
      this.touch(cn, 'creditNote', 'Update');
    }
    // A deleted refund gives the overpayment / prepayment its credit back.
    if (p.prepaymentLink) this.recomputePrepayment(this.prepayment(companyId, p.prepaymentLink.prepaymentId));
    return p;
  }

  // ---- credit notes ------------------------------------------------------------------------

  createCreditNote(
    companyId: string,
    fields: {
      contactId: string;
      date: CalendarDate;
      lines: NewLine[];
      number?: string;
      reference?: string;
      currency?: string;
      status?: 'DRAFT' | 'AUTHORISED';
      lineAmountTypes?: SbCreditNote['lineAmountTypes'];
    },
    id?: string,
  ): SbCreditNote {
    const company = this.company(companyId);
    this.contact(companyId, fields.contactId);
    const { lines, subTotal, totalTax } = this.buildLines(fields.lines);
    const at = this.clock.now();
    const currency = fields.currency ?? company.baseCurrency;
    const cn: SbCreditNote = {
      id: id ?? this.newId(companyId),
      companyId,
      number: fields.number ?? `CN-${String(company.nextCreditNoteNumber++).padStart(5, '0')}`,
      reference: fields.reference ?? '',
      contactId: fields.contactId,
      date: fields.date,
      currency,
      currencyRate: currency === company.baseCurrency ? '1' : (company.rates[currency] ?? '1'),
      status: fields.status ?? 'AUTHORISED',
      lineAmountTypes: fields.lineAmountTypes ?? 'Exclusive',
      lines,
      subTotal,
      totalTax,
      total: subTotal + totalTax,
      remainingCredit: subTotal + totalTax,
      allocations: [],
      updatedAt: at,
      createdAt: at,
      syncToken: 0,
    };
    if (cn.total <= 0) throw new SandboxError('validation', 'A credit note total must be positive');
    this.creditNotes.set(cn.id, cn);
    this.emit(companyId, 'creditNote', cn.id, 'Create', at);
    return cn;
  }

  /** Allocate part of a credit note to an invoice (Xero `PUT CreditNotes/{id}/Allocations`). */
  allocateCredit(companyId: string, creditNoteId: string, invoiceId: string, amount: Minor, date: CalendarDate): SbAllocation {
    const cn = this.creditNote(companyId, creditNoteId);
    const inv = this.invoice(companyId, invoiceId);
    if (cn.status !== 'AUTHORISED') throw new SandboxError('validation', `Credit note ${cn.number} is ${cn.status} and cannot be allocated`);
    if (inv.status !== 'AUTHORISED') throw new SandboxError('validation', `Invoice ${inv.number} is ${inv.status} and cannot take a credit`);
    if (inv.contactId !== cn.contactId) throw new SandboxError('validation', 'The credit note and the invoice belong to different contacts');
    if (inv.currency !== cn.currency) throw new SandboxError('validation', 'The credit note and the invoice are in different currencies');
    if (amount <= 0) throw new SandboxError('validation', 'An allocation amount must be positive');
    if (amount > cn.remainingCredit) throw new SandboxError('validation', 'The allocation exceeds the credit remaining');
    if (amount > inv.amountDue) throw new SandboxError('validation', 'The allocation exceeds the amount due on the invoice');
    const allocation: SbAllocation = { id: randomUUID(), invoiceId, amount, date };
    if (!cn.allocations.some((x) => x.invoiceId === invoiceId)) push(this.creditNotesByInvoice, invoiceId, cn);
    cn.allocations.push(allocation);
    this.recomputeCredit(cn);
    this.touch(cn, 'creditNote', 'Update');
    this.settle(inv);
    this.touch(inv, 'invoice', 'Update');
    return allocation;
  }

  /** Remove one allocation (Xero `DELETE CreditNotes/{id}/Allocations/{AllocationID}`): the credit and the invoice's amount due come back. */
  deleteAllocation(companyId: string, creditNoteId: string, allocationId: string): SbAllocation {
    const cn = this.creditNote(companyId, creditNoteId);
    const index = cn.allocations.findIndex((a) => a.id === allocationId.toLowerCase());
    if (index < 0) throw new SandboxError('not_found', `allocation ${allocationId} not found on credit note ${cn.number}`);
    const [allocation] = cn.allocations.splice(index, 1) as [SbAllocation];
    this.recomputeCredit(cn);
    this.touch(cn, 'creditNote', 'Update');
    const inv = this.invoice(companyId, allocation.invoiceId);
    this.settle(inv);
    this.touch(inv, 'invoice', 'Update');
    return allocation;
  }

  /** Delete a credit note (QuickBooks `?operation=delete`); refused while its credit is applied anywhere. */
  deleteCreditNote(companyId: string, id: string): SbCreditNote {
    const cn = this.creditNote(companyId, id);
    if (cn.status === 'DELETED') return cn;
    const linked = (this.paymentsByCreditNote.get(cn.id) ?? []).some((p) => p.status !== 'DELETED');
    if (cn.allocations.length > 0 || linked) throw new SandboxError('validation', `Credit note ${cn.number} is applied to invoices; remove the applications before deleting it`);
    cn.status = 'DELETED';
    cn.remainingCredit = 0;
    this.touch(cn, 'creditNote', 'Delete');
    return cn;
  }

  voidCreditNote(companyId: string, id: string): SbCreditNote {
    const cn = this.creditNote(companyId, id);
    if (cn.allocations.length > 0) throw new SandboxError('validation', 'Credit note has allocations; remove them before voiding');
    cn.status = 'VOIDED';
    cn.remainingCredit = 0;
    this.touch(cn, 'creditNote', 'Void');
    return cn;
  }

  // ---- Xero overpayments, prepayments and batch payments -------------------------------------

  /** Receive an overpayment or a prepayment from a customer (Xero RECEIVE-OVERPAYMENT / RECEIVE-PREPAYMENT). */
  createPrepayment(companyId: string, fields: { kind: SbPrepayment['kind']; contactId: string; date: CalendarDate; amount: Minor; currency?: string; reference?: string }, id?: string): SbPrepayment {
    const company = this.company(companyId);
    if (company.provider !== 'xero') throw new SandboxError('validation', 'Overpayments and prepayments are Xero documents');
    const contact = this.contact(companyId, fields.contactId);
    if (!Number.isSafeInteger(fields.amount) || fields.amount <= 0) throw new SandboxError('validation', `An ${fields.kind} amount must be positive`);
    const currency = fields.currency ?? contact.currency;
    const at = this.clock.now();
    const x: SbPrepayment = {
      id: id ?? this.newId(companyId),
      companyId,
      kind: fields.kind,
      contactId: contact.id,
      date: fields.date,
      currency,
      currencyRate: currency === company.baseCurrency ? '1' : (company.rates[currency] ?? '1'),
      reference: fields.reference ?? '',
      status: 'AUTHORISED',
      total: fields.amount,
      remainingCredit: fields.amount,
      allocations: [],
      updatedAt: at,
      createdAt: at,
      syncToken: 0,
    };
    this.prepayments.set(x.id, x);
    return x;
  }

  prepayment(companyId: string, id: string): SbPrepayment {
    const x = this.prepayments.get(id);
    if (!x || x.companyId !== companyId) throw new SandboxError('not_found', `overpayment or prepayment ${id} not found`);
    return x;
  }

  /** Allocate part of an overpayment / prepayment to an invoice (Xero `PUT Overpayments/{id}/Allocations`). */
  allocatePrepayment(companyId: string, id: string, invoiceId: string, amount: Minor, date: CalendarDate): SbAllocation {
    const x = this.prepayment(companyId, id);
    const inv = this.invoice(companyId, invoiceId);
    if (x.status !== 'AUTHORISED') throw new SandboxError('validation', `The ${x.kind} is ${x.status} and cannot be allocated`);
    if (inv.status !== 'AUTHORISED') throw new SandboxError('validation', `Invoice ${inv.number} is ${inv.status} and cannot take a credit`);
    if (inv.contactId !== x.contactId) throw new SandboxError('validation', `The ${x.kind} and the invoice belong to different contacts`);
    if (inv.currency !== x.currency) throw new SandboxError('validation', `The ${x.kind} and the invoice are in different currencies`);
    if (amount <= 0 || amount > x.remainingCredit || amount > inv.amountDue) throw new SandboxError('validation', 'The allocation must be positive and within the credit remaining and the amount due');
    const allocation: SbAllocation = { id: randomUUID(), invoiceId, amount, date };
    if (!x.allocations.some((a) => a.invoiceId === invoiceId)) push(this.prepaymentsByInvoice, invoiceId, x);
    x.allocations.push(allocation);
    x.remainingCredit -= amount;
    if (x.remainingCredit === 0) x.status = 'PAID';
    this.bump(x);
    this.settle(inv);
    this.touch(inv, 'invoice', 'Update');
    return allocation;
  }

  /**
   * Refund part or all of an overpayment / prepayment (Xero `PUT Payments` with Overpayment or
   * Prepayment and the bank Account): a payment of PaymentType AROVERPAYMENTPAYMENT /
   * ARPREPAYMENTPAYMENT, listed in the document's Payments; its RemainingCredit falls, PAID at zero.
   */
  refundPrepayment(companyId: string, id: string, fields: { date: CalendarDate; amount: Minor; reference?: string }): SbPayment {
    const x = this.prepayment(companyId, id);
    if (x.status !== 'AUTHORISED') throw new SandboxError('validation', `Payment not allowed: the ${x.kind} is ${x.status}`);
    if (!Number.isSafeInteger(fields.amount) || fields.amount <= 0) throw new SandboxError('validation', 'Payment amount must be greater than zero');
    if (fields.amount > x.remainingCredit) throw new SandboxError('validation', `Payment amount exceeds the credit remaining on the ${x.kind}`);
    if (fields.date < x.date) throw new SandboxError('validation', `A refund cannot be dated before the ${x.kind}`);
    const at = this.clock.now();
    const payment: SbPayment = {
      id: this.newId(companyId),
      companyId,
      contactId: x.contactId,
      date: fields.date,
      currency: x.currency,
      currencyRate: x.currencyRate,
      amount: fields.amount,
      reference: fields.reference ?? '',
      status: 'AUTHORISED',
      allocations: [],
      creditNoteLinks: [],
      prepaymentLink: { prepaymentId: x.id, amount: fields.amount },
      updatedAt: at,
      createdAt: at,
      syncToken: 0,
    };
    this.payments.set(payment.id, payment);
    this.recomputePrepayment(x);
    this.emit(companyId, 'payment', payment.id, 'Create', at);
    return payment;
  }

  /** QuickBooks: link refund checks to a payment (they use its unapplied money); the payment changes (CDC Update). */
  linkRefundChecks(companyId: string, paymentId: string, links: { checkId: string; amount: Minor }[]): SbPayment {
    const p = this.payment(companyId, paymentId);
    p.refundChecks = [...(p.refundChecks ?? []), ...links];
    this.touch(p, 'payment', 'Update');
    return p;
  }

  /** The refunds paid out of an overpayment / prepayment (not deleted), oldest first. */
  prepaymentRefunds(id: string): SbPayment[] {
    return [...this.payments.values()].filter((p) => p.prepaymentLink?.prepaymentId === id && p.status !== 'DELETED').sort((a, b) => a.createdAt - b.createdAt);
  }

  private recomputePrepayment(x: SbPrepayment): void {
    if (x.status === 'VOIDED') return;
    const used = sumMinor(x.allocations.map((a) => a.amount)) + sumMinor(this.prepaymentRefunds(x.id).map((p) => p.prepaymentLink!.amount));
    x.remainingCredit = x.total - used;
    x.status = x.remainingCredit === 0 ? 'PAID' : 'AUTHORISED';
    this.bump(x);
  }

  /** Void an overpayment / prepayment: its allocations stop counting and its invoices reopen. */
  voidPrepayment(companyId: string, id: string): SbPrepayment {
    const x = this.prepayment(companyId, id);
    if (x.status === 'VOIDED') return x;
    x.status = 'VOIDED';
    x.remainingCredit = 0;
    this.bump(x);
    for (const invoiceId of new Set(x.allocations.map((a) => a.invoiceId))) {
      const inv = this.invoice(companyId, invoiceId);
      this.settle(inv);
      this.touch(inv, 'invoice', 'Update');
    }
    return x;
  }

  /**
   * A Xero batch payment: one deposit paying several invoices, which Xero lists as one child
   * payment per invoice (its own Amount, CurrencyRate 0) sharing a BatchPaymentID.
   */
  createBatchPayment(companyId: string, fields: { date: CalendarDate; reference?: string; allocations: { invoiceId: string; amount: Minor }[] }, newId: () => string = randomUUID): SbPayment[] {
    if (this.company(companyId).provider !== 'xero') throw new SandboxError('validation', 'Batch payments are Xero documents');
    if (fields.allocations.length === 0) throw new SandboxError('validation', 'A batch payment needs at least one invoice');
    const batch = { id: newId(), reference: fields.reference ?? '', date: fields.date, totalAmount: sumMinor(fields.allocations.map((a) => a.amount)) };
    return fields.allocations.map((a) => {
      const p = this.createPayment(companyId, { date: fields.date, allocations: [a] }, newId());
      p.batch = batch;
      return p;
    });
  }

  private bump(doc: { updatedAt: number; syncToken: number }): void {
    doc.updatedAt = this.clock.now();
    doc.syncToken += 1;
  }

  // ---- consistency -------------------------------------------------------------------------

  /** Recompute an invoice's paid / credited / due amounts and PAID status from its allocations. */
  settle(inv: SbInvoice): void {
    if (inv.status === 'VOIDED' || inv.status === 'DELETED') return;
    let paid = 0;
    let lastDate: CalendarDate | null = null;
    for (const p of this.paymentsByInvoice.get(inv.id) ?? []) {
      if (p.status === 'DELETED') continue;
      for (const a of p.allocations) {
        if (a.invoiceId !== inv.id) continue;
        paid += a.amount;
        if (!lastDate || a.date > lastDate) lastDate = a.date;
      }
    }
    let credited = 0;
    for (const cn of this.creditNotesByInvoice.get(inv.id) ?? []) {
      if (cn.status === 'VOIDED' || cn.status === 'DELETED') continue;
      for (const a of cn.allocations) {
        if (a.invoiceId !== inv.id) continue;
        credited += a.amount;
        if (!lastDate || a.date > lastDate) lastDate = a.date;
      }
    }
    // Xero counts overpayment and prepayment allocations in AmountCredited too.
    for (const x of this.prepaymentsByInvoice.get(inv.id) ?? []) {
      if (x.status === 'VOIDED') continue;
      for (const a of x.allocations) {
        if (a.invoiceId !== inv.id) continue;
        credited += a.amount;
        if (!lastDate || a.date > lastDate) lastDate = a.date;
      }
    }
    const deposit = inv.deposit ?? 0;
    if (deposit > 0 && (!lastDate || inv.issueDate > lastDate)) lastDate = inv.issueDate;
    inv.amountPaid = paid;
    inv.amountCredited = credited;
    inv.amountDue = inv.total - deposit - paid - credited;
    if (inv.amountDue < 0) throw new SandboxError('validation', `Invoice ${inv.number} would be overpaid`);
    if (inv.amountDue === 0 && inv.total > 0 && inv.status === 'AUTHORISED') {
      inv.status = 'PAID';
      inv.fullyPaidOnDate = lastDate;
    } else if (inv.amountDue > 0 && inv.status === 'PAID') {
      inv.status = 'AUTHORISED';
      // Real Xero leaves FullyPaidOnDate behind on an invoice whose payment was deleted.
      if (this.company(inv.companyId).provider !== 'xero') inv.fullyPaidOnDate = null;
    }
  }

  private recomputeCredit(cn: SbCreditNote): void {
    let used = sumMinor(cn.allocations.map((a) => a.amount));
    for (const p of this.paymentsByCreditNote.get(cn.id) ?? []) {
      if (p.status === 'DELETED') continue;
      for (const l of p.creditNoteLinks) if (l.creditNoteId === cn.id) used += l.amount;
    }
    cn.remainingCredit = cn.total - used;
    if (cn.status === 'AUTHORISED' && cn.remainingCredit === 0) cn.status = 'PAID';
    else if (cn.status === 'PAID' && cn.remainingCredit > 0) cn.status = 'AUTHORISED';
  }

  private checkSyncToken(current: number, expected: number | undefined): void {
    if (expected !== undefined && expected !== current) throw new SandboxError('stale', `Stale object: SyncToken ${expected} is not the current ${current}`);
  }

  private touch(doc: { companyId: string; id: string; updatedAt: number; syncToken: number }, entity: SbEntity, op: SbChange['operation']): number {
    const at = this.clock.now();
    doc.updatedAt = at;
    doc.syncToken += 1;
    this.emit(doc.companyId, entity, doc.id, op, at);
    return at;
  }

  recordWrite(write: Omit<SbWrite, 'at'>): void {
    this.writes.push({ ...write, at: this.clock.peek() });
  }
}
