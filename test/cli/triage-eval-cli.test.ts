/** `arcus triage-eval`: the built-in set and a given file, in words and as JSON. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const run = (args: string[]) => execFileSync(process.execPath, ['bin/arcus.mjs', 'triage-eval', ...args], { encoding: 'utf8', env: { ...process.env, ARCUS_NOW: '2026-12-07T09:30:00Z' } });

it('prints per-class precision and recall, macro figures and promise date accuracy', () => {
  const json = JSON.parse(run(['--json']));
  expect(json.n).toBeGreaterThanOrEqual(150);
  expect(Object.keys(json.per_class).sort()).toEqual(['callback', 'copy_request', 'dispute', 'other', 'out_of_office', 'paid', 'promise', 'unsubscribe']);
  expect(json).toHaveProperty('macro_precision');
  expect(json).toHaveProperty('macro_recall');
  expect(json.parts['held-out'].n).toBeGreaterThanOrEqual(60);
  expect(run([])).toMatch(/Promise to pay\s+\d+\.\d%/);
});

it('reads any file of labelled lines, dates relative to sent_at', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'triage-'));
  const file = path.join(dir, 'set.jsonl');
  writeFileSync(file, [JSON.stringify({ subject: 'Re: x', text: "We'll pay on the 15th", label: 'promise', promise_date: '2027-02-15', sent_at: '2027-02-01T10:00:00Z' }), JSON.stringify({ subject: 'Re: x', text: 'Please unsubscribe me', label: 'unsubscribe' })].join('\n'));
  const json = JSON.parse(run(['--set', file, '--json']));
  expect(json).toMatchObject({ n: 2, macro_precision: 1, macro_recall: 1, promise_date_accuracy: 1 });
});
