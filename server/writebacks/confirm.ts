/**
 * Confirming a write-back from what the ledger shows when read back: the document exists and
 * carries the amounts and allocations we asked for. Pure: the executor reads, this decides.
 */
import type { LedgerDocument, WriteDocType } from '../../integrations/ledger/writes';
import { fromMinor, toMinor } from '../../kernel/money';
import type { RequestOf, ResolvedPayLinkRequest, WritebackKind } from './types';

/** Which document a kind creates or changes, read back to confirm it (null: nothing to read). */
export function documentTypeOf(kind: WritebackKind, request: unknown): WriteDocType | null {
  switch (kind) {
    case 'payment':
      return 'payment';
    case 'credit_note':
      return 'creditNote';
    case 'late_fee':
    case 'plan_invoice':
    case 'fee_invoice':
    case 'pay_link':
    case 'authorise_invoice':
      return 'invoice';
    case 'void':
      return (request as RequestOf<'void'>).type;
    case 'note':
    case 'allocation':
    // Read back by its own call (LedgerWrites.readRefund: Xero's refund payment, QuickBooks' receipt).
    case 'refund':
      return null;
  }
}

const cents = (v: string) => toMinor(v, 4, true);
/** What lines add up to: a line with a tax code credits its net and its tax (decision 061). */
const sum = (lines: readonly { amount: string; taxCode?: string | null; tax?: string | null }[]) => lines.reduce((s, l) => s + cents(l.amount) + (l.taxCode && l.tax ? cents(l.tax) : 0), 0);

/** null when the document read back matches the request; otherwise what differs, in words. */
export function confirmationProblem(kind: WritebackKind, request: unknown, doc: LedgerDocument | null, sent: LedgerDocument | null = null): string | null {
  if (kind === 'note') return null;
  // A deleted document is no longer read back (QuickBooks deletes payments and credit memos).
  if (kind === 'void' && !doc) return null;
  if (!doc) return 'the ledger does not show the document';
  switch (kind) {
    case 'payment': {
      const r = request as RequestOf<'payment'>;
      if (cents(doc.total) !== cents(r.amount)) return `the payment reads back as ${doc.total}, not ${r.amount}`;
      if (!doc.allocations.some((a) => a.invoiceExternalId === r.invoiceExternalId)) return 'the payment is not applied to the invoice';
      return null;
    }
    case 'credit_note': {
      const r = request as RequestOf<'credit_note'>;
      if (cents(doc.total) !== sum(r.lines)) return `the credit note reads back as ${doc.total}, not ${fromCents(sum(r.lines))}`;
      if (r.allocateTo) {
        const a = doc.allocations.find((x) => x.invoiceExternalId === r.allocateTo?.invoiceExternalId);
        if (!a || cents(a.amount) !== cents(r.allocateTo.amount)) return `the credit is not allocated to the invoice for ${r.allocateTo.amount}`;
      }
      return null;
    }
    case 'plan_invoice':
    case 'fee_invoice':
    case 'late_fee': {
      const r = request as RequestOf<'plan_invoice'> | RequestOf<'late_fee'>;
      if ('mode' in r && r.mode === 'line') {
        // Lines added to an existing invoice: the invoice must still total what the ledger
        // answered when the lines went in, and not be voided since.
        if (doc.status === 'voided' || doc.status === 'deleted') return `the invoice is ${doc.status}`;
        if (sent && cents(doc.total) !== cents(sent.total)) return `the invoice reads back as ${doc.total}, not ${sent.total}`;
        return null;
      }
      if (cents(doc.total) !== sum(r.lines)) return `the invoice reads back as ${doc.total}, not ${fromCents(sum(r.lines))}`;
      return null;
    }
    case 'pay_link': {
      const r = request as ResolvedPayLinkRequest;
      return doc.url?.includes(r.url) ? null : 'the invoice does not show the pay link';
    }
    case 'void':
      return doc.status === 'voided' || doc.status === 'deleted' ? null : `the document is still ${doc.status}`;
    case 'authorise_invoice':
      // Xero: AUTHORISED (or paid since); QuickBooks: marked to be sent, or sent (integrations/ledger/writes.ts).
      return (doc.approvedForSending ?? (doc.status === 'authorised' || doc.status === 'paid')) ? null : `the invoice is still ${doc.status === 'draft' ? 'a draft' : doc.status}`;
    case 'refund': {
      const r = request as RequestOf<'refund'>;
      if (doc.status === 'deleted' || doc.status === 'voided') return `the refund is ${doc.status}`;
      return cents(doc.total) === cents(r.amount) ? null : `the refund reads back as ${doc.total}, not ${r.amount}`;
    }
    case 'allocation': {
      const r = request as RequestOf<'allocation'>;
      const applied = doc.allocations.filter((a) => a.invoiceExternalId === r.invoiceExternalId).reduce((s, a) => s + cents(a.amount), 0);
      return applied >= cents(r.amount) ? null : `the credit is not applied to the invoice for ${r.amount}`;
    }
  }
}

const fromCents = (units: number) => fromMinor(units, 4).replace(/0{2}$/, '');
