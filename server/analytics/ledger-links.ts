/** Deep links into the client's ledger, where a user fixes a contact or an invoice. */
export type LedgerProvider = 'xero' | 'quickbooks';

export function contactLink(provider: LedgerProvider, externalId: string): string {
  const id = encodeURIComponent(externalId);
  switch (provider) {
    case 'xero':
      return `https://go.xero.com/Contacts/View/${id}`;
    case 'quickbooks':
      return `https://app.qbo.intuit.com/app/customerdetail?nameId=${id}`;
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}

export function invoiceLink(provider: LedgerProvider, externalId: string): string {
  const id = encodeURIComponent(externalId);
  switch (provider) {
    case 'xero':
      return `https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=${id}`;
    case 'quickbooks':
      return `https://app.qbo.intuit.com/app/invoice?txnId=${id}`;
    default: {
      const never: never = provider;
      throw new Error(`unknown provider ${String(never)}`);
    }
  }
}
