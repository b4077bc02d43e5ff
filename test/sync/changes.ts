/**
 * Ledger changes for the sync tests, made through the sandbox store the way each provider
 * makes them (a QuickBooks credit is a credit memo linked to the invoice by a zero-amount
 * payment, as the admin API and the demo generator do). Each change picks its documents from
 * the current ledger by a seed, and returns null when nothing fits (e.g. no open invoice).
 */
import { addDays, todayIn } from '../../kernel/dates';
import type { Minor } from '../../kernel/money';
import type { SbInvoice } from '../../integrations/sandbox/model';
import type { SandboxStore } from '../../integrations/sandbox/store';

export type ChangeKind =
  | 'newInvoice'
  | 'partPayment'
  | 'credit'
  | 'edit'
  | 'void'
  | 'delete'
  | 'newContact'
  | 'deletePayment'
  | 'editContact'
  // Xero only (null on QuickBooks): settlements issue #13 added.
  | 'prepayment'
  | 'overpayment'
  | 'batchPayment'
  | 'voidPrepayment'
  // QuickBooks only (null on Xero): an invoice with a discount line and a Deposit; a payment on account.
  | 'depositInvoice'
  | 'unappliedPayment';
export const CHANGE_KINDS: ChangeKind[] = [
  'newInvoice',
  'partPayment',
  'credit',
  'edit',
  'void',
  'delete',
  'newContact',
  'deletePayment',
  'editContact',
  'prepayment',
  'overpayment',
  'batchPayment',
  'voidPrepayment',
  'depositInvoice',
  'unappliedPayment',
];

export interface Change {
  kind: ChangeKind;
  /** Picks the document and amounts. */
  pick: number;
  /** Cents, e.g. for amounts like 0.10 + 0.20. */
  cents: number;
}

function nth<T>(list: T[], pick: number): T | null {
  return list.length ? list[pick % list.length]! : null;
}

let counter = 0;

export function applyChange(store: SandboxStore, companyId: string, change: Change): string | null {
  const company = store.company(companyId);
  const today = todayIn(company.timezone, new Date(store.clock.peek()));
  const qbo = company.provider === 'quickbooks';
  const invoicesOf = () => store.list('invoices', companyId);
  const open = () => invoicesOf().filter((i) => i.status === 'AUTHORISED' && i.amountDue > 1 && i.issueDate <= today);
  const customers = store.list('contacts', companyId).filter((c) => c.deletedAt === null && c.status === 'ACTIVE' && c.isCustomer);
  switch (change.kind) {
    case 'newInvoice': {
      const c = nth(customers, change.pick);
      if (!c) return null;
      // 0.10 + 0.20 style amounts: a float sum would not be exact.
      const inv = store.createInvoice(companyId, {
        contactId: c.id,
        issueDate: today,
        dueDate: addDays(today, 30),
        lines: [
          { description: 'Consulting (0.1 day)', quantity: '1', unitAmount: 10 + change.cents, taxAmount: 0 },
          { description: 'Materials', quantity: '3', unitAmount: 20 + change.pick * 7, taxAmount: qbo ? 0 : 3 },
        ],
        currency: c.currency,
      });
      return `new invoice ${inv.number}`;
    }
    case 'partPayment': {
      const inv = nth(open(), change.pick);
      if (!inv) return null;
      const amount: Minor = Math.max(1, Math.min(inv.amountDue - 1, Math.floor(inv.amountDue / 3) + change.cents));
      store.createPayment(companyId, { date: today, allocations: [{ invoiceId: inv.id, amount }], reference: 'Part payment' });
      return `part payment of ${amount} on ${inv.number}`;
    }
    case 'credit': {
      const inv = nth(
        open().filter((i) => store.contacts.get(i.contactId)?.deletedAt === null),
        change.pick,
      );
      if (!inv) return null;
      const amount: Minor = Math.max(1, Math.min(inv.amountDue, 100 + change.cents * 3));
      const cn = store.createCreditNote(companyId, { contactId: inv.contactId, date: today, currency: inv.currency, reference: inv.number, lines: [{ description: `Credit against ${inv.number}`, unitAmount: amount, taxAmount: 0 }] });
      if (qbo) store.createPayment(companyId, { date: today, allocations: [{ invoiceId: inv.id, amount }], creditNoteLinks: [{ creditNoteId: cn.id, amount }], amount: 0 });
      else store.allocateCredit(companyId, cn.id, inv.id, amount, today);
      return `credit ${cn.number} of ${amount} on ${inv.number}`;
    }
    case 'edit': {
      const inv = nth(invoicesOf().filter((i) => i.status === 'AUTHORISED' || i.status === 'DRAFT'), change.pick);
      if (!inv) return null;
      const unpaid = inv.amountPaid + inv.amountCredited === 0;
      if (unpaid && change.pick % 2 === 0) {
        store.updateInvoice(companyId, inv.id, { lines: [{ description: 'Re-quoted work', quantity: '2', unitAmount: 1234 + change.cents, taxAmount: qbo ? 0 : 99 }] });
        return `edited lines of ${inv.number}`;
      }
      store.updateInvoice(companyId, inv.id, { dueDate: addDays(inv.dueDate ?? inv.issueDate, 7), reference: qbo ? inv.reference : `PO-${change.pick}` });
      return `edited due date of ${inv.number}`;
    }
    case 'void': {
      const inv = nth(
        invoicesOf().filter((i) => i.status === 'AUTHORISED' && i.amountPaid + i.amountCredited === 0),
        change.pick,
      );
      if (!inv) return null;
      store.voidInvoice(companyId, inv.id);
      return `voided ${inv.number}`;
    }
    case 'delete': {
      const candidates = invoicesOf().filter((i: SbInvoice) => (i.status === 'AUTHORISED' || i.status === 'DRAFT') && i.amountPaid + i.amountCredited === 0);
      const inv = nth(candidates, change.pick);
      if (!inv) return null;
      store.deleteInvoice(companyId, inv.id);
      return `deleted ${inv.number}`;
    }
    case 'newContact': {
      const c = store.createContact(companyId, { name: `New Customer ${Date.now().toString(36)}-${counter++}`, email: `ap${counter}@new.example`, currency: company.baseCurrency });
      return `new contact ${c.name}`;
    }
    case 'deletePayment': {
      const p = nth(
        store.list('payments', companyId).filter((x) => x.status === 'AUTHORISED' && x.creditNoteLinks.length === 0),
        change.pick,
      );
      if (!p) return null;
      store.deletePayment(companyId, p.id);
      return `deleted payment ${p.id}`;
    }
    case 'prepayment':
    case 'overpayment': {
      if (qbo) return null;
      // Received as a credit (a prepayment a few days back, an overpayment today), then allocated.
      const inv = nth(
        open().filter((i) => store.contacts.get(i.contactId)?.deletedAt === null),
        change.pick,
      );
      if (!inv) return null;
      const amount: Minor = change.pick % 3 === 0 ? inv.amountDue : Math.max(1, Math.min(inv.amountDue, Math.floor(inv.amountDue / 2) + change.cents));
      const extra: Minor = change.kind === 'overpayment' ? 1 + change.cents * 7 : 0;
      const received = change.kind === 'prepayment' ? addDays(today, -(change.pick % 20)) : today;
      const x = store.createPrepayment(companyId, { kind: change.kind, contactId: inv.contactId, date: received, amount: amount + extra, currency: inv.currency, reference: `Received ${counter++}` });
      store.allocatePrepayment(companyId, x.id, inv.id, amount, today);
      return `${change.kind} of ${amount + extra} allocating ${amount} to ${inv.number}`;
    }
    case 'batchPayment': {
      if (qbo) return null;
      const candidates = open().filter((i) => i.currency === company.baseCurrency);
      const first = nth(candidates, change.pick);
      if (!first) return null;
      const second = nth(candidates.filter((i) => i.contactId === first.contactId && i.id !== first.id), change.pick);
      const parts = [first, ...(second ? [second] : [])].map((i, k) => ({ invoiceId: i.id, amount: k === 0 && change.pick % 2 === 1 ? Math.max(1, i.amountDue - 1 - change.cents) : i.amountDue }));
      const children = store.createBatchPayment(companyId, { date: today, reference: `Batch ${counter++}`, allocations: parts });
      return `batch payment of ${children.length} invoice(s) starting ${first.number}`;
    }
    case 'voidPrepayment': {
      if (qbo) return null;
      const x = nth(
        store.list('prepayments', companyId).filter((p) => p.status !== 'VOIDED'),
        change.pick,
      );
      if (!x) return null;
      store.voidPrepayment(companyId, x.id);
      return `voided ${x.kind} ${x.id}`;
    }
    case 'depositInvoice': {
      if (!qbo) return null;
      const c = nth(customers, change.pick);
      if (!c) return null;
      // Raised with a 10% discount line and a deposit taken on the day; now and then the deposit is the whole invoice.
      const items: Minor = 2 * (4000 + change.cents);
      const off: Minor = Math.floor(items / 10);
      const total = items - off;
      const deposit: Minor = change.pick % 5 === 0 ? total : Math.floor(total / 4) + change.cents;
      const inv = store.createInvoice(companyId, {
        contactId: c.id,
        issueDate: today,
        dueDate: addDays(today, 30),
        lines: [
          { description: 'Design work', quantity: '2', unitAmount: 4000 + change.cents, taxAmount: 0 },
          { description: 'Discount 10%', quantity: '1', unitAmount: -off, taxAmount: 0 },
        ],
        currency: c.currency,
        deposit,
      });
      return `new invoice ${inv.number} with a discount of ${off} and a deposit of ${deposit}`;
    }
    case 'unappliedPayment': {
      if (!qbo) return null;
      const c = nth(customers, change.pick);
      if (!c) return null;
      const p = store.createPayment(companyId, { contactId: c.id, date: today, allocations: [], amount: 1000 + change.cents, reference: 'On account' });
      return `unapplied payment ${p.id} of ${p.amount} from ${c.name}`;
    }
    case 'editContact': {
      const c = nth(customers, change.pick);
      if (!c) return null;
      if (change.pick % 3 === 0 && customers.length > 3) {
        store.deleteContact(companyId, c.id);
        return `deleted contact ${c.name}`;
      }
      store.updateContact(companyId, c.id, { name: `${c.name.replace(/ \(renamed.*$/, '')} (renamed ${counter++})` });
      return `renamed contact ${c.name}`;
    }
  }
}
