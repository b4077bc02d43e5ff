/**
 * The words a reminder email adds around a template (issue #20): the invoice table's headings,
 * an invoice's status, the discount line and the footer, per language. Pure. English is exactly
 * what render.ts always wrote.
 */
import type { Language } from '../../kernel/locale';

export interface EmailWords {
  table: { invoice: string; date: string; due: string; amountDue: string; viewAndPay: string };
  /** An invoice `days` past its due date (> 0), due today (0), or due in `-days` days (< 0). */
  status(days: number): string;
  /** One line of the text table. */
  textLine(number: string, amount: string, due: string, status: string): string;
  /** "Pay by 12 Dec 2026 and save 2% (£12.40)". `rate` is "2" or "2.5" (the decimal point is the language's). */
  discount(date: string, rate: string, amount: string): string;
  sentOnBehalf(organisation: string): string;
  unsubscribeLink: string;
  unsubscribeText(url: string): string;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

const EN: EmailWords = {
  table: { invoice: 'Invoice', date: 'Date', due: 'Due', amountDue: 'Amount due', viewAndPay: 'View &amp; pay' },
  status: (d) => (d > 0 ? `${d} day${d === 1 ? '' : 's'} overdue` : d === 0 ? 'due today' : `due in ${-d} day${d === -1 ? '' : 's'}`),
  textLine: (n, a, due, s) => `- ${n}: ${a} due ${due} (${s})`,
  discount: (date, rate, amount) => `Pay by ${date} and save ${rate}% (${amount})`,
  sentOnBehalf: (o) => `Sent on behalf of ${o}.`,
  unsubscribeLink: 'Unsubscribe from payment reminders',
  unsubscribeText: (u) => `To stop payment reminders: ${u}`,
};

const NBSP = '\u00a0';

const WORDS: Readonly<Record<Language, EmailWords>> = {
  en: EN,
  fr: {
    table: { invoice: 'Facture', date: 'Date', due: 'Échéance', amountDue: 'Montant dû', viewAndPay: 'Voir et régler' },
    status: (d) => (d > 0 ? `en retard de ${d}${NBSP}${plural(d, 'jour', 'jours')}` : d === 0 ? 'échue aujourd’hui' : `échéance dans ${-d}${NBSP}${plural(-d, 'jour', 'jours')}`),
    textLine: (n, a, due, s) => `- ${n}${NBSP}: ${a}, échéance le ${due} (${s})`,
    discount: (date, rate, amount) => `Réglez au plus tard le ${date} et bénéficiez d’un escompte de ${rate}${NBSP}% (${amount})`,
    sentOnBehalf: (o) => `Envoyé au nom de ${o}.`,
    unsubscribeLink: 'Ne plus recevoir de rappels de paiement',
    unsubscribeText: (u) => `Pour ne plus recevoir de rappels de paiement${NBSP}: ${u}`,
  },
  de: {
    table: { invoice: 'Rechnung', date: 'Datum', due: 'Fällig am', amountDue: 'Offener Betrag', viewAndPay: 'Ansehen &amp; bezahlen' },
    status: (d) => (d > 0 ? `seit ${d} ${plural(d, 'Tag', 'Tagen')} überfällig` : d === 0 ? 'heute fällig' : `fällig in ${-d} ${plural(-d, 'Tag', 'Tagen')}`),
    textLine: (n, a, due, s) => `- ${n}: ${a}, fällig am ${due} (${s})`,
    discount: (date, rate, amount) => `Bei Zahlung bis zum ${date} sparen Sie ${rate}${NBSP}% (${amount})`,
    sentOnBehalf: (o) => `Versandt im Auftrag von ${o}.`,
    unsubscribeLink: 'Keine Zahlungserinnerungen mehr erhalten',
    unsubscribeText: (u) => `Keine Zahlungserinnerungen mehr erhalten: ${u}`,
  },
  es: {
    table: { invoice: 'Factura', date: 'Fecha', due: 'Vencimiento', amountDue: 'Importe pendiente', viewAndPay: 'Ver y pagar' },
    status: (d) => (d > 0 ? `vencida hace ${d} ${plural(d, 'día', 'días')}` : d === 0 ? 'vence hoy' : `vence dentro de ${-d} ${plural(-d, 'día', 'días')}`),
    textLine: (n, a, due, s) => `- ${n}: ${a}, vence el ${due} (${s})`,
    discount: (date, rate, amount) => `Pague a más tardar el ${date} y ahorre un ${rate}${NBSP}% (${amount})`,
    sentOnBehalf: (o) => `Enviado en nombre de ${o}.`,
    unsubscribeLink: 'Dejar de recibir recordatorios de pago',
    unsubscribeText: (u) => `Para dejar de recibir recordatorios de pago: ${u}`,
  },
  nl: {
    table: { invoice: 'Factuur', date: 'Datum', due: 'Vervaldatum', amountDue: 'Openstaand bedrag', viewAndPay: 'Bekijken en betalen' },
    status: (d) => (d > 0 ? `${d} ${plural(d, 'dag', 'dagen')} te laat` : d === 0 ? 'vervalt vandaag' : `vervalt over ${-d} ${plural(-d, 'dag', 'dagen')}`),
    textLine: (n, a, due, s) => `- ${n}: ${a}, vervaldatum ${due} (${s})`,
    discount: (date, rate, amount) => `Betaal uiterlijk ${date} en bespaar ${rate}% (${amount})`,
    sentOnBehalf: (o) => `Verzonden namens ${o}.`,
    unsubscribeLink: 'Afmelden voor betalingsherinneringen',
    unsubscribeText: (u) => `Afmelden voor betalingsherinneringen: ${u}`,
  },
};

export function emailWords(language: Language): EmailWords {
  return WORDS[language];
}
