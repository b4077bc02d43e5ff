/** The CSV layout of every analytics table (one header row; amounts exact, dates ISO). */
import type { CsvColumn } from './csv';
import type { CustomerSummary } from './customers';
import type { ExchangeRateRow } from './exchange-rates';
import type { Finding } from './data-quality';
import type { InvoiceRow } from './invoice-list';
import type { PortfolioRow } from './portfolio';
import type { SegmentRow } from './segments';
import type { targetWithProgress } from './targets-store';

export const PORTFOLIO_CSV: CsvColumn<PortfolioRow>[] = [
  { header: 'organisation', value: (r) => r.name },
  { header: 'provider', value: (r) => r.provider },
  { header: 'status', value: (r) => r.status },
  { header: 'currency', value: (r) => r.currency },
  { header: 'base_currency', value: (r) => r.baseCurrency },
  { header: 'rate_to_reporting', type: 'number', value: (r) => r.rate?.value ?? (r.currency === r.baseCurrency && !r.note ? '1' : '') },
  { header: 'rate_as_of', type: 'date', value: (r) => r.rate?.asOf },
  { header: 'ar', type: 'amount', value: (r) => r.arEnd },
  { header: 'overdue', type: 'amount', value: (r) => r.overdue },
  { header: 'overdue_pct', type: 'number', value: (r) => r.overduePct },
  { header: 'current', type: 'amount', value: (r) => r.aging.current },
  { header: 'd1_30', type: 'amount', value: (r) => r.aging.d1_30 },
  { header: 'd31_60', type: 'amount', value: (r) => r.aging.d31_60 },
  { header: 'd61_90', type: 'amount', value: (r) => r.aging.d61_90 },
  { header: 'd91_plus', type: 'amount', value: (r) => r.aging.d91_plus },
  { header: 'sales', type: 'amount', value: (r) => r.creditSales },
  { header: 'dso', type: 'number', value: (r) => r.dso },
  { header: 'best_possible_dso', type: 'number', value: (r) => r.bestPossibleDso },
  { header: 'cei', type: 'number', value: (r) => r.cei },
  { header: 'dso_90_days_earlier', type: 'number', value: (r) => r.dsoCompare },
  { header: 'dso_change_pct', type: 'number', value: (r) => r.trend?.changePct },
  { header: 'needs_help', value: (r) => (r.needsHelp.flag ? 'yes' : 'no') },
  { header: 'reasons', value: (r) => r.needsHelp.reasons.join('; ') },
  { header: 'note', value: (r) => r.note },
];

export const CUSTOMERS_CSV: CsvColumn<CustomerSummary>[] = [
  { header: 'customer', value: (r) => r.name },
  { header: 'ledger_id', value: (r) => r.externalId },
  { header: 'email', value: (r) => r.email },
  { header: 'invoices', type: 'number', value: (r) => r.invoices },
  { header: 'open_invoices', type: 'number', value: (r) => r.openInvoices },
  { header: 'balance', type: 'amount', value: (r) => r.arEnd },
  { header: 'overdue', type: 'amount', value: (r) => r.overdue },
  { header: 'overdue_pct', type: 'number', value: (r) => r.overduePct },
  { header: 'current', type: 'amount', value: (r) => r.aging.current },
  { header: 'd1_30', type: 'amount', value: (r) => r.aging.d1_30 },
  { header: 'd31_60', type: 'amount', value: (r) => r.aging.d31_60 },
  { header: 'd61_90', type: 'amount', value: (r) => r.aging.d61_90 },
  { header: 'd91_plus', type: 'amount', value: (r) => r.aging.d91_plus },
  { header: 'oldest_days_past_due', type: 'number', value: (r) => r.oldestDaysPastDue },
  { header: 'sales', type: 'amount', value: (r) => r.creditSales },
  { header: 'collected', type: 'amount', value: (r) => r.collected },
  { header: 'dso', type: 'number', value: (r) => r.dso },
  { header: 'cei', type: 'number', value: (r) => r.cei },
  { header: 'dbt', type: 'number', value: (r) => r.dbt },
  { header: 'avg_days_to_pay', type: 'number', value: (r) => r.avgDaysToPay },
  { header: 'add_countback', type: 'number', value: (r) => r.add },
  { header: 'dso_countback', type: 'number', value: (r) => r.dsoCountback },
  { header: 'last_payment_date', type: 'date', value: (r) => r.lastPaymentDate },
  { header: 'ledger_link', value: (r) => r.link },
];

export const INVOICES_CSV: CsvColumn<InvoiceRow>[] = [
  { header: 'number', value: (r) => r.number },
  { header: 'reference', value: (r) => r.reference },
  { header: 'customer', value: (r) => r.customerName },
  { header: 'issue_date', type: 'date', value: (r) => r.issueDate },
  { header: 'due_date', type: 'date', value: (r) => r.dueDate },
  { header: 'currency', value: (r) => r.currency },
  { header: 'total', type: 'amount', value: (r) => r.total },
  { header: 'paid', type: 'amount', value: (r) => r.paid },
  { header: 'credited', type: 'amount', value: (r) => r.credited },
  { header: 'balance', type: 'amount', value: (r) => r.balance },
  { header: 'days_past_due', type: 'number', value: (r) => r.daysPastDue },
  { header: 'status', value: (r) => r.status },
  { header: 'ledger_link', value: (r) => r.link },
];

export const SEGMENTS_CSV: CsvColumn<SegmentRow>[] = [
  { header: 'segment', value: (r) => r.segment },
  { header: 'invoices', type: 'number', value: (r) => r.invoices },
  { header: 'ar', type: 'amount', value: (r) => r.arEnd },
  { header: 'share_of_ar_pct', type: 'number', value: (r) => r.shareOfAr },
  { header: 'overdue', type: 'amount', value: (r) => r.overdue },
  { header: 'overdue_pct', type: 'number', value: (r) => r.overduePct },
  { header: 'sales', type: 'amount', value: (r) => r.creditSales },
  { header: 'collected', type: 'amount', value: (r) => r.collected },
  { header: 'dso', type: 'number', value: (r) => r.dso },
  { header: 'cei', type: 'number', value: (r) => r.cei },
  { header: 'dbt', type: 'number', value: (r) => r.dbt },
];

export const DATA_QUALITY_CSV: CsvColumn<Finding>[] = [
  { header: 'issue', value: (r) => r.kind },
  { header: 'subject', value: (r) => r.subject },
  { header: 'name', value: (r) => r.name },
  { header: 'ledger_id', value: (r) => r.externalId },
  { header: 'detail', value: (r) => r.detail },
  { header: 'fix_in_ledger', value: (r) => r.link },
];

type TargetRow = ReturnType<typeof targetWithProgress>;

export const TARGETS_CSV: CsvColumn<TargetRow>[] = [
  { header: 'metric', value: (r) => r.metric },
  { header: 'baseline_value', type: 'number', value: (r) => r.baselineValue },
  { header: 'baseline_date', type: 'date', value: (r) => r.baselineDate },
  { header: 'goal_kind', value: (r) => r.goalKind },
  { header: 'goal_value', type: 'number', value: (r) => r.goalValue },
  { header: 'goal', type: 'number', value: (r) => r.goal },
  { header: 'due_date', type: 'date', value: (r) => r.dueDate },
  { header: 'as_of', type: 'date', value: (r) => r.asOf },
  { header: 'current', type: 'number', value: (r) => r.current },
  { header: 'progress_pct', type: 'number', value: (r) => r.progressPct },
  { header: 'expected_pct', type: 'number', value: (r) => r.expectedPct },
  { header: 'status', value: (r) => r.status },
  { header: 'note', value: (r) => r.note },
];

export const RATES_CSV: CsvColumn<ExchangeRateRow>[] = [
  { header: 'currency', value: (r) => r.currency },
  { header: 'reporting_currency', value: (r) => r.reportingCurrency },
  { header: 'rate_to_reporting', type: 'number', value: (r) => r.rateToReporting },
  { header: 'as_of', type: 'date', value: (r) => r.asOf },
];
