/**
 * Provider data-use terms (docs/decisions/016-provider-data-use.md): the one place that decides
 * whether an organisation's ledger rows may be used to fit a model. Pure; models.ts
 * `loadProviders` reads each organisation's provider.
 *
 *  - `mayTrainOn(provider)` — the rule, per provider;
 *  - `TrainingRows` — the only input the app's training entry points accept (engine.ts
 *    `trainOn`, the in-app backtest). It can only be made by `TrainingRows.select`, which keeps
 *    the rows of organisations whose provider allows it, and it refuses (throws) if a row of
 *    any other organisation is in it when training starts;
 *  - organisations that may not be trained on are scored by the no-fit method
 *    (server/domain/scoring/nofit.ts).
 */
import type { providerEnum } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';
import type { HistoryInvoice } from './history';

export type LedgerProvider = (typeof providerEnum.enumValues)[number];

/** Per provider: may its data train (or contribute to) a model, and why. */
export const DATA_USE: Readonly<Record<LedgerProvider, { mayTrain: boolean; why: string }>> = {
  xero: {
    mayTrain: false,
    why: "Xero's developer terms forbid using data from Xero's APIs to train or contribute to any AI or machine-learning model",
  },
  quickbooks: { mayTrain: true, why: "Intuit's terms allow the app to use the connected company's data for the service it provides" },
};

/** The rule. An unknown provider may not. */
export function mayTrainOn(provider: string): boolean {
  return Object.hasOwn(DATA_USE, provider) && DATA_USE[provider as LedgerProvider].mayTrain;
}

/** What a model was trained on: the organisations whose rows reached it, and how many settled rows each. */
export interface TrainedOn {
  rows: number;
  organisations: { organisationId: string; rows: number }[];
}

/** History rows that may be used for fitting: only `TrainingRows.select` makes one. */
export class TrainingRows {
  readonly #allowed: ReadonlySet<string>;
  readonly history: readonly HistoryInvoice[];

  private constructor(history: readonly HistoryInvoice[], allowed: ReadonlySet<string>) {
    this.history = history;
    this.#allowed = allowed;
  }

  /** The rows of organisations whose provider allows fitting; everything else is left out. */
  static select(history: readonly HistoryInvoice[], providers: ReadonlyMap<string, string>): TrainingRows {
    const allowed = new Set<string>();
    for (const [id, provider] of providers) if (mayTrainOn(provider)) allowed.add(id);
    return new TrainingRows(
      history.filter((inv) => allowed.has(inv.organisationId)),
      allowed,
    );
  }

  /** Whether an organisation's rows may be in here. */
  allows(organisationId: string): boolean {
    return this.#allowed.has(organisationId);
  }

  /** The same rows restricted (history known at the end of `day`, one organisation, …). */
  narrow(pick: (history: readonly HistoryInvoice[]) => readonly HistoryInvoice[]): TrainingRows {
    return new TrainingRows(pick(this.history), this.#allowed);
  }

  only(organisationId: string): TrainingRows {
    return this.narrow((h) => h.filter((inv) => inv.organisationId === organisationId));
  }

  /**
   * Called by every training entry point before it fits: throws unless `rows` was made by
   * `select` and holds only rows of organisations allowed then. Returns what it will train on
   * (settled rows as of `day`, per organisation).
   */
  static assertTrainable(rows: TrainingRows, day: CalendarDate): TrainedOn {
    if (!(rows instanceof TrainingRows) || !(#allowed in rows)) throw new TypeError('training needs TrainingRows.select(…)');
    const counts = new Map<string, number>();
    for (const inv of rows.history) {
      if (!rows.#allowed.has(inv.organisationId)) throw new Error(`rows of organisation ${inv.organisationId} may not be used for training`);
      if (inv.settledDate !== null && inv.settledDate <= day) counts.set(inv.organisationId, (counts.get(inv.organisationId) ?? 0) + 1);
    }
    const organisations = [...counts].map(([organisationId, n]) => ({ organisationId, rows: n })).sort((a, b) => a.organisationId.localeCompare(b.organisationId));
    return { rows: organisations.reduce((s, o) => s + o.rows, 0), organisations };
  }
}
