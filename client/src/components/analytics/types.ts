/** Shapes of the analytics API responses (server/routes/analytics.ts). Amounts are decimal numbers. */
export type Provider = 'xero' | 'quickbooks';
export type BucketKey = 'current' | 'd1_30' | 'd31_60' | 'd61_90' | 'd91_plus';
export type Aging = Record<BucketKey, number>;

export interface Period {
  from: string;
  to: string;
  days?: number;
}

export interface Verdict {
  flag: boolean;
  reasons: string[];
}

export interface PortfolioRow {
  organisationId: string;
  name: string;
  provider: Provider;
  status: string;
  baseCurrency: string;
  currency: string;
  converted: boolean;
  /** `from`: where the rate came from, in words; `stale`: older than 45 days. */
  rate: { value: string; asOf: string; source: 'entered' | 'ledger'; from: string; stale: boolean } | null;
  note: string | null;
  arEnd: number;
  overdue: number;
  overduePct: number | null;
  creditSales: number;
  aging: Aging;
  openInvoices: number;
  dso: number | null;
  bestPossibleDso: number | null;
  cei: number | null;
  dsoCompare: number | null;
  trend: { direction: 'up' | 'down' | 'flat'; changePct: number } | null;
  needsHelp: Verdict;
}

export interface PortfolioRate {
  currency: string;
  value: string;
  asOf: string;
  source: 'entered' | 'ledger';
  from: string;
  stale: boolean;
  warning: string | null;
}

export interface Portfolio {
  period: Period;
  compare: Period;
  reportingCurrency: string;
  ratesCheckedOn: string;
  rates: PortfolioRate[];
  warnings: string[];
  rows: PortfolioRow[];
  totals: {
    currency: string;
    organisations: number;
    arEnd: number;
    overdue: number;
    overduePct: number | null;
    dso: number | null;
    needsHelp: number;
    aging: Aging;
    excluded: { organisationId: string; name: string; currency: string }[];
    note: string | null;
  };
}

export interface OrganisationInfo {
  id: string;
  name: string;
  provider: Provider;
  baseCurrency: string;
  timezone: string;
  status: string;
  lastSyncAt: string | null;
}

export interface Kpi {
  key: string;
  label: string;
  name: string;
  value: number | null;
  unit: 'amount' | 'days' | 'percent';
  formula: string;
  workings: string | null;
  /** Why the value is blank, in plain words (null when it has one). */
  why: string | null;
}

export interface SeriesPoint {
  month: string;
  /** The period's last month, cut short by its end (month to date). */
  partial: boolean;
  to: string;
  dso: number | null;
  bestPossibleDso: number | null;
  cei: number | null;
  arEnd: number;
  creditSales: number;
  collected: number;
}

export interface CustomerSummary {
  customerId: string | null;
  externalId: string;
  name: string;
  email: string | null;
  invoices: number;
  openInvoices: number;
  arEnd: number;
  overdue: number;
  overduePct: number | null;
  aging: Aging;
  oldestDaysPastDue: number | null;
  creditSales: number;
  collected: number;
  dso: number | null;
  cei: number | null;
  dbt: number | null;
  avgDaysToPay: number | null;
  /** Days beyond terms of the invoices paid in the period. */
  avgDaysLate: number | null;
  /** Average days delinquent, counted back through the customer's monthly sales. */
  add: number | null;
  dsoCountback: number | null;
  /** Why each blank figure is blank, in plain words. */
  why: Partial<Record<CustomerFigureKey, string>>;
  lastPaymentDate: string | null;
  link: string;
}

export type CustomerFigureKey = 'avgDaysLate' | 'add' | 'dsoCountback' | 'cei' | 'avgDaysToPay';

export interface Dashboard {
  organisation: OrganisationInfo;
  currency: string;
  period: Period;
  compare: Period & { dso: number | null };
  kpis: Kpi[];
  aging: { bucket: BucketKey; label: string; amount: number }[];
  series: SeriesPoint[];
  needsHelp: Verdict;
  topOverdue: CustomerSummary[];
  counts: { invoices: number; customers: number; openInvoices: number };
  foreignCurrencies: string[];
}

export interface InvoiceRow {
  id: string;
  externalId: string;
  number: string;
  reference: string;
  customerId: string | null;
  customerName: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  total: number;
  paid: number;
  credited: number;
  balance: number;
  daysPastDue: number | null;
  status: 'open' | 'overdue' | 'paid';
  link: string;
}

export interface Finding {
  kind: string;
  subject: 'contact' | 'invoice';
  id: string | null;
  externalId: string;
  name: string;
  detail: string;
  link: string;
}

export interface DataQuality {
  customersChecked: number;
  findings: Finding[];
  counts: Record<string, number>;
  labels: Record<string, string>;
}

export interface Target {
  id: string;
  metric: 'dso' | 'cei' | 'overdue_pct' | 'dbt';
  baselineValue: number;
  baselineDate: string;
  goalKind: 'relative' | 'absolute';
  goalValue: number;
  dueDate: string;
  note: string;
  goal: number;
  current: number | null;
  progressPct: number | null;
  expectedPct: number;
  status: 'achieved' | 'on_track' | 'behind' | 'missed' | 'no_data';
  summary: string;
}

export interface SegmentRow {
  segment: string;
  invoices: number;
  arEnd: number;
  overdue: number;
  overduePct: number | null;
  shareOfAr: number | null;
  creditSales: number;
  collected: number;
  dso: number | null;
  cei: number | null;
  dbt: number | null;
}
