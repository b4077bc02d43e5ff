/**
 * Letters — pure: the letter as printed (a fixed snapshot stored with it), the built-in formal
 * "final notice / letter before action", and the print batch's address list as CSV rows.
 * docs/decisions/042.
 */
import { type CalendarDate, longDate } from '../../kernel/dates';
import type { CsvColumn } from '../analytics/csv';

export interface PostalParts {
  line1: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
}

export interface LetterInvoice {
  number: string;
  issued: string;
  due: string;
  amountDue: string;
}

/** What one letter says — stored with the letter when it joins a batch, so a reprint is the same letter. */
export interface LetterContent {
  /** The letterhead: the client organisation's name, its address lines (the sender footer), and whether its logo is drawn. */
  from: { name: string; addressLines: string[] };
  /** The customer: name, the address as printed, and its parts (the CSV). */
  to: { name: string; addressLines: string[]; address: PostalParts };
  date: string;
  heading: string;
  paragraphs: string[];
  invoices: LetterInvoice[];
  total: string;
  signOff: string;
  /** The attached statement (open items), as lines already in words. */
  statement: { title: string; lines: { date: string; document: string; due: string; amount: string; open: string }[]; balance: string; aging: { name: string; amount: string }[] } | null;
}

/** The built-in letter for a letter step without a template of its own. */
export function builtInLetterText(p: { customerName: string; total: string; today: CalendarDate; organisationName: string }): { heading: string; paragraphs: string[] } {
  return {
    heading: 'Final notice: letter before action',
    paragraphs: [
      `Dear ${p.customerName},`,
      `We have written to you about the invoices listed below, which remain unpaid. The total now overdue is ${p.total}.`,
      `Unless we receive payment of ${p.total}, or hear from you with an acceptable proposal to pay, within 14 days of the date of this letter (by ${longDate(addDaysText(p.today, 14))}), we may begin proceedings to recover the debt without further notice. We may also claim the interest and compensation for late payment that the law allows.`,
      'If you have paid in the last few days, thank you: please ignore this letter. If you dispute any amount, or cannot pay in full, please contact us at once so that we can discuss it.',
      'A statement of your account is enclosed.',
    ],
  };
}

function addDaysText(day: CalendarDate, n: number): CalendarDate {
  const t = Date.parse(`${day}T00:00:00Z`) + n * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** A template's rendered plain text as a heading and paragraphs (blank lines separate paragraphs). */
export function templateLetterText(subject: string, body: string): { heading: string; paragraphs: string[] } {
  const paragraphs = body
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\n/g, ' ').replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  return { heading: subject.trim(), paragraphs };
}

export interface AddressRow {
  customer: string;
  address: PostalParts;
}

/** The batch's address list (for labels or a mailing house): one row per letter; text guarded against formulas by toCsv. */
export const ADDRESS_COLUMNS: readonly CsvColumn<AddressRow>[] = [
  { header: 'Customer', value: (r) => r.customer },
  { header: 'Address line', value: (r) => r.address.line1 },
  { header: 'Town or city', value: (r) => r.address.city },
  { header: 'Region', value: (r) => r.address.region },
  { header: 'Postcode', value: (r) => r.address.postalCode },
  { header: 'Country', value: (r) => r.address.country },
];
