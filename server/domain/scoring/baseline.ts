import { median } from './metrics';

/**
 * The backtest protocol's baseline (backtest.ts):
 *  - P(late) = (late_c + k·p_global) / (n_c + k), k = 5, where late_c of n_c are the
 *    customer's invoices settled before the issue date and p_global is the late share of the
 *    training set;
 *  - days to settle = the customer's median days to settle over the same history, or the
 *    training set's median when the customer has none.
 */
export interface BaselineModel {
  k: number;
  globalLateShare: number;
  globalMedianDaysToSettle: number;
}

export function fitBaseline(late: ArrayLike<boolean | number>, daysToSettle: ArrayLike<number>, k = 5): BaselineModel {
  if (late.length === 0) throw new RangeError('the baseline needs at least one settled invoice');
  let lateCount = 0;
  for (let i = 0; i < late.length; i++) if (late[i]) lateCount++;
  return { k, globalLateShare: lateCount / late.length, globalMedianDaysToSettle: median(daysToSettle) };
}

/** (lateCount + k·p_global) / (count + k). */
export function baselineLate(model: BaselineModel, lateCount: number, count: number): number {
  return (lateCount + model.k * model.globalLateShare) / (count + model.k);
}

/** The customer's median days to settle, or the global median without history. */
export function baselineDays(model: BaselineModel, customerMedian: number, count: number): number {
  return count > 0 ? customerMedian : model.globalMedianDaysToSettle;
}
