/**
 * The client contact's navigation (their own small app, docs/decisions/024 and 029), in order.
 * To add a page: one entry here and one route in ClientApp (ClientApprovalsPage.tsx).
 */
export interface ClientNavItem {
  path: string;
  label: string;
  /** Shown at the right of the link: how many things wait for the client. */
  badge?: 'approvals';
}

export const CLIENT_NAV: ClientNavItem[] = [
  { path: '/', label: 'Overview' },
  { path: '/approvals', label: 'Approvals', badge: 'approvals' },
  { path: '/report', label: 'Monthly report' },
  { path: '/commissions', label: 'Commissions' },
];
