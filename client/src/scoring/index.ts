/** Scoring UI pieces other pages import with one line. */
export { BacktestCard } from './BacktestCard';
export { CustomerPredictionsCard } from './CustomerPredictionsCard';
export { CustomerRiskBadges, InvoiceRiskBadge, RiskBadge, SegmentBadge } from './badges';
export { ForecastChart } from './ForecastChart';
export { CustomerRiskLine, CustomerRiskPanel, InvoiceRiskPanel } from './panels';
export { useOrganisationScores } from './api';
