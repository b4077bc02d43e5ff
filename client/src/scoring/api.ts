/** Scoring data: the worklist, stored scores (badges), cash forecasts and the in-app backtest. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api';

export interface Reason {
  code: string;
  text: string;
  contribution: number;
}

export type Segment = 'reliable' | 'slow' | 'chronic_late' | 'deteriorating' | 'bad_debt_risk' | 'new';

export interface Motion {
  kind: 'promised' | 'disputed' | 'on_plan' | 'reminded' | 'contacted';
  /** Recorded against the invoice, or against the customer (all its open invoices). */
  scope: 'invoice' | 'customer';
  label: string;
  at: string;
  factor: number;
}

export interface Why {
  amount: number;
  risk: number;
  daysOverdue: number;
  overdueFactor: number;
  base: number;
  motions: { kind: Motion['kind']; label: string; factor: number }[];
  value: number;
}

export interface WorklistInvoice {
  invoiceId: string;
  number: string;
  issueDate: string;
  dueDate: string | null;
  daysOverdue: number;
  currency: string;
  amountDue: number;
  amountAtRisk: number;
  pLate: number;
  predictedDate: string;
  lowDate: string;
  highDate: string;
  reasons: Reason[];
  motions: Motion[];
  why: Why;
  link: string;
}

export interface WorklistCustomer {
  rank: number;
  organisationId: string;
  organisationName: string;
  provider: 'xero' | 'quickbooks';
  contactId: string | null;
  contactExternalId: string;
  name: string;
  score: number | null;
  segment: Segment | null;
  change: number | null;
  previousSegment: Segment | null;
  settledCount: number | null;
  reasons: Reason[];
  value: number;
  open: { currency: string; amount: number }[];
  invoices: WorklistInvoice[];
  link: string;
}

export interface Worklist {
  reportingCurrency: string;
  unconverted: { id: string; name: string; currency: string }[];
  organisations: { id: string; name: string }[];
  customers: WorklistCustomer[];
  totalCustomers: number;
  totalInvoices: number;
}

export function useWorklist(organisationId: string | null) {
  return useQuery({
    queryKey: ['worklist', organisationId],
    queryFn: () => api<Worklist>(`/worklist${organisationId ? `?organisationId=${encodeURIComponent(organisationId)}` : ''}`),
  });
}

export function useMarkContacted() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { organisationId: string; contactExternalId: string; invoiceId?: string }) => api<{ id: string; at: string }>('/worklist/contacted', { method: 'POST', body: v }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['worklist'] }),
  });
}

export interface CustomerScore {
  contactId: string | null;
  contactExternalId: string;
  name: string;
  score: number;
  segment: Segment;
  pLate: number;
  settledCount: number;
  openCount: number;
  priorWeight: number;
  reasons: Reason[];
  change: number | null;
  previousSegment: Segment | null;
}

export interface InvoiceScore {
  invoiceId: string;
  number: string;
  dueDate: string | null;
  customerName: string;
  contactExternalId: string;
  currency: string;
  amountDue: number;
  amountAtRisk: number;
  pLate: number;
  predictedDate: string;
  lowDate: string;
  highDate: string;
  priorWeight: number;
  reasons: Reason[];
}

export interface OrganisationScores {
  organisation: { id: string; name: string };
  customers: CustomerScore[];
  invoices: InvoiceScore[];
}

/** An organisation's stored scores, for badges in customer and invoice lists (look up by contact or invoice id). */
export function useOrganisationScores(organisationId: string | null | undefined) {
  return useQuery({
    queryKey: ['scores', organisationId],
    enabled: Boolean(organisationId),
    queryFn: async () => {
      const s = await api<OrganisationScores>(`/organisations/${organisationId}/scores`);
      return {
        ...s,
        byContact: new Map(s.customers.flatMap((c) => [[c.contactExternalId, c] as const, ...(c.contactId ? [[c.contactId, c] as const] : [])])),
        byInvoice: new Map(s.invoices.map((i) => [i.invoiceId, i] as const)),
      };
    },
  });
}

export interface ForecastWeek {
  weekStart: string;
  weekEnd: string;
  expected: number;
  low: number;
  high: number;
  actual?: number;
}

export interface Forecast {
  day: string;
  weeks: ForecastWeek[];
  expected13Weeks: number;
  later: number;
  open: number;
  invoices: number;
}

export interface LastQuarter {
  asOf: string;
  weeks: (ForecastWeek & { actual: number })[];
  expected: number;
  actual: number;
  weeklyError: number | null;
}

export interface PortfolioForecast {
  currency: string;
  forecast: Forecast;
  organisations: { id: string; name: string; currency: string; expected13Weeks: number; open: number; included: boolean; rate: string | null }[];
  excluded: { id: string; name: string; currency: string }[];
  lastQuarter: LastQuarter;
}

export interface OrganisationForecast {
  organisation: { id: string; name: string };
  currency: string;
  forecast: Forecast;
  lastQuarter: LastQuarter;
}

export function usePortfolioForecast() {
  return useQuery({ queryKey: ['forecast', 'portfolio'], queryFn: () => api<PortfolioForecast>('/portfolio/forecast') });
}

export function useOrganisationForecast(organisationId: string | null) {
  return useQuery({ queryKey: ['forecast', organisationId], enabled: Boolean(organisationId), queryFn: () => api<OrganisationForecast>(`/organisations/${organisationId}/forecast`) });
}

export interface MetricsTriple {
  auc: number | null;
  brier: number | null;
  mae: number | null;
}

export type Backtest =
  | { available: true; split: string; asOf: string; nTrain: number; nTest: number; nUnsettled: number; model: MetricsTriple; baseline: MetricsTriple; intervalCoverage: number | null }
  | { available: false; split: string; asOf: string; reason: string };

export function useBacktest(organisationId: string | null | undefined) {
  return useQuery({
    queryKey: ['backtest', organisationId],
    enabled: Boolean(organisationId),
    queryFn: async () => (await api<{ backtest: Backtest }>(`/organisations/${organisationId}/backtest`)).backtest,
    staleTime: 5 * 60_000,
  });
}
