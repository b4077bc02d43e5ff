import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHistoryCsv } from '../../server/domain/ar-history-csv';
import { makeScoringFixture } from '../fixtures/make-scoring-fixture';
import { scratchDir } from '../support/scratch';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/fixtures/ar-history-scoring.csv';
const SPLIT = '2022-01-01';

function arcus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/arcus.mjs', ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the scoring fixture', () => {
  it('is exactly what make-scoring-fixture.ts writes (deterministic, not hand-edited)', () => {
    expect(readFileSync(join(ROOT, FIXTURE), 'utf8')).toBe(makeScoringFixture());
  });
});

describe('arcus backtest', () => {
  const tmp = scratchDir('backtest');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints the protocol JSON, and the model beats the baseline on the fixture', async () => {
    const { code, stdout, stderr } = await arcus('backtest', '--csv', FIXTURE, '--split', SPLIT, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out).sort()).toEqual(
      ['auc_late', 'baseline', 'brier_late', 'ece_late', 'interval_coverage_80', 'mae_days_to_settle', 'n_test', 'n_train', 'n_unscored', 'nofit', 'split'].sort(),
    );
    expect(Object.keys(out.baseline).sort()).toEqual(['auc_late', 'brier_late', 'mae_days_to_settle']);
    expect(Object.keys(out.nofit).sort()).toEqual(['auc_late', 'brier_late', 'ece_late', 'interval_coverage_80', 'mae_days_to_settle']);
    // The no-fit method (nothing trained) ranks better than the trained baseline on the fixture. Its
    // fixed days rule (constants chosen on the public sample's validation split, decision 034) is a
    // little behind the baseline's days on these 88 invoices (7.18 against 6.69) though ahead on the
    // public sample (4.65 against 6.53): kept within a tenth of it here, as a guard against drift.
    expect(out.nofit.auc_late).toBeGreaterThan(out.baseline.auc_late);
    expect(out.nofit.mae_days_to_settle).toBeLessThan(out.baseline.mae_days_to_settle * 1.1);
    for (const m of [out, out.nofit]) {
      expect(m.ece_late).toBeGreaterThanOrEqual(0);
      expect(m.interval_coverage_80).toBeGreaterThan(0);
      expect(m.interval_coverage_80).toBeLessThanOrEqual(1);
    }

    // Counts by the protocol, recomputed from the file.
    const rows = parseHistoryCsv(readFileSync(join(ROOT, FIXTURE), 'utf8'));
    expect(out.n_train).toBe(rows.filter((r) => r.settledDate !== null && r.settledDate < SPLIT).length);
    expect(out.n_test).toBe(rows.filter((r) => r.invoiceDate >= SPLIT && r.settledDate !== null).length);
    expect(out.n_unscored).toBe(rows.filter((r) => r.invoiceDate >= SPLIT && r.settledDate === null).length);
    expect(out.n_unscored).toBeGreaterThan(0);

    for (const m of [out, out.baseline]) {
      expect(m.auc_late).toBeGreaterThanOrEqual(0);
      expect(m.auc_late).toBeLessThanOrEqual(1);
      expect(m.brier_late).toBeGreaterThanOrEqual(0);
      expect(m.brier_late).toBeLessThanOrEqual(1);
      expect(m.mae_days_to_settle).toBeGreaterThan(0);
      expect(Math.round(m.auc_late * 1e4) / 1e4).toBe(m.auc_late);
      expect(Math.round(m.mae_days_to_settle * 100) / 100).toBe(m.mae_days_to_settle);
    }
    // C-DISPUTE's disputed invoices, C-DRIFT's drift and C-BIGTICKET's large invoices are
    // invisible to the baseline's late share and all-history median.
    expect(out.auc_late).toBeGreaterThan(out.baseline.auc_late + 0.05);
    expect(out.brier_late).toBeLessThan(out.baseline.brier_late);
    expect(out.mae_days_to_settle).toBeLessThan(out.baseline.mae_days_to_settle);
  });

  it('prints a readable table without --json', async () => {
    const { code, stdout } = await arcus('backtest', '--csv', FIXTURE, '--split', SPLIT);
    expect(code).toBe(0);
    expect(stdout).toMatch(/AUC, paid late/);
    expect(stdout).toMatch(/baseline/);
    expect(() => JSON.parse(stdout)).toThrow();
  });

  it('--until cuts the history to what was known before it (a validation split inside a training period)', async () => {
    const until = '2022-04-01';
    const { code, stdout } = await arcus('backtest', '--csv', FIXTURE, '--split', SPLIT, '--until', until, '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    const rows = parseHistoryCsv(readFileSync(join(ROOT, FIXTURE), 'utf8'));
    const settled = (r: (typeof rows)[number]) => r.settledDate !== null && r.settledDate < until;
    expect(out.until).toBe(until);
    expect(out.n_test).toBe(rows.filter((r) => r.invoiceDate >= SPLIT && r.invoiceDate < until && settled(r)).length);
    expect(out.n_unscored).toBe(rows.filter((r) => r.invoiceDate >= SPLIT && r.invoiceDate < until && !settled(r)).length);
    expect(out.nofit.auc_late).toBeGreaterThan(0.5);
  });

  it('--issued-before scores only the invoices issued before it, with the same model (decision 066)', async () => {
    const until = '2022-06-01';
    const issuedBefore = '2022-04-01';
    const run = async (...extra: string[]) => {
      const { code, stdout } = await arcus('backtest', '--csv', FIXTURE, '--split', SPLIT, '--until', until, '--json', ...extra);
      expect(code).toBe(0);
      return JSON.parse(stdout);
    };
    const [window, whole] = await Promise.all([run('--issued-before', issuedBefore), run()]);
    const rows = parseHistoryCsv(readFileSync(join(ROOT, FIXTURE), 'utf8'));
    const settled = (r: (typeof rows)[number]) => r.settledDate !== null && r.settledDate < until;
    expect(window.issued_before).toBe(issuedBefore);
    expect(window.n_test).toBe(rows.filter((r) => r.invoiceDate >= SPLIT && r.invoiceDate < issuedBefore && settled(r)).length);
    expect(window.n_test).toBeLessThan(whole.n_test);
    expect(window.n_unscored).toBe(rows.filter((r) => r.invoiceDate >= SPLIT && r.invoiceDate < issuedBefore && !settled(r)).length);
    expect(window.n_train).toBe(whole.n_train); // the same training set, so the same model
  });

  it('exits 2 with a usage line on bad arguments', async () => {
    for (const args of [
      ['--split', SPLIT],
      ['--csv', FIXTURE],
      ['--csv', FIXTURE, '--split', '1/1/2022'],
      ['--csv', FIXTURE, '--split', SPLIT, '--frobnicate'],
      ['--csv', FIXTURE, '--split', '1990-01-01'],
      ['--csv', FIXTURE, '--split', SPLIT, '--until', SPLIT],
      ['--csv', FIXTURE, '--split', SPLIT, '--until', 'soon'],
      ['--csv', FIXTURE, '--split', SPLIT, '--issued-before', SPLIT],
      ['--csv', FIXTURE, '--split', SPLIT, '--until', '2022-04-01', '--issued-before', '2022-05-01'],
      ['--csv', join(tmp, 'missing.csv'), '--split', SPLIT],
    ]) {
      const { code, stderr } = await arcus('backtest', ...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/^arcus backtest: .+\nUsage: arcus backtest --csv FILE/);
    }
  });

  it('exits 1 with one line naming the line and column of a malformed CSV', async () => {
    const lines = readFileSync(join(ROOT, FIXTURE), 'utf8').split('\n');
    lines[2] = lines[2]!.replace(/,(\d+\/\d+\/\d{4}),(\d+\/\d+\/\d{4}),/, ',$1,31/2/2022,');
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    const { code, stdout, stderr } = await arcus('backtest', '--csv', bad, '--split', SPLIT, '--json');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/line 3, column DueDate/);
  });
});
