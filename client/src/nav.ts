export interface NavItem {
  path: string;
  label: string;
  description: string;
  /** Shown at the right of the navigation link (e.g. a count badge). */
  badge?: 'approvals';
}

/** The app's sections, in the order of the navigation. */
export const NAV: NavItem[] = [
  { path: '/my-work', label: 'My work', description: 'Everything assigned to you across your clients: ranked customers, follow-ups and promises due.' },
  { path: '/portfolio', label: 'Portfolio', description: 'Every client organisation at a glance: AR, overdue share, DSO, CEI and who needs help.' },
  { path: '/worklist', label: 'Worklist', description: 'Your prioritised list of customers and invoices to act on now.' },
  { path: '/customers', label: 'Customers', description: 'Customers across your clients’ ledgers, with balances, risk and history.' },
  { path: '/invoices', label: 'Invoices', description: 'Open and settled invoices synced from Xero and QuickBooks.' },
  { path: '/opportunities', label: 'Opportunities', description: 'Clients who need help, ranked by the cash a benchmark DSO would release, with a pitch for each; and how the firm’s clients compare.' },
  { path: '/forecast', label: 'Forecast', description: 'Expected collections for the next 13 weeks, with a band, and how last quarter’s forecast did.' },
  { path: '/fees', label: 'Fees', description: 'What each client owes the firm for its credit control each month, approved and invoiced in the practice ledger.' },
  { path: '/billing-review', label: 'Billing review', description: 'Draft and unsent invoices checked before they reach the customer, approved by a second person.' },
  { path: '/exceptions', label: 'Exceptions', description: 'Duplicate, unapplied and misapplied payments and open disputes, each with what to do about it.' },
  { path: '/approvals', label: 'Approvals', description: 'Write-backs waiting for approval, and the log of every change Arcus made in the ledgers.', badge: 'approvals' },
  { path: '/reminders', label: 'Reminders', description: 'Reminder policies, templates and what was sent.' },
  { path: '/settings', label: 'Settings', description: 'Connections to client ledgers, your firm and its users.' },
];
