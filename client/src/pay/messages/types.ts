/**
 * Every word of the debtor's pay page, one module per language (issue #20, decision 041):
 * en.ts, fr.ts, de.ts, es.ts, nl.ts. Formal address throughout (vous / Sie / usted / u).
 * Amounts and dates arrive already formatted for the language (api.ts, kernel/locale.ts).
 */
export interface PayMessages {
  loading: string;
  languageLabel: string;
  invalidLinkTitle: string;
  invalidLinkBody: string;
  somethingWrongTitle: string;
  reasons: Record<'incorrect_amount' | 'not_received' | 'quality' | 'already_paid' | 'duplicate' | 'other', string>;
  status: { processing: string; paid: string; cancelled: string; overdue: string; due: string };
  paymentTo: string;
  received: { title: string; body: (amount: string, organisation: string) => string };
  checking: { title: string; body: string };
  failed: { title: string; body: string };
  cancelled: { title: string; body: string };
  promised: { title: string; body: (organisation: string, date: string) => string };
  disputed: { title: string; body: (organisation: string) => string };
  statementFor: string;
  invoiceFor: string;
  toPayToday: string;
  discountTitle: (rate: string, date: string) => string;
  discountBody: (number: string, date: string, off: string, pay: string, instead: string) => string;
  table: { label: string; invoice: string; issued: string; due: string; amountDue: string; status: string; select: (number: string) => string; view: string; viewTitle: string };
  ifPaidBy: (amount: string, date: string) => string;
  nothingLeft: string;
  didNotWork: string;
  payNow: (amount: string) => string;
  payNowPlain: string;
  oneCurrency: string;
  promiseButton: string;
  disputeButton: string;
  promisePrompt: (organisation: string, selected: boolean) => string;
  promiseDate: string;
  promiseConfirm: string;
  disputeReason: string;
  disputeReasonPlaceholder: string;
  disputeDetails: string;
  disputeSend: (organisation: string) => string;
  footer: (demo: boolean, stripe: boolean, organisation: string) => string;
  /** Saved cards and autopay (issue #19, AutopaySection.tsx). */
  autopay: {
    title: string;
    intro: string;
    savedCard: string;
    /** "Visa •••• 4242, expires 12/2029"; brand null: a card of a brand we do not name. */
    card: (brand: string | null, last4: string, expiry: string) => string;
    expired: string;
    saveCard: string;
    updateCard: string;
    savedTitle: string;
    savedBody: string;
    noCardTitle: string;
    noCardBody: string;
    failedTitle: string;
    tryAgain: string;
    choicesLabel: string;
    futureInvoices: string;
    plan: (frequency: string | null) => string;
    /** A choice's state: `paused` is after failed payments, `paused_by_you` by the debtor on this page. */
    state: Record<'off' | 'on' | 'retrying' | 'paused' | 'paused_by_you', string>;
    /** Paused by someone at the organisation the debtor pays (a collector): "Paused by Harbour Joinery Ltd". */
    pausedBy: (organisation: string) => string;
  };
}
