import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function arcus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/arcus.mjs', 'metrics', ...args], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const SMALL = 'test/fixtures/ar-history-small.csv';

describe('arcus metrics', () => {
  it('prints the hand-computed metrics of the small fixture as one JSON object', async () => {
    const { code, stdout, stderr } = await arcus('--csv', SMALL, '--from', '2024-01-01', '--to', '2024-03-31', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    /*
     * Period 2024-01-01..2024-03-31, D = 31 + 29 + 31 = 91 days.
     * S = invoices 2001–2017 issued in the period:
     *   3000 + 1200 + 2500 + 700 + 1800 + 950.50 + 1100 + 400 + 2200 + 1300.25 + 600 + 900
     *   + 1000 + 450 + 120 + 180 + 275 = 18,675.75
     * AR(2023-12-31) = 1002 2000 + 1003 1500 + 1004 800 + 1005 500 + 1006 650 + 1007 350
     *   + 1008 250 + 1009 420 = 6,470.00 (1001 was paid 2023-12-10)
     * AR(2024-03-31), days past due at Mar 31:
     *   current: 2009 2200 (due Mar 31, 0) + 2011 600 + 2012 900 + 2013 1000 = 4,700
     *   1–30:    2007 1100 (15) + 2008 400 (1) + 2015 120 (30)             = 1,620
     *   31–60:   2003 2500 (41) + 2004 700 (36) + 2014 450 (60) + 2016 180 (31) = 3,830
     *   61–90:   1006 650 (90) + 1008 250 (61)                             =   900
     *   91+:     1005 500 (182) + 1007 350 (91)                            =   850
     *   total 11,900.00
     * DSO = 11900 / 18675.75 × 91 = 57.984 → 57.98; BPDSO = 4700 × 91 / 18675.75 = 22.901 → 22.90;
     * ADD = 7200 × 91 / 18675.75 = 35.083 → 35.08
     * Collected (settled Jan 1–Mar 31): 1009 420 + 1002 2000 + 1003 1500 + 2001 3000 + 1004 800
     *   + 2002 1200 + 2005 1800 + 2010 1300.25 + 2006 950.50 + 2017 275 = 13,245.75
     * CEI = (6470 + 18675.75 − 11900) / (6470 + 18675.75 − 4700) = 13245.75 / 20445.75 = 64.785 → 64.78
     * DBT over those 10 invoices (weight 13,245.75): late days 1002 10, 1004 88, 1009 31,
     *   2002 11, 2006 14, others 0 → (20000 + 70400 + 13020 + 13200 + 13307) / 13245.75
     *   = 129927 / 13245.75 = 9.809 → 9.81
     * Days to pay: 1002 40, 1003 30, 1004 118, 1009 61, 2001 30, 2002 41, 2005 29, 2006 44,
     *   2010 15, 2017 21 → 503520.75 / 13245.75 = 38.014 → 38.01
     * Countback at Mar 31: March sales 2200 + 1300.25 + 600 + 900 + 1000 + 275 = 6275.25 fit
     *   (31 days, 5624.75 left); February 1800 + 950.50 + 1100 + 400 + 120 = 4370.50 fit
     *   (29 days, 1254.25 left); January 8030 does not: 60 + 1254.25 / 8030 × 31 = 64.842 → 64.84
     */
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toEqual({
      credit_sales: 18675.75,
      ar_open: 6470,
      ar_end: 11900,
      current_ar_end: 4700,
      dso: 57.98,
      best_possible_dso: 22.9,
      add: 35.08,
      dso_countback: 64.84,
      cei: 64.78,
      dbt: 9.81,
      avg_days_to_pay: 38.01,
      collected: 13245.75,
      aging: { current: 4700, d1_30: 1620, d31_60: 3830, d61_90: 900, d91_plus: 850 },
    });
  });

  it('prints a readable table without --json', async () => {
    const { code, stdout } = await arcus('--csv', SMALL, '--from', '2024-01-01', '--to', '2024-03-31');
    expect(code).toBe(0);
    expect(stdout).toContain('A/R metrics 2024-01-01 to 2024-03-31 (91 days), USD');
    expect(stdout).toMatch(/Credit sales\s+18,675\.75/);
    expect(stdout).toMatch(/A\/R at 2023-12-31\s+6,470\.00/);
    expect(stdout).toMatch(/DSO\s+57\.98 days/);
    expect(stdout).toMatch(/CEI\s+64\.78%/);
    expect(stdout).toMatch(/91\+ days past due\s+850\.00/);
  });

  it('gives null ratios for a period before any invoice', async () => {
    const { code, stdout } = await arcus('--csv', SMALL, '--from', '2023-01-01', '--to', '2023-01-31', '--json');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect([out.dso, out.best_possible_dso, out.add, out.dso_countback, out.cei, out.dbt, out.avg_days_to_pay]).toEqual([null, null, null, null, null, null, null]);
    expect([out.credit_sales, out.ar_open, out.ar_end, out.collected]).toEqual([0, 0, 0, 0]);
  });

  it.each([
    ['ar-history-bad-date.csv', 'line 4, column InvoiceDate: not a date (M/D/YYYY or YYYY-MM-DD): "2/30/2024"'],
    ['ar-history-bad-amount.csv', 'line 3, column InvoiceAmount: not a decimal amount: "1O0.00"'],
    ['ar-history-bad-fields.csv', 'line 2, column 11: expected 12 fields, found 11'],
  ])('a malformed CSV (%s) fails with one line naming line and column, exit 1', async (file, message) => {
    const { code, stdout, stderr } = await arcus('--csv', `test/fixtures/${file}`, '--from', '2024-01-01', '--to', '2024-01-31', '--json');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`arcus metrics: test/fixtures/${file}: ${message}\n`);
  });

  it('a missing file is one clear line, exit 1', async () => {
    const { code, stderr } = await arcus('--csv', 'test/fixtures/no-such-file.csv', '--from', '2024-01-01', '--to', '2024-01-31');
    expect(code).toBe(1);
    expect(stderr).toBe('arcus metrics: cannot read test/fixtures/no-such-file.csv: no such file\n');
  });

  it.each([
    [['--from', '2024-01-01', '--to', '2024-01-31'], '--csv FILE is required'],
    [['--csv', SMALL, '--from', '2024-02-30', '--to', '2024-03-31'], '--from must be a calendar date'],
    [['--csv', SMALL, '--from', '2024-04-01', '--to', '2024-03-31'], '--from 2024-04-01 is after --to 2024-03-31'],
    [['--csv', SMALL, '--from', '2024-01-01', '--to', '2024-03-31', '--bogus'], "Unknown option '--bogus'"],
  ])('bad arguments %j are a usage error, exit 2', async (args, message) => {
    const { code, stdout, stderr } = await arcus(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: arcus metrics --csv FILE --from YYYY-MM-DD --to YYYY-MM-DD [--json]');
  });
});
