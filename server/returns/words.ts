/**
 * The debtor's returned-payment email (decision 046), per language (decision 041): English, French,
 * German, Spanish and Dutch — the languages of the refund and cancellation emails. Pure. Amounts and
 * dates come in already formatted for the customer's locale (`formatMoney` and `sentenceDate`,
 * server/reminders/render.ts). English is exactly what the email always said; a language without
 * words here falls back to English (`wordsIn`, kernel/locale.ts).
 */
import { type Language, wordsIn } from '../../kernel/locale';
import type { ReturnOrigin } from './core';

/** The body's facts, with the greeting already written. */
export interface ReturnNoticeLinesInput {
  greeting: string;
  amountText: string;
  paidOnText: string;
  /** The invoice's number; null when there is none (said in the language). */
  invoiceNumber: string | null;
  origin: ReturnOrigin;
  feeText: string | null;
  payUrl: string | null;
  signature: string;
}

export interface ReturnNoticeInput extends Omit<ReturnNoticeLinesInput, 'greeting'> {
  customerName: string;
  organisation: string;
}

export interface ReturnWords {
  subject(invoice: string, organisation: string): string;
  greeting(name: string): string;
  /** An invoice without a number, where the number would go. */
  noNumber: string;
  /** The payment came back: returned by the bank, or taken back after a chargeback. */
  returned(amount: string, paidOn: string, invoice: string): string;
  chargedBack(amount: string, paidOn: string, invoice: string): string;
  fee(amount: string): string;
  payAgain(url: string): string;
  arrange: string;
}

const NBSP = '\u00a0';

export const RETURN_WORDS: Readonly<Record<Language, ReturnWords>> = {
  en: {
    subject: (n, o) => `Your payment for invoice ${n} was returned — ${o}`,
    greeting: (n) => `Dear ${n},`,
    noNumber: 'the invoice',
    returned: (a, d, n) => `Your payment of ${a} made on ${d} for invoice ${n} was returned unpaid by your bank, so the invoice is open again.`,
    chargedBack: (a, d, n) => `Your payment of ${a} made on ${d} for invoice ${n} was disputed with your card issuer and has been taken back, so the invoice is open again.`,
    fee: (a) => `A returned-payment fee of ${a} has been added, as our terms allow.`,
    payAgain: (u) => `You can pay again online here: ${u}`,
    arrange: 'Please arrange payment again, or reply to this email if you believe this is a mistake.',
  },
  fr: {
    subject: (n, o) => `Votre paiement de la facture ${n} a été rejeté — ${o}`,
    greeting: (n) => `Bonjour ${n},`,
    noNumber: 'sans numéro',
    returned: (a, d, n) => `Votre paiement de ${a} effectué le ${d} pour la facture ${n} a été rejeté par votre banque${NBSP}; la facture est donc de nouveau à régler.`,
    chargedBack: (a, d, n) => `Votre paiement de ${a} effectué le ${d} pour la facture ${n} a été contesté auprès de l’émetteur de votre carte et a été annulé${NBSP}; la facture est donc de nouveau à régler.`,
    fee: (a) => `Des frais d’impayé de ${a} ont été ajoutés, comme le prévoient nos conditions.`,
    payAgain: (u) => `Vous pouvez régler de nouveau en ligne ici${NBSP}: ${u}`,
    arrange: 'Merci de procéder à un nouveau règlement, ou de répondre à cet e-mail si vous pensez qu’il s’agit d’une erreur.',
  },
  de: {
    subject: (n, o) => `Ihre Zahlung für Rechnung ${n} wurde zurückgebucht — ${o}`,
    greeting: (n) => `Guten Tag ${n},`,
    noNumber: 'ohne Nummer',
    returned: (a, d, n) => `Ihre Zahlung über ${a} vom ${d} für Rechnung ${n} wurde von Ihrer Bank zurückgebucht, daher ist die Rechnung wieder offen.`,
    chargedBack: (a, d, n) => `Ihre Zahlung über ${a} vom ${d} für Rechnung ${n} wurde bei Ihrem Kartenherausgeber beanstandet und zurückgebucht, daher ist die Rechnung wieder offen.`,
    fee: (a) => `Gemäß unseren Bedingungen wurde eine Rücklastschriftgebühr von ${a} berechnet.`,
    payAgain: (u) => `Sie können hier erneut online bezahlen: ${u}`,
    arrange: 'Bitte veranlassen Sie die Zahlung erneut, oder antworten Sie auf diese E-Mail, falls Sie von einem Irrtum ausgehen.',
  },
  es: {
    subject: (n, o) => `Su pago de la factura ${n} ha sido devuelto — ${o}`,
    greeting: (n) => `Estimado/a ${n}:`,
    noNumber: 'sin número',
    returned: (a, d, n) => `Su pago de ${a} realizado el ${d} para la factura ${n} ha sido devuelto por su banco, por lo que la factura vuelve a estar pendiente.`,
    chargedBack: (a, d, n) => `Su pago de ${a} realizado el ${d} para la factura ${n} fue impugnado ante el emisor de su tarjeta y ha sido retirado, por lo que la factura vuelve a estar pendiente.`,
    fee: (a) => `Se ha añadido un cargo por pago devuelto de ${a}, tal como permiten nuestras condiciones.`,
    payAgain: (u) => `Puede volver a pagar en línea aquí: ${u}`,
    arrange: 'Le rogamos que vuelva a realizar el pago, o que responda a este correo si cree que se trata de un error.',
  },
  nl: {
    subject: (n, o) => `Uw betaling voor factuur ${n} is gestorneerd — ${o}`,
    greeting: (n) => `Beste ${n},`,
    noNumber: 'zonder nummer',
    returned: (a, d, n) => `Uw betaling van ${a} op ${d} voor factuur ${n} is door uw bank gestorneerd, dus de factuur staat weer open.`,
    chargedBack: (a, d, n) => `Uw betaling van ${a} op ${d} voor factuur ${n} is bij de uitgever van uw kaart betwist en teruggeboekt, dus de factuur staat weer open.`,
    fee: (a) => `Zoals onze voorwaarden toestaan, zijn er kosten voor een gestorneerde betaling van ${a} in rekening gebracht.`,
    payAgain: (u) => `U kunt hier opnieuw online betalen: ${u}`,
    arrange: 'Wilt u de betaling opnieuw regelen, of deze e-mail beantwoorden als u denkt dat dit een vergissing is?',
  },
};

/** The email's body, in lines (English unless told). */
export function returnNoticeLines(p: ReturnNoticeLinesInput, language: Language = 'en'): string[] {
  const w = wordsIn(RETURN_WORDS, language);
  const n = p.invoiceNumber ?? w.noNumber;
  return [
    p.greeting,
    '',
    (p.origin === 'chargeback' ? w.chargedBack : w.returned)(p.amountText, p.paidOnText, n),
    ...(p.feeText ? ['', w.fee(p.feeText)] : []),
    '',
    p.payUrl ? w.payAgain(p.payUrl) : w.arrange,
    '',
    p.signature,
  ];
}

/** The whole email in the customer's language: subject and lines. */
export function returnNotice(language: Language, input: ReturnNoticeInput): { subject: string; lines: string[] } {
  const w = wordsIn(RETURN_WORDS, language);
  const { customerName, organisation, ...rest } = input;
  return { subject: w.subject(input.invoiceNumber ?? w.noNumber, organisation), lines: returnNoticeLines({ ...rest, greeting: w.greeting(customerName) }, language) };
}
