/**
 * The debtor's declined-card email (decisions 049, 056) — "your automatic payment did not go
 * through, we will try again on …, update your card here" — per language (decision 041): English,
 * French, German, Spanish and Dutch, the languages of the refund, cancellation and returned-payment
 * emails. Pure. Amounts and dates come in already formatted for the customer's locale (`formatMoney`
 * and `sentenceDate`, server/reminders/render.ts). English is exactly what the email always said; a
 * language without words here falls back to English (`wordsIn`, kernel/locale.ts).
 */
import type { ChargeFailureCode } from '../../integrations/payments/provider';
import { type Language, wordsIn } from '../../kernel/locale';
import { brandName, FAILURE_WORDS } from './core';

/** What the charge was for: an invoice, a plan's instalment, or (the target gone) nothing said. */
export type ChargeWhat = { kind: 'invoice'; number: string } | { kind: 'instalment'; seq: number; count: number } | null;

export interface SavedCardFacts {
  brand: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
}

export interface FailureNoticeInput {
  customerName: string;
  organisation: string;
  /** The amount tried, formatted; null when the attempt has none. */
  amountText: string | null;
  what: ChargeWhat;
  card: SavedCardFacts | null;
  /** The provider's failure, as our code (card_declined, insufficient_funds, …). */
  code: string | null;
  /** Tried again on a day (formatted), or no more tries. */
  next: { kind: 'retry'; onText: string } | { kind: 'give_up' };
  /** The pay page's "update your card"; null when there is no link. */
  updateUrl: string | null;
  signature: string;
}

export interface FailureWords {
  subjectRetry(organisation: string): string;
  subjectPaused(organisation: string): string;
  greeting(name: string): string;
  /** In place of the amount when there is none. */
  thePayment: string;
  invoice(number: string): string;
  instalment(seq: number, count: number): string;
  /** What it was for when that is not known. */
  unknownWhat: string;
  /** ", expires 12/2029" */
  expires(mmYyyy: string): string;
  /** The saved card: its brand's own name (null when unknown) and "•••• 4242, expires 12/2029". */
  yourCard(brand: string | null, rest: string): string;
  savedCard: string;
  tried(amount: string, what: string, card: string, reason: string): string;
  reasons: Readonly<Record<ChargeFailureCode, string>>;
  retryOn(day: string): string;
  stopped: string;
  update(url: string): string;
  reply: string;
}

const NBSP = '\u00a0';

export const FAILURE_NOTICE_WORDS: Readonly<Record<Language, FailureWords>> = {
  en: {
    subjectRetry: (o) => `Your automatic payment did not go through — ${o}`,
    subjectPaused: (o) => `Automatic payments paused — ${o}`,
    greeting: (n) => `Dear ${n},`,
    thePayment: 'your payment',
    invoice: (n) => `invoice ${n}`,
    instalment: (s, c) => `instalment ${s} of ${c} of your payment plan`,
    unknownWhat: 'your payment',
    expires: (e) => `, expires ${e}`,
    yourCard: (b, r) => `your ${b ?? 'Card'} ${r}`,
    savedCard: 'your saved card',
    tried: (a, w, c, r) => `We tried to take ${a} for ${w} from ${c} today, but ${r}.`,
    reasons: FAILURE_WORDS,
    retryOn: (d) => `We will try again on ${d}.`,
    stopped: 'We have stopped trying, and automatic payments are paused.',
    update: (u) => `To use another card, update it here: ${u}`,
    reply: 'To use another card, reply to this email.',
  },
  fr: {
    subjectRetry: (o) => `Votre paiement automatique n’a pas abouti — ${o}`,
    subjectPaused: (o) => `Paiements automatiques suspendus — ${o}`,
    greeting: (n) => `Bonjour ${n},`,
    thePayment: 'votre paiement',
    invoice: (n) => `la facture ${n}`,
    instalment: (s, c) => `l’échéance ${s} sur ${c} de votre plan de paiement`,
    unknownWhat: 'votre règlement',
    expires: (e) => `, expire fin ${e}`,
    yourCard: (b, r) => `votre carte ${b ? `${b} ` : ''}${r}`,
    savedCard: 'votre carte enregistrée',
    tried: (a, w, c, r) => `Nous avons tenté aujourd’hui de prélever ${a} pour ${w} sur ${c}, mais ${r}.`,
    reasons: {
      card_declined: 'la carte a été refusée',
      insufficient_funds: 'la carte a été refusée pour provision insuffisante',
      expired_card: 'la carte est expirée',
      authentication_required: 'la banque a demandé au titulaire de la carte de confirmer le paiement',
      other: 'la carte n’a pas pu être débitée',
    },
    retryOn: (d) => `Nous réessaierons le ${d}.`,
    stopped: `Nous avons cessé de réessayer, et les paiements automatiques sont suspendus.`,
    update: (u) => `Pour utiliser une autre carte, mettez-la à jour ici${NBSP}: ${u}`,
    reply: 'Pour utiliser une autre carte, répondez simplement à cet e-mail.',
  },
  de: {
    subjectRetry: (o) => `Ihre automatische Zahlung ist fehlgeschlagen — ${o}`,
    subjectPaused: (o) => `Automatische Zahlungen pausiert — ${o}`,
    greeting: (n) => `Guten Tag ${n},`,
    thePayment: 'Ihre Zahlung',
    invoice: (n) => `Rechnung ${n}`,
    instalment: (s, c) => `Rate ${s} von ${c} Ihres Zahlungsplans`,
    unknownWhat: 'Ihren offenen Betrag',
    expires: (e) => `, gültig bis ${e}`,
    yourCard: (b, r) => `Ihrer ${b ? `${b}-` : ''}Karte ${r}`,
    savedCard: 'Ihrer gespeicherten Karte',
    tried: (a, w, c, r) => `wir haben heute versucht, ${a} für ${w} von ${c} einzuziehen, aber ${r}.`,
    reasons: {
      card_declined: 'die Karte wurde abgelehnt',
      insufficient_funds: 'die Karte wurde mangels Deckung abgelehnt',
      expired_card: 'die Karte ist abgelaufen',
      authentication_required: 'die Bank hat den Karteninhaber gebeten, die Zahlung zu bestätigen',
      other: 'die Karte konnte nicht belastet werden',
    },
    retryOn: (d) => `Wir versuchen es am ${d} erneut.`,
    stopped: 'Wir versuchen es nicht weiter, und automatische Zahlungen sind pausiert.',
    update: (u) => `Um eine andere Karte zu verwenden, aktualisieren Sie sie hier: ${u}`,
    reply: 'Um eine andere Karte zu verwenden, antworten Sie einfach auf diese E-Mail.',
  },
  es: {
    subjectRetry: (o) => `Su pago automático no se ha podido realizar — ${o}`,
    subjectPaused: (o) => `Pagos automáticos en pausa — ${o}`,
    greeting: (n) => `Estimado/a ${n}:`,
    thePayment: 'su pago',
    invoice: (n) => `la factura ${n}`,
    instalment: (s, c) => `el plazo ${s} de ${c} de su plan de pagos`,
    unknownWhat: 'su importe pendiente',
    expires: (e) => `, caduca ${e}`,
    yourCard: (b, r) => `su tarjeta ${b ? `${b} ` : ''}${r}`,
    savedCard: 'su tarjeta guardada',
    tried: (a, w, c, r) => `Hoy hemos intentado cobrar ${a} por ${w} con ${c}, pero ${r}.`,
    reasons: {
      card_declined: 'la tarjeta fue rechazada',
      insufficient_funds: 'la tarjeta fue rechazada por fondos insuficientes',
      expired_card: 'la tarjeta ha caducado',
      authentication_required: 'el banco pidió al titular de la tarjeta que confirmara el pago',
      other: 'no se pudo cargar la tarjeta',
    },
    retryOn: (d) => `Volveremos a intentarlo el ${d}.`,
    stopped: 'Hemos dejado de intentarlo y los pagos automáticos están en pausa.',
    update: (u) => `Para usar otra tarjeta, actualícela aquí: ${u}`,
    reply: 'Para usar otra tarjeta, responda a este correo.',
  },
  nl: {
    subjectRetry: (o) => `Uw automatische betaling is niet gelukt — ${o}`,
    subjectPaused: (o) => `Automatische betalingen gepauzeerd — ${o}`,
    greeting: (n) => `Beste ${n},`,
    thePayment: 'uw betaling',
    invoice: (n) => `factuur ${n}`,
    instalment: (s, c) => `termijn ${s} van ${c} van uw betalingsregeling`,
    unknownWhat: 'uw openstaande bedrag',
    expires: (e) => `, geldig tot ${e}`,
    yourCard: (b, r) => `uw ${b ? `${b}-` : ''}kaart ${r}`,
    savedCard: 'uw opgeslagen kaart',
    tried: (a, w, c, r) => `Wij hebben vandaag geprobeerd ${a} voor ${w} af te schrijven van ${c}, maar ${r}.`,
    reasons: {
      card_declined: 'de kaart werd geweigerd',
      insufficient_funds: 'de kaart werd geweigerd wegens onvoldoende saldo',
      expired_card: 'de kaart is verlopen',
      authentication_required: 'de bank vroeg de kaarthouder de betaling te bevestigen',
      other: 'de kaart kon niet worden belast',
    },
    retryOn: (d) => `Wij proberen het opnieuw op ${d}.`,
    stopped: 'Wij proberen het niet meer, en automatische betalingen zijn gepauzeerd.',
    update: (u) => `Wilt u een andere kaart gebruiken? Werk die hier bij: ${u}`,
    reply: 'Wilt u een andere kaart gebruiken? Beantwoord dan deze e-mail.',
  },
};

/** The saved card in the language: "your Visa •••• 4242, expires 12/2029" (the brand's own name, or the language's word for a card). */
export function yourCardIn(w: FailureWords, c: SavedCardFacts): string {
  const known = brandName(c.brand);
  const exp = c.expMonth && c.expYear ? w.expires(`${String(c.expMonth).padStart(2, '0')}/${c.expYear}`) : '';
  return w.yourCard(known === 'Card' ? null : known, `•••• ${c.last4 ?? '????'}${exp}`);
}

/** The whole email in the customer's language: subject and lines. */
export function failureNotice(language: Language, i: FailureNoticeInput): { subject: string; lines: string[] } {
  const w = wordsIn(FAILURE_NOTICE_WORDS, language);
  const what = !i.what ? w.unknownWhat : i.what.kind === 'invoice' ? w.invoice(i.what.number) : w.instalment(i.what.seq, i.what.count);
  const reason = w.reasons[(i.code ?? 'other') as ChargeFailureCode] ?? w.reasons.other;
  return {
    subject: i.next.kind === 'retry' ? w.subjectRetry(i.organisation) : w.subjectPaused(i.organisation),
    lines: [
      w.greeting(i.customerName),
      '',
      w.tried(i.amountText ?? w.thePayment, what, i.card ? yourCardIn(w, i.card) : w.savedCard, reason),
      i.next.kind === 'retry' ? w.retryOn(i.next.onText) : w.stopped,
      i.updateUrl ? w.update(i.updateUrl) : w.reply,
      '',
      i.signature,
    ],
  };
}
