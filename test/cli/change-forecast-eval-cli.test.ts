/** `arcus change-eval` and `arcus forecast-eval` (decision 039): the figures they print. */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

const run = (args: string[]) => execFileSync(process.execPath, ['bin/arcus.mjs', ...args], { encoding: 'utf8' });

it('change-eval prints the false-alarm rate on stable synthetic customers and detection rates', () => {
  const json = JSON.parse(run(['change-eval', '--count', '300', '--seed', '5', '--json']));
  expect(json.statedFalseAlarmRate).toBe(0.01);
  expect(json.results.map((r: { shiftDays: number }) => r.shiftDays)).toEqual([5, 10, 15, 25]);
  for (const r of json.results) expect(r.stable).toBe(300);
  expect(json.results[0].falseAlarmRate).toBeLessThanOrEqual(0.02);
  expect(json.results[3].detectionRate).toBeGreaterThan(json.results[0].detectionRate);
  expect(run(['change-eval'])).toMatch(/stable customers: 1000, false alarms \d+ = \d+\.\d% \(stated ≤ 1\.0%\)/);
});

it('forecast-eval prints last quarter per week with bias and MAPE for each demo company', () => {
  const json = JSON.parse(run(['forecast-eval', '--json']));
  expect(json.map((l: { name: string }) => l.name)).toEqual(['Harbour Joinery Ltd', 'Kiwi Plumbing Co', 'Redwood Dental Group', 'Maple Street Bakery']);
  for (const l of json) {
    expect(l.withRule.weeks).toHaveLength(13);
    expect(typeof l.withRule.bias).toBe('number');
    expect(typeof l.withRule.mape).toBe('number');
    // The never-paid rule lowers the forecast (the demo keeps invoices hundreds of days overdue).
    expect(l.withRule.expected).toBeLessThan(l.withoutRule.expected);
  }
}, 120_000);
