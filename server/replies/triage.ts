/**
 * Triage of a debtor's reply, pure: which of eight classes it is, by transparent rules that say
 * why (the phrases that matched), with the promised date when one is written and the remittance
 * details when the customer says it is paid. English, French, German, Spanish and Dutch.
 *
 * Only the customer's own words count: quoted text (lines starting with ">", everything from
 * "On … wrote:", "Le … a écrit :", "Am … schrieb", "El … escribió:", "Op … schreef", an
 * "-----Original Message-----" or a "From:" header block on) is cut off first, so our reminder's
 * own words ("overdue", "pay now") never decide the class.
 *
 * Order when several classes match, each a reason written down in docs/decisions/032:
 * out of office → unsubscribe → dispute → already paid → promise with a date → a copy or a
 * statement → promise without a date → wants to talk → other.
 */
import { type CalendarDate, longDate } from '../../kernel/dates';
import { findDates, readPromiseDate } from './triage-dates';

export const TRIAGE_LABELS = ['promise', 'dispute', 'paid', 'copy_request', 'callback', 'unsubscribe', 'out_of_office', 'other'] as const;
export type TriageLabel = (typeof TRIAGE_LABELS)[number];

/** Each class in words (the key is never shown to a person). */
export const TRIAGE_WORDS: Record<TriageLabel, string> = {
  promise: 'Promise to pay',
  dispute: 'Dispute',
  paid: 'Says it is already paid',
  copy_request: 'Asks for a copy or a statement',
  callback: 'Wants to talk',
  unsubscribe: 'Asks to stop the emails',
  out_of_office: 'Out of office',
  other: 'Other',
};

export interface Remittance {
  amount: string | null;
  reference: string | null;
  paidOn: CalendarDate | null;
  method: string | null;
}

export interface Triage {
  label: TriageLabel;
  /** The phrases that decided it, as written (never a score). */
  why: string[];
  promiseDate: CalendarDate | null;
  /** The words the date was read from. */
  promiseDateWords: string | null;
  remittance: Remittance | null;
}

interface Pattern {
  label: TriageLabel;
  re: RegExp;
}

const P = (label: TriageLabel, ...res: RegExp[]): Pattern[] => res.map((re) => ({ label, re }));

const PATTERNS: Pattern[] = [
  ...P(
    'out_of_office',
    /\bout of (?:the )?office\b/i,
    /\b(?:i am|i'm|i’m|we are)\s+(?:currently\s+)?(?:away|on (?:annual |parental |sick )?leave|on holiday|on vacation|travelling|out)\b/i,
    /\b(?:limited|no) access to (?:my )?e-?mail\b/i,
    /\bautomatic reply\b/i,
    /\bwill (?:be back|return) (?:on|in|to the office)\b/i,
    /\babsente?s? du bureau\b/i,
    /\bje suis (?:actuellement )?(?:absente?|en cong[ée]s?|en vacances)\b/i,
    /\bde retour le\b/i,
    /\br[ée]ponse automatique\b/i,
    /\b(?:bin|sind) (?:derzeit |bis (?:zum )?\S+ )?(?:nicht im büro|abwesend|im urlaub|außer haus)\b/i,
    /\babwesenheitsnotiz\b/i,
    /\bautomatische antwort\b/i,
    /\bestoy (?:fuera de la oficina|de vacaciones|ausente)\b/i,
    /\bfuera de la oficina\b/i,
    /\brespuesta autom[áa]tica\b/i,
    /\bben (?:momenteel |tot en met \S+ )?(?:afwezig|niet op kantoor|met vakantie)\b/i,
    /\bautomatisch antwoord\b/i,
    /\bafwezigheidsbericht\b/i,
  ),
  ...P(
    'unsubscribe',
    /\bunsubscribe\b/i,
    /\bstop (?:sending|emailing|e-mailing|these)\b/i,
    /\bremove (?:me|us|this address|my (?:e-?mail )?address) from\b/i,
    /\b(?:do not|don't|don’t) (?:e-?mail|contact) (?:me|us) (?:again|any ?more)\b/i,
    /\bno (?:more|further) (?:e-?mails|reminders)\b/i,
    /\bd[ée]sabonner\b|\bd[ée]sinscri/i,
    /\bne (?:plus|pas) (?:m'|nous )?(?:envoyer|recevoir)\b/i,
    /\bretirez(?:-moi| notre adresse)\b/i,
    /\babmelden\b|\babbestellen\b/i,
    /\bkeine (?:weiteren )?(?:e-?mails|mahnungen|erinnerungen) mehr\b/i,
    /\bentfernen sie (?:mich|uns|meine adresse)\b/i,
    /\b(?:dar(?:me|nos|se)?|den(?:me|nos)?|dénme|dennos) de baja\b/i,
    /\bno (?:me|nos) (?:envíen|envien|manden|escriban) m[áa]s\b/i,
    /\buitschrijven\b|\bafmelden\b/i,
    /\bgeen (?:e-?mails|herinneringen) meer\b/i,
    /\bverwijder (?:mij|ons|mijn adres)\b/i,
  ),
  ...P(
    'dispute',
    /\bdisput(?:e|ing|ed)\b/i,
    /\b(?:we|i) (?:do not|don't|don’t) (?:agree|accept|recognise|recognize)\b/i,
    /\bdisagree\b/i,
    /\b(?:never|not|haven't|have not|did not|didn't) (?:yet )?(?:been )?(?:received|delivered|arrived|ordered)\b(?! (?:the |your |an |any |this |that )?(?:invoice|copy|statement|pdf))/i,
    /\b(?:goods|items|order|delivery|parts|service|work)\b[^.!?\n]{0,40}\b(?:damaged|faulty|defective|broken|incomplete|missing|never (?:arrived|delivered|done)|not (?:completed|finished|delivered))\b/i,
    /\b(?:wrong|incorrect) (?:amount|price|rate|invoice|quantity|vat)\b/i,
    /\bovercharged\b|\bdouble[- ]?(?:billed|charged)\b|\b(?:charged|invoiced|billed) (?:us |me )?twice\b|\bduplicate (?:invoice|charge)\b/i,
    /\bawaiting (?:a |the )?credit note\b|\bneed (?:a |the )?credit note\b|\bissue (?:a |us a )?credit note\b/i,
    /\b(?:will not|won't|won’t|refuse to) pay\b/i,
    /\bnot (?:what|as) (?:we |was )?(?:ordered|agreed|quoted)\b/i,
    /\bcontest(?:ons|e|é|ée)?\b|\blitige\b/i,
    /\b(?:erreur|erron[ée]e?) (?:sur|dans)? ?(?:la|cette)? ?facture\b|\bmontant (?:incorrect|erron[ée])\b/i,
    /\b(?:jamais|pas) (?:été )?(?:reçu|livr[ée])e?s? (?:la |les )?(?:marchandise|commande|livraison|prestation)/i,
    /\bmarchandise (?:abîmée|endommagée|défectueuse)\b|\bdéfectueu/i,
    /\bavoir\b(?! (?:un|une|le|la|les|des|été|reçu))/i,
    /\breklamation\b|\bbeanstand|\bwiderspr(?:uch|echen)\b|\bnicht einverstanden\b/i,
    /\b(?:ware|lieferung|leistung|bestellung)\b[^.!?\n]{0,40}\b(?:nicht (?:erhalten|geliefert|angekommen)|beschädigt|defekt|mangelhaft|unvollständig)\b/i,
    /\brechnung (?:ist )?(?:falsch|fehlerhaft|nicht korrekt)\b|\bfalsche[nr]? (?:betrag|rechnung|preis)\b/i,
    /\bgutschrift\b/i,
    /\bnicht bestellt\b/i,
    /\breclamaci[óo]n\b|\bdisputa\b|\bno estamos de acuerdo\b/i,
    /\bno (?:hemos|he) recibido (?:la |el |los )?(?:mercancía|mercancia|pedido|material|servicio)\b/i,
    /\b(?:error|importe incorrecto) en la factura\b|\bfactura (?:es )?incorrecta\b|\bimporte (?:incorrecto|erróneo)\b/i,
    /\bnota de cr[ée]dito\b|\bfactura rectificativa\b|\babono\b/i,
    /\bdefectuos[oa]s?\b|\bdañad[oa]s?\b/i,
    /\bbetwist(?:en)?\b|\bniet (?:mee )?eens\b/i,
    /\b(?:goederen|levering|bestelling)\b[^.!?\n]{0,40}\b(?:niet ontvangen|beschadigd|defect|onvolledig)\b|\bniet ontvangen\b(?! (?:de |het )?(?:factuur|kopie))/i,
    /\bfactuur (?:klopt niet|is onjuist|is niet correct)\b|\bonjuist(?:e)? bedrag\b|\bklopt niet\b/i,
    /\bcreditnota\b|\bcreditfactuur\b/i,
  ),
  ...P(
    'paid',
    /\b(?:already|was|were|has been|have been|had been|been) (?:paid|settled|transferred|remitted)\b/i,
    /\b(?:we|i) (?:have |'ve |’ve )?(?:already )?(?:paid|settled|transferred|remitted|sent (?:the )?payment|made (?:the )?payment)\b/i,
    /\bpayment (?:was|has been|went) (?:made|sent|processed|released|out)\b/i,
    /\bremittance(?: advice)?\b/i,
    /(?<!(?:will|to|be|get|being) )\bpaid (?:in full|last (?:week|month|friday|thursday)|yesterday|this morning|already)\b/i,
    /\bproof of payment\b/i,
    /\bd[ée]j[àa] (?:été )?(?:pay[ée]e?s?|r[ée]gl[ée]e?s?)\b/i,
    /\b(?:nous )?avons (?:d[ée]j[àa] )?(?:pay[ée]|r[ée]gl[ée]|effectu[ée] le (?:virement|paiement|règlement))\b/i,
    /\b(?:virement|paiement|règlement|reglement) (?:a été |est )?(?:effectu[ée]|envoy[ée]|fait|émis|parti)\b/i,
    /\bavis de (?:virement|paiement)\b/i,
    /\b(?:bereits|schon) (?:be)?(?:zahlt|glichen|überwiesen)\b/i,
    /\b(?:haben|habe) (?:die rechnung |den betrag )?(?:bereits |schon |am \S+ )?(?:bezahlt|überwiesen|beglichen)\b/i,
    /\b(?:zahlung|überweisung) (?:ist|wurde) (?:bereits |schon )?(?:am \S+ )?(?:erfolgt|ausgeführt|veranlasst)\b|\b(?:bereits|schon) (?:erfolgt|ausgeführt)\b/i,
    /\b(?:wurde|wurden|ist) (?:\S+ ){0,4}?(?:bezahlt|überwiesen|beglichen)\b/i,
    /\bzahlungsavis\b/i,
    /\bya (?:hemos |ha sido |está |esta |fue )?(?:pagad[oa]|abonad[oa]|transferid[oa])\b/i,
    /\b(?:hemos|he) (?:realizado|hecho|efectuado) (?:el pago|la transferencia)\b/i,
    /\b(?:hemos|he) (?:pagado|abonado|transferido)\b/i,
    /\b(?:pago|transferencia) (?:ya )?(?:fue |ha sido )?(?:realizad[oa]|efectuad[oa]|enviad[oa])\b/i,
    /\bjustificante de pago\b|\bcomprobante de (?:pago|transferencia)\b/i,
    /\b(?:al|reeds|allang) (?:betaald|voldaan|overgemaakt)\b/i,
    /\b(?:hebben|heb) (?:het bedrag |de factuur )?(?:gisteren |vandaag |op \S+ )?(?:betaald|overgemaakt|voldaan)\b/i,
    /\bbetaling is (?:verricht|uitgevoerd|gedaan|verzonden)\b|\bis (?:betaald|voldaan|overgemaakt)\b/i,
    /\bbetalingsbewijs\b/i,
  ),
  ...P(
    'promise',
    /\b(?:we|i)(?:'ll|’ll| will| shall| are going to| am going to| can| plan to| intend to|'re going to) (?:be able to )?(?:pay|settle|transfer|clear|process|send (?:the |a )?payment|make (?:the |a )?payment|release (?:the )?payment)\b/i,
    /\b(?:payment|transfer|remittance|it|this|the invoice|the balance|the (?:full )?amount|the account)(?: will| shall|'ll)? (?:be|go) (?:paid|settled|made|sent|processed|released|out|transferred|cleared|scheduled|in)\b/i,
    /\b(?:scheduled|scheduling|booked|queued|approved) (?:for|the|it for|in)? ?(?:payment|our payment run|the payment run|the next payment run|pay run)\b/i,
    /\b(?:next|our) (?:payment|pay) run\b/i,
    /\bwill (?:be )?(?:pay|paid|settle|settled)\b/i,
    /\byou(?:'ll| will| should) (?:receive|have|get|see) (?:the |your )?(?:payment|funds|money|transfer)\b/i,
    /\bpayment (?:on|by|before|next|this|at the end)\b/i,
    /\bexpect (?:the )?payment\b/i,
    /\b(?:paierons|réglerons|reglerons|verserons|virerons)\b/i,
    /\b(?:nous )?(?:allons|vais|pourrons|devrions) (?:vous )?(?:payer|régler|regler|effectuer le (?:paiement|virement|règlement)|faire le virement|procéder au (?:paiement|règlement))\b/i,
    /\b(?:le |votre )?(?:paiement|virement|règlement|reglement) (?:sera|interviendra|partira|est prévu|est programmé|aura lieu)\b/i,
    /\b(?:werden|wird|werde) (?:\S+ ){0,5}?(?:bezahlt|überwiesen|beglichen|bezahlen|überweisen|begleichen|ausgeglichen)\b/i,
    /\b(?:zahlung|überweisung) (?:erfolgt|folgt|wird (?:\S+ )?(?:erfolgen|ausgeführt|veranlasst))\b/i,
    /\b(?:pagaremos|abonaremos|transferiremos|liquidaremos)\b/i,
    /\b(?:vamos a|voy a|podremos) (?:pagar|abonar|transferir|realizar el pago|hacer (?:el pago|la transferencia))\b/i,
    /\b(?:realizaremos|haremos|efectuaremos) (?:el pago|la transferencia)\b/i,
    /\b(?:el pago|la transferencia) (?:se (?:realizará|realizara|hará|hara|efectuará|efectuara)|está programad[oa]|saldrá|saldra)\b/i,
    /\b(?:zullen|zal|gaan|ga) (?:\S+ ){0,6}?(?:betalen|overmaken|voldoen)\b/i,
    /\b(?:we|wij|ik) (?:betalen|maken (?:\S+ ){0,6}?over)\b/i,
    /\b(?:betalen|maken) (?:we|wij|ik) (?:\S+ ){0,4}?(?:het bedrag |de factuur )?(?:over|betalen|betaald)?\b/i,
    /\bwordt (?:\S+ ){0,3}?(?:betaald|overgemaakt|voldaan)\b/i,
    /\bbetaling (?:volgt|staat gepland|wordt)\b/i,
  ),
  ...P(
    'copy_request',
    /\b(?:a |another )?cop(?:y|ies) of (?:the |this |that |your |our |all )?(?:invoices?|statement|bill)\b/i,
    /\b(?:send|resend|re-send|forward|email|e-mail)(?: me| us)?(?: again)? (?:a |the |an |our |this )?(?:copy|copies|invoice|invoices|statement|pdf|breakdown)\b/i,
    /\bresend\b|\bre-send\b/i,
    /\b(?:statement of account|account statement|statement of (?:our|the) account|up[- ]to[- ]date statement)\b/i,
    /\b(?:can't|cannot|can not|couldn't|unable to) (?:find|locate|open)\b/i,
    /\b(?:never|not) (?:received|got|seen) (?:the |this |that |your |an |any )?(?:invoice|bill|pdf|statement)\b/i,
    /\binvoice (?:number|copy)\b.*\?/i,
    /\bcopie de (?:la |votre |cette |ces |les )?factures?\b|\bduplicata\b/i,
    /\b(?:renvoyer|transmettre|envoyer)(?:-nous|-moi)? (?:à nouveau )?(?:la |une |les |votre )?(?:facture|copie|relevé)\b/i,
    /\brelevé(?: de compte)?\b/i,
    /\b(?:pas|jamais) reçu (?:la|votre|cette) facture\b/i,
    /\b(?:rechnungs)?kopie(?: der rechnung)?\b/i,
    /\b(?:erneut|nochmals|noch ?mal) (?:zu)?(?:senden|schicken|zusenden|zuschicken)\b/i,
    /\bkontoauszug\b|\bkontoübersicht\b|\bsaldenbestätigung\b|\boffene[- ]posten[- ]liste\b/i,
    /\brechnung (?:nicht|nie) (?:erhalten|bekommen)\b/i,
    /\bcopia de (?:la |las )?facturas?\b|\bduplicado\b/i,
    /\b(?:reenviar|reenvíen|reenvien|reenviarnos|enviarnos de nuevo|volver a enviar)\b/i,
    /\b(?:extracto|estado) de cuenta\b/i,
    /\bno (?:hemos|he) recibido (?:la |su )?factura\b/i,
    /\bkopie (?:van )?(?:de )?factu(?:u)?r(?:en)?\b/i,
    /\b(?:opnieuw|nogmaals|nog een keer) (?:\S+ )?(?:sturen|toesturen|versturen|mailen)\b/i,
    /\b(?:rekening|klant)overzicht\b|\bafschrift\b|\bsaldo-?overzicht\b/i,
    /\bfactuur (?:niet|nooit) ontvangen\b/i,
  ),
  ...P(
    'callback',
    /\b(?:call|phone|ring|telephone) (?:me|us|back|our office)\b/i,
    /\bgive (?:me|us) a (?:call|ring)\b/i,
    /\b(?:speak|talk|chat) (?:to|with) (?:you|someone|somebody|a person|your)\b/i,
    /\b(?:someone|somebody|anyone) (?:i|we) (?:can|could) (?:talk|speak|chat) (?:to|with)\b/i,
    /\b(?:can|could) we (?:speak|talk|discuss|have a call|arrange a call)\b/i,
    /\bdiscuss (?:this|the|it|our|a)\b/i,
    /\bbest (?:number|time) to (?:call|reach)\b/i,
    /\b(?:appelez|rappelez|téléphonez)(?:-moi|-nous)?\b|\b(?:m'|nous )(?:appeler|rappeler|téléphoner)\b/i,
    /\b(?:en )?(?:discuter|parler) (?:avec vous|de vive voix|au téléphone|par téléphone)\b/i,
    /\b(?:rufen sie (?:mich|uns) (?:bitte )?(?:\S+ )?an|rückruf|zurückrufen|anrufen|telefonisch (?:besprechen|klären))\b/i,
    /\b(?:besprechen|telefonieren)\b/i,
    /\b(?:llámeme|llamenme|llámenos|llamarme|llamarnos|llámanos|llamadme)\b/i,
    /\b(?:hablar|conversar|comentar) (?:con (?:usted|ustedes|alguien)|por teléfono|el tema)\b/i,
    /\bbel (?:me|mij|ons)\b|\b(?:terug)?bellen\b|\btelefonisch (?:contact|overleggen|bespreken)\b/i,
    /\b(?:overleggen|bespreken)\b/i,
  ),
];

/** The customer's own words: quoted reminder and signatures' reply chains cut off. */
export function ownWords(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (/^>/.test(t)) break;
    if (/^-{2,}\s*(?:original message|message d'origine|ursprüngliche nachricht|mensaje original|oorspronkelijk bericht|forwarded message)/i.test(t)) break;
    if (/^_{5,}$/.test(t)) break;
    if (/^(?:from|de|von|van|from:)\s*:\s*\S/i.test(t) && i > 0 && /^(?:sent|envoyé|gesendet|enviado|verzonden|date|datum|fecha|to|à|an|para|aan)\s*:/i.test(lines[i + 1]?.trim() ?? '')) break;
    const joined = `${t} ${lines[i + 1]?.trim() ?? ''}`;
    if (/^(?:on|le|am|el|op)\s.{4,160}(?:wrote|a écrit|schrieb|escribió|schreef)\s*:?$/i.test(t) || /^(?:on|le|am|el|op)\s.{4,200}(?:wrote|a écrit|schrieb|escribió|schreef)\s*:?$/i.test(joined)) break;
    out.push(line);
  }
  return out.join('\n').trim();
}

const AMOUNT = /(?:(?:£|€|\$|EUR|GBP|USD|CHF)\s?\d[\d.,' ]*\d(?:[.,]\d{2})?|\d[\d.,' ]*(?:[.,]\d{2})\s?(?:€|EUR|GBP|£|USD|\$|euros?))/i;
const REFERENCE = /\b(?:ref(?:erence|erencia|érence|erenz)?|payment ref|transaction(?: id)?|kenmerk|betalingskenmerk|verwendungszweck|concepto|libellé|libelle)\.?\s*(?:no\.?|number|nr\.?|n°|#)?\s*[:#-]?\s*([A-Z0-9][A-Z0-9/_-]{3,30})/i;
const METHOD = /\b(bank transfer|bacs|chaps|faster payments?|cheque|check|direct debit|card|paypal|virement(?: bancaire)?|chèque|überweisung|lastschrift|transferencia(?: bancaria)?|sepa|overboeking|ideal)\b/i;

function remittanceOf(text: string, from: CalendarDate): Remittance | null {
  const amount = AMOUNT.exec(text)?.[0]?.trim() ?? null;
  const reference = REFERENCE.exec(text)?.[1] ?? null;
  const method = METHOD.exec(text)?.[1] ?? null;
  // The day it was paid: a date on or before the sent day.
  const paidOn = findDates(text, addYearBack(from)).filter((d) => d.date <= from).pop()?.date ?? null;
  if (!amount && !reference && !method && !paidOn) return null;
  return { amount, reference, paidOn, method };
}

/** Read dates as if from a year earlier so past days ("on 3 December") land in the past. */
function addYearBack(from: CalendarDate): CalendarDate {
  const y = Number(from.slice(0, 4)) - 1;
  const md = from.slice(5) === '02-29' ? '02-28' : from.slice(5);
  return `${y}-${md}`;
}

/**
 * Classify one reply. `sentOn`: the day it was written, in the organisation's time zone (date
 * words are read relative to it).
 */
export function triage(input: { subject: string; text: string; sentOn: CalendarDate }): Triage {
  const body = ownWords(input.text);
  const subject = input.subject.replace(/^\s*(?:(?:re|aw|antw|sv|tr|fw|fwd|wg|rv)\s*:\s*)+/i, '');
  const hay = `${subject}\n${body}`;
  const hits = new Map<TriageLabel, { words: string[]; index: number }>();
  for (const p of PATTERNS) {
    const m = p.re.exec(hay);
    if (!m) continue;
    const h = hits.get(p.label) ?? { words: [], index: m.index };
    if (!h.words.includes(m[0].trim())) h.words.push(m[0].trim());
    h.index = Math.min(h.index, m.index);
    hits.set(p.label, h);
  }
  const promiseHit = hits.get('promise');
  const date = promiseHit ? readPromiseDate(hay, input.sentOn, promiseHit.index) : null;
  const pick = (label: TriageLabel, extra: Partial<Triage> = {}): Triage => ({ label, why: hits.get(label)?.words ?? [], promiseDate: null, promiseDateWords: null, remittance: null, ...extra });

  // A reply that names no class at all but says a date is coming: a promise only with payment words.
  for (const label of ['out_of_office', 'unsubscribe', 'dispute', 'paid'] as const) {
    if (!hits.has(label)) continue;
    if (label === 'paid') return pick('paid', { remittance: remittanceOf(hay, input.sentOn) });
    return pick(label);
  }
  if (promiseHit && date) return pick('promise', { promiseDate: date.date, promiseDateWords: date.words, why: [...promiseHit.words, date.words] });
  if (hits.has('copy_request')) return pick('copy_request');
  if (promiseHit) return pick('promise');
  if (hits.has('callback')) return pick('callback');
  return pick('other');
}

/** "Promise to pay by 15 December 2026 (read from “on the 15th”)" — the suggestion in words. */
export function triageSentence(t: Triage): string {
  if (t.label === 'promise' && t.promiseDate) return `Promise to pay by ${longDate(t.promiseDate)}`;
  return TRIAGE_WORDS[t.label];
}
