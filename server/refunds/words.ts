/**
 * The debtor's refund email (decision 055), per language (decision 041): English, French, German,
 * Spanish and Dutch. Pure. Amounts and dates come in already formatted for the customer's locale.
 */
import { type Language, wordsIn } from '../../kernel/locale';

export interface RefundNoticeInput {
  customerName: string;
  organisation: string;
  amountText: string;
  /** The card, "Visa ending 4242", or null when the provider did not say. */
  cardText: string | null;
  paidOnText: string;
  signature: string;
}

interface RefundWords {
  subject(i: RefundNoticeInput): string;
  lines(i: RefundNoticeInput): string[];
}

const WORDS: Readonly<Record<Language, RefundWords>> = {
  en: {
    subject: (i) => `Your refund of ${i.amountText} — ${i.organisation}`,
    lines: (i) => [
      `Dear ${i.customerName},`,
      '',
      `We have refunded ${i.amountText} to ${i.cardText ?? 'the card you paid with'} (your payment of ${i.paidOnText}).`,
      'Refunds usually reach the card within 5 to 10 working days, depending on your bank.',
      '',
      'If you have any questions, simply reply to this email.',
      '',
      i.signature,
    ],
  },
  fr: {
    subject: (i) => `Votre remboursement de ${i.amountText} — ${i.organisation}`,
    lines: (i) => [
      `Bonjour ${i.customerName},`,
      '',
      `Nous avons remboursé ${i.amountText} sur ${i.cardText ?? 'la carte utilisée pour le paiement'} (votre paiement du ${i.paidOnText}).`,
      'Le remboursement apparaît généralement sur la carte sous 5 à 10 jours ouvrés, selon votre banque.',
      '',
      'Pour toute question, il vous suffit de répondre à cet e-mail.',
      '',
      i.signature,
    ],
  },
  de: {
    subject: (i) => `Ihre Erstattung über ${i.amountText} — ${i.organisation}`,
    lines: (i) => [
      `Guten Tag ${i.customerName},`,
      '',
      `wir haben ${i.amountText} auf ${i.cardText ?? 'die Karte, mit der Sie bezahlt haben,'} erstattet (Ihre Zahlung vom ${i.paidOnText}).`,
      'Je nach Bank ist die Erstattung in der Regel innerhalb von 5 bis 10 Werktagen auf der Karte.',
      '',
      'Bei Fragen antworten Sie einfach auf diese E-Mail.',
      '',
      i.signature,
    ],
  },
  es: {
    subject: (i) => `Su reembolso de ${i.amountText} — ${i.organisation}`,
    lines: (i) => [
      `Estimado/a ${i.customerName}:`,
      '',
      `Hemos reembolsado ${i.amountText} a ${i.cardText ?? 'la tarjeta con la que pagó'} (su pago del ${i.paidOnText}).`,
      'El reembolso suele llegar a la tarjeta en un plazo de 5 a 10 días hábiles, según su banco.',
      '',
      'Si tiene alguna pregunta, responda a este correo.',
      '',
      i.signature,
    ],
  },
  nl: {
    subject: (i) => `Uw terugbetaling van ${i.amountText} — ${i.organisation}`,
    lines: (i) => [
      `Beste ${i.customerName},`,
      '',
      `Wij hebben ${i.amountText} teruggestort op ${i.cardText ?? 'de kaart waarmee u betaalde'} (uw betaling van ${i.paidOnText}).`,
      'Afhankelijk van uw bank staat de terugbetaling meestal binnen 5 tot 10 werkdagen op de kaart.',
      '',
      'Heeft u vragen? Beantwoord dan gewoon deze e-mail.',
      '',
      i.signature,
    ],
  },
};

export function refundNotice(language: Language, input: RefundNoticeInput): { subject: string; lines: string[] } {
  const w = wordsIn(WORDS, language);
  return { subject: w.subject(input), lines: w.lines(input) };
}

/** A refund paid back outside the card (a bank transfer or cheque recorded in the ledger): the second paragraph differs. */
const LEDGER_LINE: Readonly<Record<Language, (amount: string) => string[]>> = {
  en: (a) => [`We have refunded ${a} to you.`, 'It is recorded in our accounts and should reach you within a few working days.'],
  fr: (a) => [`Nous vous avons remboursé ${a}.`, 'Le remboursement est enregistré dans notre comptabilité et devrait vous parvenir sous quelques jours ouvrés.'],
  de: (a) => [`wir haben Ihnen ${a} erstattet.`, 'Die Erstattung ist in unserer Buchhaltung erfasst und sollte Sie in wenigen Werktagen erreichen.'],
  es: (a) => [`Le hemos reembolsado ${a}.`, 'El reembolso consta en nuestra contabilidad y debería llegarle en unos días hábiles.'],
  nl: (a) => [`Wij hebben u ${a} terugbetaald.`, 'De terugbetaling is in onze boekhouding verwerkt en zou u binnen enkele werkdagen moeten bereiken.'],
};

export function ledgerRefundNotice(language: Language, input: Omit<RefundNoticeInput, 'cardText' | 'paidOnText'>): { subject: string; lines: string[] } {
  const w = wordsIn(WORDS, language);
  const full = w.lines({ ...input, cardText: null, paidOnText: '' });
  // Greeting, blank, the ledger sentences, then the card email's closing (questions, signature).
  return { subject: w.subject({ ...input, cardText: null, paidOnText: '' }), lines: [full[0]!, '', ...wordsIn(LEDGER_LINE, language)(input.amountText), ...full.slice(4)] };
}

/** "Visa ending 4242" in the language (brand as the provider names it). */
export function cardWords(language: Language, brand: string | null, last4: string | null): string | null {
  if (!last4) return null;
  const b = brand ? brand.charAt(0).toUpperCase() + brand.slice(1) : null;
  const card = { en: 'card', fr: 'carte', de: 'Karte', es: 'tarjeta', nl: 'kaart' }[language];
  const ending = { en: `ending ${last4}`, fr: `se terminant par ${last4}`, de: `mit der Endung ${last4}`, es: `terminada en ${last4}`, nl: `eindigend op ${last4}` }[language];
  if (language === 'en') return `the ${b ?? 'card'} ${b ? 'card ' : ''}${ending}`;
  if (language === 'fr') return `la ${card}${b ? ` ${b}` : ''} ${ending}`;
  if (language === 'de') return `die ${b ? `${b}-` : ''}${card} ${ending}`;
  if (language === 'es') return `la ${card}${b ? ` ${b}` : ''} ${ending}`;
  return `de ${b ? `${b}-` : ''}${card} ${ending}`;
}
