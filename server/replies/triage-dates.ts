/**
 * Reading a date out of a reply, pure. Dates are calendar dates, read relative to the day the
 * reply was sent (in the organisation's time zone) in English, French, German, Spanish and Dutch:
 *
 *   on the 15th · 15th · 15/12 · 15/12/2026 · 15.12. · 2026-12-15 · 15 December · December 15th ·
 *   le 15 décembre · am 15. Dezember · el 15 de diciembre · 15 december · tomorrow / demain /
 *   morgen / mañana · (next) Friday / vendredi (prochain) / (nächsten) Freitag / el (próximo)
 *   viernes / (volgende) vrijdag · end of the month / fin du mois / Ende des Monats / Monatsende /
 *   final de mes / eind van de maand · next week / la semaine prochaine / nächste Woche / la
 *   semana que viene / volgende week · in 10 days / dans 10 jours / in 10 Tagen / en 10 días /
 *   over 10 dagen.
 *
 * A day without a month is the next such day on or after the sent day; a day and month without a
 * year the next on or after it (so "15/01" written in December is next January). Numeric dates are
 * day first (as written in the UK and Europe) unless the second number cannot be a month.
 */
import { addDays, addMonths, type CalendarDate, daysInMonth, endOfMonth, fromDayNumber, toDayNumber } from '../../kernel/dates';

export interface FoundDate {
  date: CalendarDate;
  /** The words it was read from, as written. */
  words: string;
  /** Where in the text (for choosing the one nearest the payment words). */
  index: number;
}

const MONTHS: Record<string, number> = {};
const monthNames: [number, string[]][] = [
  [1, ['january', 'jan', 'janvier', 'janv', 'januar', 'jänner', 'enero', 'ene', 'januari']],
  [2, ['february', 'feb', 'février', 'fevrier', 'févr', 'februar', 'febrero', 'februari']],
  [3, ['march', 'mar', 'mars', 'märz', 'maerz', 'marzo', 'maart', 'mrt']],
  [4, ['april', 'apr', 'avril', 'abril']],
  [5, ['may', 'mai', 'mayo', 'mei']],
  [6, ['june', 'jun', 'juin', 'juni', 'junio']],
  [7, ['july', 'jul', 'juillet', 'juli', 'julio']],
  [8, ['august', 'aug', 'août', 'aout', 'agosto', 'augustus']],
  [9, ['september', 'sep', 'sept', 'septembre', 'septiembre', 'setiembre']],
  [10, ['october', 'oct', 'octobre', 'oktober', 'okt', 'octubre']],
  [11, ['november', 'nov', 'novembre', 'noviembre']],
  [12, ['december', 'dec', 'décembre', 'decembre', 'déc', 'dezember', 'dez', 'diciembre', 'dic']],
];
for (const [n, names] of monthNames) for (const name of names) MONTHS[name] = n;
const MONTH_RE = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|');

/** 0 = Monday … 6 = Sunday. */
const WEEKDAYS: Record<string, number> = {};
const weekdayNames: [number, string[]][] = [
  [0, ['monday', 'lundi', 'montag', 'lunes', 'maandag']],
  [1, ['tuesday', 'mardi', 'dienstag', 'martes', 'dinsdag']],
  [2, ['wednesday', 'mercredi', 'mittwoch', 'miércoles', 'miercoles', 'woensdag']],
  [3, ['thursday', 'jeudi', 'donnerstag', 'jueves', 'donderdag']],
  [4, ['friday', 'vendredi', 'freitag', 'viernes', 'vrijdag']],
  [5, ['saturday', 'samedi', 'samstag', 'sábado', 'sabado', 'zaterdag']],
  [6, ['sunday', 'dimanche', 'sonntag', 'domingo', 'zondag']],
];
for (const [n, names] of weekdayNames) for (const name of names) WEEKDAYS[name] = n;
const WEEKDAY_RE = Object.keys(WEEKDAYS)
  .sort((a, b) => b.length - a.length)
  .join('|');

const NEXT_RE = 'next|this|coming|prochain|prochaine|ce|nächsten|nächster|nächste|naechsten|kommenden|diesen|próximo|proximo|este|que viene|volgende|komende|aanstaande|deze';

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, ten: 10, fourteen: 14, thirty: 30, deux: 2, trois: 3, quinze: 15, huit: 8, zwei: 2, drei: 3, vierzehn: 14, dos: 2, tres: 3, quince: 15, twee: 2, drie: 3, veertien: 14 };

function weekdayOf(date: CalendarDate): number {
  // Day 0 of toDayNumber is 1970-01-01, a Thursday (3 with Monday = 0).
  return (((toDayNumber(date) + 3) % 7) + 7) % 7;
}

function ymd(y: number, m: number, d: number): CalendarDate | null {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The next day-and-month on or after `from` (this year or next). */
function nextDayMonth(from: CalendarDate, m: number, d: number): CalendarDate | null {
  const y = Number(from.slice(0, 4));
  const thisYear = ymd(y, m, d);
  if (thisYear && thisYear >= from) return thisYear;
  return ymd(y + 1, m, d) ?? thisYear;
}

/** The next given day of a month on or after `from`. */
function nextDayOfMonth(from: CalendarDate, d: number): CalendarDate | null {
  if (d < 1 || d > 31) return null;
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  for (let i = 0; i < 3; i++) {
    const c = ymd(y, m, d);
    if (c && c >= from) return c;
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return null;
}

function nextWeekday(from: CalendarDate, wd: number, strictlyAfter: boolean): CalendarDate {
  let diff = (wd - weekdayOf(from) + 7) % 7;
  if (diff === 0 && strictlyAfter) diff = 7;
  return addDays(from, diff);
}

function fullYear(y: string | undefined, from: CalendarDate): number | null {
  if (!y) return null;
  const n = Number(y);
  if (y.length === 2) return 2000 + n;
  return n >= Number(from.slice(0, 4)) - 1 && n <= Number(from.slice(0, 4)) + 5 ? n : null;
}

interface Rule {
  re: RegExp;
  read(m: RegExpExecArray, from: CalendarDate): CalendarDate | null;
}

const lower = (s: string) => s.toLowerCase();

const RULES: Rule[] = [
  // 2026-12-15
  { re: /\b(20\d\d)-(\d{1,2})-(\d{1,2})\b/g, read: (m) => ymd(Number(m[1]), Number(m[2]), Number(m[3])) },
  // 15/12/2026, 15.12.2026, 15-12-26, 15/12, 15.12.
  {
    re: /(?<![\d/.-])(\d{1,2})\s?[/.-]\s?(\d{1,2})(?:\s?[/.-]\s?(\d{4}|\d{2})(?![\d]))?(?![\d/-])/g,
    read: (m, from) => {
      let d = Number(m[1]);
      let mo = Number(m[2]);
      if (mo > 12 && d <= 12) [d, mo] = [mo, d];
      const y = fullYear(m[3], from);
      if (m[3] && y === null) return null;
      return y !== null ? ymd(y, mo, d) : nextDayMonth(from, mo, d);
    },
  },
  // 15 December (2026), 15th of December, le 15 décembre, am 15. Dezember, el 15 de diciembre
  {
    re: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th|er|e|º|°)?\\.?\\s*(?:of\\s+|de\\s+)?(${MONTH_RE})\\.?(?:\\s+(?:de\\s+)?(20\\d\\d))?(?![a-zà-ÿ])`, 'giu'),
    read: (m, from) => {
      const mo = MONTHS[lower(m[2]!)]!;
      const y = fullYear(m[3], from);
      return y !== null ? ymd(y, mo, Number(m[1])) : nextDayMonth(from, mo, Number(m[1]));
    },
  },
  // December 15(th)(, 2026)
  {
    re: new RegExp(`\\b(${MONTH_RE})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(20\\d\\d))?`, 'giu'),
    read: (m, from) => {
      const mo = MONTHS[lower(m[1]!)]!;
      const y = fullYear(m[3], from);
      return y !== null ? ymd(y, mo, Number(m[2])) : nextDayMonth(from, mo, Number(m[2]));
    },
  },
  // the 15th, on the 15th, le 15, am 15., el día 15, de 15e, 15th
  {
    re: /\b(?:(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)?|(\d{1,2})(?:st|nd|rd|th)|(?:le|au|avant le|d'ici le|jusqu'au)\s+(\d{1,2})(?:er)?|(?:am|bis zum|zum|bis)\s+(\d{1,2})\.(?!\d)|(?:el\s+(?:día\s+)?|el\s+dia\s+|antes del\s+|día\s+)(\d{1,2})|(?:de|op de|voor de|uiterlijk de)\s+(\d{1,2})(?:e|ste|de)\b)(?!\s*(?:[/.-]\s*\d|%|€|£|\$|days|jours|tagen|días|dias|dagen|weeks|semaines|wochen|semanas|weken|h\b))/giu,
    read: (m, from) => nextDayOfMonth(from, Number(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6])),
  },
  // tomorrow / day after tomorrow
  { re: /\b(day after tomorrow|après-demain|apres-demain|übermorgen|pasado mañana|overmorgen)\b/giu, read: (_m, from) => addDays(from, 2) },
  { re: /(?<![a-zà-ÿ])(tomorrow|demain|morgen|mañana|manana)(?![a-zà-ÿ])/giu, read: (_m, from) => addDays(from, 1) },
  { re: /(?<![a-zà-ÿ])(today|aujourd'hui|aujourd’hui|heute|hoy|vandaag)(?![a-zà-ÿ])/giu, read: (_m, from) => from },
  // end of next month
  { re: /\b(end of next month|fin du mois prochain|ende nächsten monats|ende des nächsten monats|final del mes que viene|final del próximo mes|fin del próximo mes|eind(?:e)? volgende maand)\b/giu, read: (_m, from) => endOfMonth(addMonths(from, 1)) },
  // end of the month
  {
    re: /(end of (?:the |this )?month|month[- ]end|end of month|fin (?:du|de ce|de) mois|fin de mois|ende (?:des|dieses) monats|monatsende|ende monat|final (?:de|del) mes|fin(?:ales)? de mes|a fin de mes|eind(?:e)? (?:van )?(?:de|deze) maand|einde maand|eind van de maand)/giu,
    read: (_m, from) => endOfMonth(from),
  },
  // (next|this) Friday, vendredi prochain, nächsten Freitag, el próximo viernes, volgende vrijdag, on Friday
  {
    re: new RegExp(`(?<![a-zà-ÿ])(?:(${NEXT_RE})\\s+)?(?:week\\s+)?(${WEEKDAY_RE})(?:\\s+(prochain|prochaine|qui vient|que viene))?(?![a-zà-ÿ])`, 'giu'),
    read: (m, from) => {
      const wd = WEEKDAYS[lower(m[2]!)]!;
      // "next week Friday" (Dutch "volgende week vrijdag"): the Friday of next week.
      if (/\bweek\s/i.test(m[0])) return addDays(nextWeekday(from, 0, true), wd);
      return nextWeekday(from, wd, true);
    },
  },
  // next week → its Friday
  { re: /\b(next week|la semaine prochaine|semaine prochaine|nächste woche|nächster woche|kommende woche|la semana que viene|la próxima semana|próxima semana|volgende week|komende week)\b/giu, read: (_m, from) => addDays(nextWeekday(from, 0, true), 4) },
  // this week → its Friday (or the sent day when later)
  { re: /\b(this week|cette semaine|diese woche|diesen woche|esta semana|deze week)\b/giu, read: (_m, from) => (weekdayOf(from) <= 4 ? addDays(from, 4 - weekdayOf(from)) : from) },
  // in 10 days / within two weeks
  {
    re: /\b(?:in|within|dans|d'ici|sous|innerhalb(?: von)?|en|dentro de|binnen|over)\s+(\d{1,2}|[a-zà-ÿ]+)\s+(days?|jours?|tagen?|días?|dias?|dagen|weeks?|semaines?|wochen|semanas?|weken)\b/giu,
    read: (m, from) => {
      const n = /^\d+$/.test(m[1]!) ? Number(m[1]) : NUMBER_WORDS[lower(m[1]!)];
      if (!n) return null;
      const weeks = /^(week|semaine|woche|semana|weken)/i.test(m[2]!);
      return addDays(from, weeks ? n * 7 : n);
    },
  },
];

/** Every date the text names, in text order (overlapping readings: the longest wins). */
export function findDates(text: string, from: CalendarDate): FoundDate[] {
  const found: (FoundDate & { end: number })[] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m !== null; m = rule.re.exec(text)) {
      const date = rule.read(m, from);
      if (date) found.push({ date, words: m[0].trim(), index: m.index, end: m.index + m[0].length });
      if (m[0].length === 0) rule.re.lastIndex++;
    }
  }
  // Overlapping readings ("el 15" inside "el 15 de enero"): the longest wins.
  found.sort((a, b) => b.end - b.index - (a.end - a.index) || a.index - b.index);
  const kept: (FoundDate & { end: number })[] = [];
  for (const f of found) if (!kept.some((k) => f.index < k.end && k.index < f.end)) kept.push(f);
  kept.sort((a, b) => a.index - b.index);
  return kept.map(({ date, words, index }) => ({ date, words, index }));
}

/**
 * The promised date: of the dates on or after the sent day (and within a year), the one nearest
 * the payment words at `near` (the first when no position is given).
 */
export function readPromiseDate(text: string, from: CalendarDate, near: number | null): FoundDate | null {
  const limit = addDays(from, 366);
  const ahead = findDates(text, from).filter((d) => d.date >= from && d.date <= limit);
  if (ahead.length === 0) return null;
  if (near === null) return ahead[0]!;
  return ahead.reduce((best, d) => (Math.abs(d.index - near) < Math.abs(best.index - near) ? d : best));
}

export { fromDayNumber };
