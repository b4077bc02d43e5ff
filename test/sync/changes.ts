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

export type ChangeKind = 'newInvoice' | 'partPayment' | 'credit' | 'edit' | 'void' | 'delete' | 'newContact' | 'deletePayment' | 'editContact';
export const CHANGE_KINDS: ChangeKind[] = ['newInvoice', 'partPayment', 'credit', 'edit', 'void', 'delete', 'newContact', 'deletePayment', 'editContact'];

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
