/**
 * The debtor's cancellation email (decision 048), per language (decision 041): English, French,
 * German, Spanish and Dutch — the languages of the refund email (server/refunds/words.ts). Pure.
 * Amounts and dates come in already formatted for the customer's locale (`formatMoney` and
 * `sentenceDate`, server/reminders/render.ts). English is exactly what the email always said; a
 * language without words here falls back to English.
 */
import { type Language, wordsIn } from '../../kernel/locale';

export interface NoticeInvoice {
  /** The invoice's number; null when the ledger gave it none (said in the language). */
  number: string | null;
  creditText: string;
  /** What the credit took off the invoice's balance; null when none. */
  allocatedText: string | null;
  /** What the credit left as the customer's credit; null when none. */
  leftText: string | null;
  /** What is still to pay on the invoice after the credit; null when nothing. */
  stillOwedText: string | null;
}

/** The body's facts, with the greeting already written. */
export interface NoticeLinesInput {
  greeting: string;
  effectiveText: string;
  invoices: NoticeInvoice[];
  totalText: string;
  leftText: string | null;
  planEnded: boolean;
  signature: string;
}

export interface CancellationNoticeInput extends Omit<NoticeLinesInput, 'greeting'> {
  customerName: string;
  organisation: string;
}

export interface CancellationWords {
  subject(totalText: string, organisation: string): string;
  greeting(name: string): string;
  /** What was cancelled from when, and the total credited. */
  cancelled(effectiveText: string, totalText: string): string;
  /** An invoice without a number, after the word for invoice. */
  noNumber: string;
  allocated(amount: string): string;
  left(amount: string): string;
  and: string;
  invoice(number: string, creditText: string, parts: string, stillOwedText: string | null): string;
  leftParagraph(amount: string): string;
  planEnded: string;
  closing: string;
}

const NBSP = '\u00a0';

export const CANCELLATION_WORDS: Readonly<Record<Language, CancellationWords>> = {
  en: {
    subject: (t, o) => `Your cancellation: ${t} credited — ${o}`,
    greeting: (n) => `Dear ${n},`,
    cancelled: (e, t) => `As you asked, we have cancelled your service from ${e} and credited ${t} for the part you will not use.`,
    noNumber: 'without a number',
    allocated: (a) => `${a} taken off what you owe`,
    left: (a) => `${a} kept as credit on your account`,
    and: ' and ',
    invoice: (n, c, p, s) => `Invoice ${n}: a credit of ${c} (${p}).${s ? ` ${s} is still to pay on it.` : ' Nothing more is owed on it.'}`,
    leftParagraph: (a) => `The ${a} left as credit is yours: we will be in touch about refunding it, or reply to tell us how you would like it used.`,
    planEnded: 'The remaining instalments of your payment plan are cancelled: nothing more will be taken or asked for under it.',
    closing: 'If anything here is not what you expected, reply to this email.',
  },
  fr: {
    subject: (t, o) => `Votre résiliation${NBSP}: un avoir de ${t} — ${o}`,
    greeting: (n) => `Bonjour ${n},`,
    cancelled: (e, t) => `Comme vous l’avez demandé, nous avons résilié votre service à compter du ${e} et vous avons accordé un avoir de ${t} pour la partie que vous n’utiliserez pas.`,
    noNumber: 'sans numéro',
    allocated: (a) => `${a} en déduction de ce que vous devez`,
    left: (a) => `${a} en crédit sur votre compte`,
    and: ' et ',
    invoice: (n, c, p, s) => `Facture ${n}${NBSP}: un avoir de ${c} (${p}).${s ? ` Il reste ${s} à payer sur cette facture.` : ' Vous ne devez plus rien sur cette facture.'}`,
    leftParagraph: (a) => `Le crédit de ${a} vous appartient${NBSP}: nous vous contacterons pour vous le rembourser, ou répondez-nous pour nous indiquer comment vous souhaitez l’utiliser.`,
    planEnded: `Les échéances restantes de votre plan de paiement sont annulées${NBSP}: plus rien ne sera prélevé ni demandé à ce titre.`,
    closing: 'Si quelque chose ne correspond pas à ce que vous attendiez, répondez simplement à cet e-mail.',
  },
  de: {
    subject: (t, o) => `Ihre Kündigung: Gutschrift über ${t} — ${o}`,
    greeting: (n) => `Guten Tag ${n},`,
    cancelled: (e, t) => `wie gewünscht haben wir Ihre Leistung zum ${e} gekündigt und Ihnen ${t} für den nicht genutzten Teil gutgeschrieben.`,
    noNumber: 'ohne Nummer',
    allocated: (a) => `${a} mit Ihrem offenen Betrag verrechnet`,
    left: (a) => `${a} als Guthaben auf Ihrem Konto`,
    and: ' und ',
    invoice: (n, c, p, s) => `Rechnung ${n}: eine Gutschrift über ${c} (${p}).${s ? ` Darauf sind noch ${s} zu zahlen.` : ' Darauf ist nichts mehr zu zahlen.'}`,
    leftParagraph: (a) => `Das Guthaben von ${a} gehört Ihnen: Wir melden uns wegen der Erstattung, oder teilen Sie uns in einer Antwort mit, wie Sie es verwenden möchten.`,
    planEnded: 'Die restlichen Raten Ihres Zahlungsplans sind storniert: Darüber wird nichts mehr eingezogen oder verlangt.',
    closing: 'Falls etwas nicht Ihren Erwartungen entspricht, antworten Sie einfach auf diese E-Mail.',
  },
  es: {
    subject: (t, o) => `Su cancelación: abono de ${t} — ${o}`,
    greeting: (n) => `Estimado/a ${n}:`,
    cancelled: (e, t) => `Tal como nos pidió, hemos cancelado su servicio a partir del ${e} y le hemos abonado ${t} por la parte que no utilizará.`,
    noNumber: 'sin número',
    allocated: (a) => `${a} descontados de lo que debe`,
    left: (a) => `${a} como saldo a su favor en su cuenta`,
    and: ' y ',
    invoice: (n, c, p, s) => `Factura ${n}: un abono de ${c} (${p}).${s ? ` Aún quedan ${s} por pagar de ella.` : ' Ya no debe nada de ella.'}`,
    leftParagraph: (a) => `El saldo a su favor de ${a} es suyo: nos pondremos en contacto con usted para reembolsárselo, o responda a este correo para indicarnos cómo desea utilizarlo.`,
    planEnded: 'Los plazos restantes de su plan de pagos quedan cancelados: no se le cobrará ni se le pedirá nada más por él.',
    closing: 'Si algo no es lo que esperaba, responda a este correo.',
  },
  nl: {
    subject: (t, o) => `Uw opzegging: creditering van ${t} — ${o}`,
    greeting: (n) => `Beste ${n},`,
    cancelled: (e, t) => `Zoals u heeft gevraagd, hebben wij uw dienst per ${e} opgezegd en ${t} gecrediteerd voor het deel dat u niet gebruikt.`,
    noNumber: 'zonder nummer',
    allocated: (a) => `${a} verrekend met wat u verschuldigd bent`,
    left: (a) => `${a} als tegoed op uw rekening`,
    and: ' en ',
    invoice: (n, c, p, s) => `Factuur ${n}: een creditering van ${c} (${p}).${s ? ` Hierop staat nog ${s} open.` : ' Hierop hoeft u niets meer te betalen.'}`,
    leftParagraph: (a) => `Het tegoed van ${a} is van u: wij nemen contact met u op over de terugbetaling, of laat ons in een antwoord weten hoe u het wilt gebruiken.`,
    planEnded: 'De resterende termijnen van uw betalingsregeling zijn geannuleerd: daaronder wordt niets meer afgeschreven of gevraagd.',
    closing: 'Klopt er iets niet met wat u verwachtte? Beantwoord dan deze e-mail.',
  },
};

const wordsFor = (language: Language): CancellationWords => wordsIn(CANCELLATION_WORDS, language);

/** The email's body, in lines: what was cancelled from when, each invoice's credit and where it went (English unless told). */
export function noticeLines(p: NoticeLinesInput, language: Language = 'en'): string[] {
  const w = wordsFor(language);
  return [
    p.greeting,
    '',
    w.cancelled(p.effectiveText, p.totalText),
    '',
    ...p.invoices.map((i) => {
      const parts = [i.allocatedText ? w.allocated(i.allocatedText) : null, i.leftText ? w.left(i.leftText) : null].filter(Boolean).join(w.and);
      return w.invoice(i.number ?? w.noNumber, i.creditText, parts, i.stillOwedText);
    }),
    ...(p.leftText ? ['', w.leftParagraph(p.leftText)] : []),
    ...(p.planEnded ? ['', w.planEnded] : []),
    '',
    w.closing,
    '',
    p.signature,
  ];
}

/** The whole email in the customer's language: subject and lines. */
export function cancellationNotice(language: Language, input: CancellationNoticeInput): { subject: string; lines: string[] } {
  const w = wordsFor(language);
  const { customerName, organisation, ...rest } = input;
  return { subject: w.subject(input.totalText, organisation), lines: noticeLines({ ...rest, greeting: w.greeting(customerName) }, language) };
}
