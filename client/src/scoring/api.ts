/** Scoring data: the worklist, stored scores (badges), cash forecasts and the in-app backtest. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api';

// The worklist's wire shapes are the server's own (type-only imports: nothing of the server is bundled).
export type { CustomerSegment as Segment } from '../../../server/domain/scoring/explain';
export type { CalibrationBin } from '../../../server/domain/scoring/metrics';
export type { ScoreReason as Reason } from '../../../server/scoring/engine';
export type { Motion } from '../../../server/scoring/in-motion';
export type { Why } from '../../../server/scoring/rank';
export type { Worklist, WorklistCustomer, WorklistInvoice } from '../../../server/scoring/worklist';

import type { ChangeAlert } from '../../../server/domain/scoring/change';
import type { CustomerSegment as Segment } from '../../../server/domain/scoring/explain';
import type { CalibrationBin } from '../../../server/domain/scoring/metrics';
import type { ScoreReason as Reason } from '../../../server/scoring/engine';
import type { Worklist } from '../../../server/scoring/worklist';

/** Customers per worklist page. */
export const WORKLIST_PAGE_SIZE = 50;

/** One page (from 1) of the worklist; the previous page stays on screen while the next loads. */
export function useWorklist(organisationId: string | null, page = 1) {
  const q = new URLSearchParams({ limit: String(WORKLIST_PAGE_SIZE), offset: String((page - 1) * WORKLIST_PAGE_SIZE) });
  if (organisationId) q.set('organisationId', organisationId);
  return useQuery({
    queryKey: ['worklist', organisationId, page],
    queryFn: () => api<Worklist>(`/worklist?${q}`),
    placeholderData: keepPreviousData,
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
  /** Changing-risk alerts of the last scoring run (decision 039). */
  changes: ChangeAlert[];
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
  /** Expected never to be paid (decision 039). */
  neverPaid: number;
  open: number;
  invoices: number;
}

export interface LastQuarter {
  asOf: string;
  weeks: (ForecastWeek & { actual: number })[];
  expected: number;
  actual: number;
  weeklyError: number | null;
  /** (forecast − collected) / collected. */
  bias: number | null;
  /** Mean weekly |forecast − collected| / collected. */
  mape: number | null;
}

export interface PortfolioForecast {
  currency: string;
  forecast: Forecast;
  organisations: { id: string; name: string; currency: string; expected13Weeks: number; open: number; included: boolean; rate: string | null }[];
  excluded: { id: string; name: string; currency: string }[];
  lastQuarter: LastQuarter;
  scoringPending: { organisationName: string }[];
}

export interface OrganisationForecast {
  organisation: { id: string; name: string };
  currency: string;
  forecast: Forecast;
  lastQuarter: LastQuarter;
  scoringPending: { organisationName: string }[];
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
  | {
      available: true;
      method: 'fitted' | 'nofit';
      split: string;
      asOf: string;
      nTrain: number;
      nTest: number;
      nUnsettled: number;
      model: MetricsTriple;
      baseline: MetricsTriple;
      intervalCoverage: number | null;
      ece: number | null;
      calibration: CalibrationBin[];
    }
  | { available: false; split: string; asOf: string; reason: string };

export interface CustomerPrediction {
  invoiceId: string;
  number: string;
  issueDate: string;
  dueDate: string;
  pLate: number;
  predictedDate: string;
  lowDate: string;
  highDate: string;
  paidDate: string;
  late: boolean;
  inRange: boolean;
}

export interface CustomerBacktest {
  method: 'fitted' | 'nofit' | null;
  split: string;
  predictions: CustomerPrediction[];
}

export function useCustomerBacktest(customerId: string | null | undefined) {
  return useQuery({
    queryKey: ['customer-backtest', customerId],
    enabled: Boolean(customerId),
    queryFn: () => api<CustomerBacktest>(`/customers/${customerId}/backtest`),
    staleTime: 5 * 60_000,
  });
}

export function useBacktest(organisationId: string | null | undefined) {
  return useQuery({
    queryKey: ['backtest', organisationId],
    enabled: Boolean(organisationId),
    queryFn: async () => (await api<{ backtest: Backtest }>(`/organisations/${organisationId}/backtest`)).backtest,
    staleTime: 5 * 60_000,
  });
}
