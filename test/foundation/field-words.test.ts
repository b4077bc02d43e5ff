/**
 * Input problems in words (issue #15): the edge words every zod issue as a sentence beside its
 * field's key, all at once, and the identifier check the API and browser tests rely on finds
 * what it must.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { longDate } from '../../kernel/dates';
import { DomainError } from '../../kernel/errors';
import { fieldLabel } from '../../server/http/field-words';
import { parseInput } from '../../server/http/validate';
import { identifierTokens } from '../support/identifier-shapes';

function failure(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('identifierTokens', () => {
  it('finds each identifier shape', () => {
    const found = identifierTokens('dueDate: must be between 2026-12-07 and 2027-02-05 for chronic_late (LATE_FEE) 0b7f6a4e-3c1d-4e2a-9f00-1234567890ab');
    expect(found.map((t) => [t.kind, t.token])).toEqual([
      ['UUID', '0b7f6a4e-3c1d-4e2a-9f00-1234567890ab'],
      ['ISO date', '2026-12-07'],
      ['ISO date', '2027-02-05'],
      ['ALL_CAPS code', 'LATE_FEE'],
      ['snake_case word', 'chronic_late'],
      ['camelCase word', 'dueDate'],
    ]);
  });

  it('passes ordinary sentences, acronyms, amounts and currency codes', () => {
    expect(identifierTokens('Choose a date between 7 December 2026 and 5 February 2027. DSO, CEI and GBP 1,200.50 are fine; so is Europe/London and an e-mail.')).toEqual([]);
  });
});

describe('parseInput', () => {
  const Schema = z
    .object({
      organisationId: z.uuid(),
      dueDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      segment: z.enum(['chronic_late', 'reliable']),
      note: z.string().max(5),
      steps: z.array(z.object({ delayDays: z.number().int().min(0) })).min(1),
      reason: z.string().min(1, 'Say why.'),
      legacy: z.string().min(1, 'must not be empty'),
    })
    .strict();

  it('answers every problem at once, each a sentence on its field, with no identifiers', () => {
    const err = failure(() => parseInput(Schema, { organisationId: 'x', dueDate: '7/12/2026', segment: 'sometimes_late', note: 'far too long', steps: [{ delayDays: -1 }], reason: '', legacy: '', extraKey: 1 }));
    expect(err.kind).toBe('validation_failed');
    expect(err.fields?.map((f) => f.field)).toEqual(['organisationId', 'dueDate', 'segment', 'note', 'steps.0.delayDays', 'reason', 'legacy', '']);
    const byField = Object.fromEntries(err.fields!.map((f) => [f.field, f.message]));
    expect(byField['segment']).toBe('Choose one of the options for the customer group.');
    expect(byField['note']).toBe('The note must be at most 5 characters long.');
    expect(byField['steps.0.delayDays']).toBe('The days in step 1 must be at least 0.');
    // A schema's own sentence is kept; a fragment is replaced.
    expect(byField['reason']).toBe('Say why.');
    expect(byField['legacy']).toBe('The legacy is required.');
    for (const f of err.fields!) {
      expect(f.message).toMatch(/^[A-Z].*[.]$/);
      expect(identifierTokens(f.message)).toEqual([]);
    }
    expect(err.message).toBe(err.fields!.map((f) => f.message).join(' '));
  });

  it('says a missing field is required, and uses a form’s own labels', () => {
    const err = failure(() => parseInput(z.object({ to: z.email(), dueDate: z.string() }), {}, { to: 'recipient' }));
    expect(err.fields).toEqual([
      { field: 'to', message: 'The recipient is required.' },
      { field: 'dueDate', message: 'The due date is required.' },
    ]);
  });
});

describe('words for keys and dates', () => {
  it('turns keys into words', () => {
    expect(fieldLabel('contactExternalId')).toBe('customer');
    expect(fieldLabel('reminderDaysBefore')).toBe('reminder days before');
    expect(fieldLabel('late_fee_id')).toBe('late fee');
  });

  it('writes dates as people do', () => {
    expect(longDate('2026-12-07')).toBe('7 December 2026');
    expect(longDate('2027-02-05')).toBe('5 February 2027');
  });
});
