/**
 * KPI tiles for a dashboard: each metric with its formula and the same formula with
 * this period's figures filled in (shown on hover).
 */
import { amountNumber, type MetricsResult } from '../domain/metrics';
import { fromMinor, type Minor } from '../../kernel/money';
import { overduePct } from './figures';

export interface Kpi {
  key: string;
  /** Short, for the tile. */
  label: string;
  /** In full, for the tooltip. */
  name: string;
  /** Amounts as decimal numbers of the dashboard's currency; days; percent (98 = 98%). */
  value: number | null;
  unit: 'amount' | 'days' | 'percent';
  formula: string;
  workings: string | null;
  /** Why the value is blank (null), in plain words; null when it has a value. */
  why: string | null;
}

/** 1234567.8 minor → "12,345.68". */
export function plainAmount(units: Minor): string {
  const [whole, frac] = fromMinor(units).split('.');
  const neg = whole!.startsWith('-');
  const digits = neg ? whole!.slice(1) : whole!;
  return `${neg ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

const a = plainAmount;

/** Why a tile's figure is undefined for the period, in words a person can act on. Pure. */
export function kpiBlankReason(key: string, m: MetricsResult): string {
  switch (key) {
    case 'overdue_pct':
      return 'Nothing owed at the end of this period';
    case 'dso':
    case 'bpdso':
    case 'add':
      return 'No sales in this period';
    case 'dso_countback':
      return m.arEnd === 0 ? 'No sales up to the end of this period' : 'The balance is larger than all recorded sales';
    case 'cei':
      return 'Nothing was owed or invoiced in this period';
    case 'dbt':
    case 'avg_days_to_pay':
      return 'No invoices paid in this period';
    default:
      return 'Not available for this period';
  }
}

export function buildKpis(m: MetricsResult): Kpi[] {
  return tiles(m).map((k) => ({ ...k, why: k.value === null ? kpiBlankReason(k.key, m) : null }));
}

function tiles(m: MetricsResult): Omit<Kpi, 'why'>[] {
  const S = a(m.creditSales);
  const D = m.days;
  const overdue = m.arEnd - m.currentArEnd;
  return [
    { key: 'ar', label: 'AR', name: 'Accounts receivable', value: amountNumber(m.arEnd), unit: 'amount', formula: `AR(${m.to}): sum of outstanding balances at the end of ${m.to}`, workings: null },
    {
      key: 'overdue_pct',
      label: 'Overdue',
      name: 'Overdue share of AR',
      value: overduePct(m.arEnd, m.currentArEnd),
      unit: 'percent',
      formula: '(AR − Current AR) / AR × 100',
      workings: `(${a(m.arEnd)} − ${a(m.currentArEnd)}) / ${a(m.arEnd)} × 100`,
    },
    { key: 'dso', label: 'DSO', name: 'Days sales outstanding', value: m.dso, unit: 'days', formula: 'DSO = AR(to) / S × D, S = sales issued in the period, D = days in it', workings: `${a(m.arEnd)} / ${S} × ${D}` },
    { key: 'bpdso', label: 'Best-possible DSO', name: 'Best-possible DSO', value: m.bestPossibleDso, unit: 'days', formula: 'BPDSO = Current AR(to) / S × D', workings: `${a(m.currentArEnd)} / ${S} × ${D}` },
    { key: 'add', label: 'ADD', name: 'Average days delinquent', value: m.add, unit: 'days', formula: 'ADD = DSO − BPDSO = (AR − Current AR) / S × D', workings: `${a(overdue)} / ${S} × ${D}` },
    {
      key: 'dso_countback',
      label: 'Countback DSO',
      name: 'Countback DSO',
      value: m.dsoCountback,
      unit: 'days',
      formula: "Start with AR(to); walk back from the 1st of to's month, then whole earlier months, subtracting each one's sales and adding its days while they fit; then add remaining / that month's sales × its days",
      workings: `AR(to) = ${a(m.arEnd)}`,
    },
    {
      key: 'cei',
      label: 'CEI',
      name: 'Collection effectiveness index',
      value: m.cei,
      unit: 'percent',
      formula: 'CEI = (AR(from − 1) + S − AR(to)) / (AR(from − 1) + S − Current AR(to)) × 100',
      workings: `(${a(m.arOpen)} + ${S} − ${a(m.arEnd)}) / (${a(m.arOpen)} + ${S} − ${a(m.currentArEnd)}) × 100`,
    },
    { key: 'dbt', label: 'DBT', name: 'Days beyond terms', value: m.dbt, unit: 'days', formula: 'DBT = amount-weighted mean of max(0, settled date − due date) over invoices settled in the period', workings: null },
    {
      key: 'avg_days_to_pay',
      label: 'Avg days to pay',
      name: 'Average days to pay',
      value: m.avgDaysToPay,
      unit: 'days',
      formula: 'Amount-weighted mean of (settled date − issue date) over invoices settled in the period',
      workings: null,
    },
    { key: 'collected', label: 'Collected', name: 'Collected', value: amountNumber(m.collected), unit: 'amount', formula: 'Payments and credit-note allocations dated in the period', workings: null },
  ];
}
