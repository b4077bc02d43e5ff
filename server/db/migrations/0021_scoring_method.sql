-- Provider data-use terms (docs/decisions/016-provider-data-use.md, server/scoring/data-use.ts):
-- Xero data may not train or contribute to any model. Every stored model may have been fitted
-- on a Xero organisation's rows (per organisation, or the pooled firm model), so all are
-- deleted; the next scoring run fits again on the rows that allow it, or scores by the no-fit
-- method. Each model now records which organisations' rows it received.
DELETE FROM scoring_models;
--> statement-breakpoint
ALTER TABLE scoring_models ADD COLUMN trained_on jsonb NOT NULL DEFAULT '{"rows":0,"organisations":[]}'::jsonb;
--> statement-breakpoint
-- Cached backtests and last-quarter forecasts were computed by fitting on each organisation's
-- history: recomputed on next request with the method its provider allows.
DELETE FROM scoring_cache WHERE kind IN ('backtest', 'last_quarter');
