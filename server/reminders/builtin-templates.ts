/**
 * The built-in reminder templates in every language Arcus ships (issue #20, decision 041): one
 * data module, so a translator reads and changes them side by side.
 *
 * Register and tone. Written as a native credit controller of each country would write to a
 * business customer: polite, plain and firm, never threatening, and more insistent step by step
 * (a friendly notice, the due date, a reminder, a final notice). Formal address throughout —
 * French "vous", German "Sie" (sentence after the greeting's comma starts in lower case, as
 * German letters do), Spanish "usted" (greeting ending in a colon), Dutch "u". Each language's
 * own conventions, not a word-for-word rendering of the English: "Sauf erreur de notre part",
 * "Cordialement"; "Zahlungserinnerung", "Mit freundlichen Grüßen"; "Según nuestros registros",
 * "Atentamente"; "Volgens onze administratie", "Met vriendelijke groet".
 *
 * Every translation uses exactly the merge fields of its English template (a test checks it);
 * the values are formatted for the customer's locale (render.ts, kernel/locale.ts) and the
 * invoice table's headings and the footer come from email-words.ts. The English ones are the
 * original built-ins, unchanged.
 */
import type { Language } from '../../kernel/locale';
import type { BuiltinTemplate } from './defaults';

const signoff = {
  html: '<p>Kind regards,<br>{{organisation.signature}}</p>',
  text: 'Kind regards,\n{{organisation.signature}}',
};

const payHtml = '{{#discount_offer}}<p><strong>{{discount_offer}}</strong></p>{{/discount_offer}}{{#payment_link}}<p><a href="{{payment_link}}">View and pay online</a></p>{{/payment_link}}';
const payText = '{{#discount_offer}}{{discount_offer}}\n\n{{/discount_offer}}{{#payment_link}}View and pay online: {{payment_link}}\n\n{{/payment_link}}';

const ENGLISH: readonly BuiltinTemplate[] = [
  {
    id: 'builtin:before-due',
    name: 'Upcoming due date (built-in)',
    subject: 'Invoice {{invoice.number}} is due on {{invoice.due_date}}',
    bodyHtml: `<p>Hello {{contact.first_name}},</p><p>A quick note that invoice {{invoice.number}} for {{invoice.amount_due}} is due on {{invoice.due_date}}.</p>{{invoices.table}}${payHtml}<p>If you have already paid, thank you — please ignore this email.</p>${signoff.html}`,
    bodyText: `Hello {{contact.first_name}},\n\nA quick note that invoice {{invoice.number}} for {{invoice.amount_due}} is due on {{invoice.due_date}}.\n\n{{invoices.table}}\n\n${payText}If you have already paid, thank you — please ignore this email.\n\n${signoff.text}`,
  },
  {
    id: 'builtin:due',
    name: 'On the due date (built-in)',
    subject: 'Invoice {{invoice.number}} is {{invoice.status}}',
    bodyHtml: `<p>Hello {{contact.first_name}},</p><p>Invoice {{invoice.number}} for {{invoice.amount_due}} was due for payment on {{invoice.due_date}} ({{invoice.status}}).</p>{{invoices.table}}${payHtml}<p>If you have already paid, thank you — please ignore this email.</p>${signoff.html}`,
    bodyText: `Hello {{contact.first_name}},\n\nInvoice {{invoice.number}} for {{invoice.amount_due}} was due for payment on {{invoice.due_date}} ({{invoice.status}}).\n\n{{invoices.table}}\n\n${payText}If you have already paid, thank you — please ignore this email.\n\n${signoff.text}`,
  },
  {
    id: 'builtin:overdue',
    name: 'Overdue reminder (built-in)',
    subject: 'Reminder: invoice {{invoice.number}} is overdue',
    bodyHtml: `<p>Hello {{contact.first_name}},</p><p>Our records show that invoice {{invoice.number}} was due on {{invoice.due_date}} and {{invoice.amount_due}} is still outstanding ({{invoice.days_overdue}} days overdue).</p>{{invoices.table}}${payHtml}<p>If you have paid in the last few days, thank you. If something is wrong with the invoice, just reply to this email.</p>${signoff.html}`,
    bodyText: `Hello {{contact.first_name}},\n\nOur records show that invoice {{invoice.number}} was due on {{invoice.due_date}} and {{invoice.amount_due}} is still outstanding ({{invoice.days_overdue}} days overdue).\n\n{{invoices.table}}\n\n${payText}If you have paid in the last few days, thank you. If something is wrong with the invoice, just reply to this email.\n\n${signoff.text}`,
  },
  {
    id: 'builtin:final',
    name: 'Final notice (built-in)',
    subject: 'Final notice: invoice {{invoice.number}} is {{invoice.days_overdue}} days overdue',
    bodyHtml: `<p>Hello {{contact.first_name}},</p><p>Invoice {{invoice.number}} is now {{invoice.days_overdue}} days overdue, with {{invoice.amount_due}} outstanding. Please arrange payment now, or reply to agree a date.</p>{{invoices.table}}${payHtml}${signoff.html}`,
    bodyText: `Hello {{contact.first_name}},\n\nInvoice {{invoice.number}} is now {{invoice.days_overdue}} days overdue, with {{invoice.amount_due}} outstanding. Please arrange payment now, or reply to agree a date.\n\n{{invoices.table}}\n\n${payText}${signoff.text}`,
  },
  {
    id: 'builtin:statement',
    name: 'Overdue statement (built-in)',
    subject: '{{customer.name}}: {{total_overdue}} overdue with {{organisation.name}}',
    bodyHtml: `<p>Hello {{contact.first_name}},</p><p>Here are the invoices from {{organisation.name}} that are due or overdue — {{total_overdue}} overdue in total.</p>{{invoices.table}}${payHtml}<p>If you have already paid, thank you. If anything looks wrong, just reply to this email.</p>${signoff.html}`,
    bodyText: `Hello {{contact.first_name}},\n\nHere are the invoices from {{organisation.name}} that are due or overdue — {{total_overdue}} overdue in total.\n\n{{invoices.table}}\n\n${payText}If you have already paid, thank you. If anything looks wrong, just reply to this email.\n\n${signoff.text}`,
  },
  {
    id: 'builtin:statement-upcoming',
    name: 'Statement of invoices falling due (built-in)',
    subject: '{{customer.name}}: {{total_due}} falling due with {{organisation.name}}',
    bodyHtml: `<p>Hello {{contact.first_name}},</p><p>Here are the invoices from {{organisation.name}} that fall due soon — {{total_due}} in total.</p>{{invoices.table}}${payHtml}<p>If you have already paid, thank you — please ignore this email.</p>${signoff.html}`,
    bodyText: `Hello {{contact.first_name}},\n\nHere are the invoices from {{organisation.name}} that fall due soon — {{total_due}} in total.\n\n{{invoices.table}}\n\n${payText}If you have already paid, thank you — please ignore this email.\n\n${signoff.text}`,
  },
];


export type BuiltinId = 'builtin:before-due' | 'builtin:due' | 'builtin:overdue' | 'builtin:final' | 'builtin:statement' | 'builtin:statement-upcoming';

interface Words {
  greeting: string;
  signoff: string;
  pay: string;
  /** Each template: its name, subject, the opening paragraph and the closing one (if any). */
  templates: Record<BuiltinId, { name: string; subject: string; lead: string; close?: string }>;
}

function written(language: Exclude<Language, 'en'>, w: Words): BuiltinTemplate[] {
  const pHtml = `{{#discount_offer}}<p><strong>{{discount_offer}}</strong></p>{{/discount_offer}}{{#payment_link}}<p><a href="{{payment_link}}">${w.pay}</a></p>{{/payment_link}}`;
  const pText = `{{#discount_offer}}{{discount_offer}}\n\n{{/discount_offer}}{{#payment_link}}${w.pay} : {{payment_link}}\n\n{{/payment_link}}`.replace(' : ', language === 'fr' ? '\u00a0: ' : ': ');
  const [sign, by] = [w.signoff, '{{organisation.signature}}'];
  return (Object.keys(w.templates) as BuiltinId[]).map((id) => {
    const t = w.templates[id];
    return {
      id: `${id}:${language}`,
      name: t.name,
      subject: t.subject,
      bodyHtml: `<p>${w.greeting}</p><p>${t.lead}</p>{{invoices.table}}${pHtml}${t.close ? `<p>${t.close}</p>` : ''}<p>${sign}<br>${by}</p>`,
      bodyText: `${w.greeting}\n\n${t.lead}\n\n{{invoices.table}}\n\n${pText}${t.close ? `${t.close}\n\n` : ''}${sign}\n${by}`,
    };
  });
}

// French typography: a no-break space before ":" and "%" (\u00a0).
const FRENCH = written('fr', {
  greeting: 'Bonjour {{contact.first_name}},',
  signoff: 'Cordialement,',
  pay: 'Consulter et régler en ligne',
  templates: {
    'builtin:before-due': {
      name: 'Échéance à venir (intégré)',
      subject: 'Facture {{invoice.number}} à régler le {{invoice.due_date}}',
      lead: 'Nous vous rappelons que la facture {{invoice.number}}, d’un montant de {{invoice.amount_due}}, arrive à échéance le {{invoice.due_date}}.',
      close: 'Si vous avez déjà effectué le règlement, nous vous en remercions et vous prions de ne pas tenir compte de ce message.',
    },
    'builtin:due': {
      name: 'Jour de l’échéance (intégré)',
      subject: 'Facture {{invoice.number}}\u00a0: {{invoice.status}}',
      lead: 'La facture {{invoice.number}}, d’un montant de {{invoice.amount_due}}, était payable le {{invoice.due_date}} ({{invoice.status}}).',
      close: 'Si vous avez déjà effectué le règlement, nous vous en remercions et vous prions de ne pas tenir compte de ce message.',
    },
    'builtin:overdue': {
      name: 'Relance (intégré)',
      subject: 'Rappel\u00a0: facture {{invoice.number}} impayée',
      lead: 'Sauf erreur de notre part, la facture {{invoice.number}}, échue le {{invoice.due_date}}, reste impayée pour un montant de {{invoice.amount_due}} ({{invoice.days_overdue}}\u00a0jours de retard).',
      close: 'Si vous avez procédé au règlement ces derniers jours, nous vous en remercions. Si cette facture pose le moindre problème, il vous suffit de répondre à ce message.',
    },
    'builtin:final': {
      name: 'Dernier rappel (intégré)',
      subject: 'Dernier rappel\u00a0: facture {{invoice.number}} en retard de {{invoice.days_overdue}}\u00a0jours',
      lead: 'Malgré nos précédents rappels, la facture {{invoice.number}} est en retard de {{invoice.days_overdue}}\u00a0jours et {{invoice.amount_due}} restent dus. Nous vous remercions de procéder au règlement sans délai, ou de nous répondre pour convenir d’une date.',
    },
    'builtin:statement': {
      name: 'Relevé des impayés (intégré)',
      subject: '{{customer.name}}\u00a0: relevé des impayés ({{total_overdue}}) – {{organisation.name}}',
      lead: 'Veuillez trouver ci-dessous les factures de {{organisation.name}} échues ou arrivant à échéance, dont {{total_overdue}} en retard au total.',
      close: 'Si vous avez déjà réglé, nous vous en remercions. Si quelque chose vous semble inexact, il vous suffit de répondre à ce message.',
    },
    'builtin:statement-upcoming': {
      name: 'Relevé des échéances à venir (intégré)',
      subject: '{{customer.name}}\u00a0: échéances à venir ({{total_due}}) – {{organisation.name}}',
      lead: 'Veuillez trouver ci-dessous les factures de {{organisation.name}} arrivant prochainement à échéance, pour un total de {{total_due}}.',
      close: 'Si vous avez déjà effectué le règlement, nous vous en remercions et vous prions de ne pas tenir compte de ce message.',
    },
  },
});

const GERMAN = written('de', {
  greeting: 'Guten Tag {{contact.first_name}},',
  signoff: 'Mit freundlichen Grüßen',
  pay: 'Online ansehen und bezahlen',
  templates: {
    'builtin:before-due': {
      name: 'Bevorstehende Fälligkeit (integriert)',
      subject: 'Rechnung {{invoice.number}} ist am {{invoice.due_date}} fällig',
      lead: 'wir möchten Sie kurz daran erinnern, dass die Rechnung {{invoice.number}} über {{invoice.amount_due}} am {{invoice.due_date}} fällig wird.',
      close: 'Falls Sie bereits bezahlt haben, vielen Dank – dann betrachten Sie diese E-Mail bitte als gegenstandslos.',
    },
    'builtin:due': {
      name: 'Am Fälligkeitstag (integriert)',
      subject: 'Rechnung {{invoice.number}}: {{invoice.status}}',
      lead: 'die Rechnung {{invoice.number}} über {{invoice.amount_due}} war am {{invoice.due_date}} zur Zahlung fällig ({{invoice.status}}).',
      close: 'Falls Sie bereits bezahlt haben, vielen Dank – dann betrachten Sie diese E-Mail bitte als gegenstandslos.',
    },
    'builtin:overdue': {
      name: 'Zahlungserinnerung (integriert)',
      subject: 'Zahlungserinnerung: Rechnung {{invoice.number}} ist überfällig',
      lead: 'laut unseren Unterlagen war die Rechnung {{invoice.number}} am {{invoice.due_date}} fällig, und {{invoice.amount_due}} sind noch offen ({{invoice.days_overdue}} Tage überfällig).',
      close: 'Sollten Sie in den letzten Tagen bezahlt haben, danken wir Ihnen. Stimmt etwas mit der Rechnung nicht, antworten Sie einfach auf diese E-Mail.',
    },
    'builtin:final': {
      name: 'Letzte Mahnung (integriert)',
      subject: 'Letzte Mahnung: Rechnung {{invoice.number}} ist seit {{invoice.days_overdue}} Tagen überfällig',
      lead: 'die Rechnung {{invoice.number}} ist inzwischen seit {{invoice.days_overdue}} Tagen überfällig; offen sind noch {{invoice.amount_due}}. Bitte begleichen Sie den Betrag umgehend oder antworten Sie uns, um einen Zahlungstermin zu vereinbaren.',
    },
    'builtin:statement': {
      name: 'Kontoauszug offener Posten (integriert)',
      subject: '{{customer.name}}: {{total_overdue}} überfällig bei {{organisation.name}}',
      lead: 'anbei finden Sie die fälligen und überfälligen Rechnungen von {{organisation.name}} – insgesamt sind {{total_overdue}} überfällig.',
      close: 'Falls Sie bereits bezahlt haben, vielen Dank. Sollte Ihnen etwas nicht korrekt erscheinen, antworten Sie einfach auf diese E-Mail.',
    },
    'builtin:statement-upcoming': {
      name: 'Übersicht bald fälliger Rechnungen (integriert)',
      subject: '{{customer.name}}: {{total_due}} bald fällig bei {{organisation.name}}',
      lead: 'anbei finden Sie die Rechnungen von {{organisation.name}}, die demnächst fällig werden – insgesamt {{total_due}}.',
      close: 'Falls Sie bereits bezahlt haben, vielen Dank – dann betrachten Sie diese E-Mail bitte als gegenstandslos.',
    },
  },
});

const SPANISH = written('es', {
  greeting: 'Buenos días, {{contact.first_name}}:',
  signoff: 'Atentamente,',
  pay: 'Ver y pagar en línea',
  templates: {
    'builtin:before-due': {
      name: 'Próximo vencimiento (integrada)',
      subject: 'La factura {{invoice.number}} vence el {{invoice.due_date}}',
      lead: 'Le recordamos que la factura {{invoice.number}}, por un importe de {{invoice.amount_due}}, vence el {{invoice.due_date}}.',
      close: 'Si ya ha realizado el pago, le damos las gracias y le rogamos que no tenga en cuenta este mensaje.',
    },
    'builtin:due': {
      name: 'Día del vencimiento (integrada)',
      subject: 'Factura {{invoice.number}}: {{invoice.status}}',
      lead: 'La factura {{invoice.number}}, por un importe de {{invoice.amount_due}}, vencía el {{invoice.due_date}} ({{invoice.status}}).',
      close: 'Si ya ha realizado el pago, le damos las gracias y le rogamos que no tenga en cuenta este mensaje.',
    },
    'builtin:overdue': {
      name: 'Recordatorio de pago (integrada)',
      subject: 'Recordatorio: la factura {{invoice.number}} está vencida',
      lead: 'Según nuestros registros, la factura {{invoice.number}} venció el {{invoice.due_date}} y sigue pendiente un importe de {{invoice.amount_due}} ({{invoice.days_overdue}} días de retraso).',
      close: 'Si ha efectuado el pago en los últimos días, se lo agradecemos. Si hay algún problema con la factura, basta con que responda a este correo.',
    },
    'builtin:final': {
      name: 'Último aviso (integrada)',
      subject: 'Último aviso: la factura {{invoice.number}} lleva {{invoice.days_overdue}} días vencida',
      lead: 'La factura {{invoice.number}} lleva ya {{invoice.days_overdue}} días vencida y quedan {{invoice.amount_due}} pendientes de pago. Le rogamos que efectúe el pago cuanto antes o que nos responda para acordar una fecha.',
    },
    'builtin:statement': {
      name: 'Extracto de facturas vencidas (integrada)',
      subject: '{{customer.name}}: {{total_overdue}} vencidos con {{organisation.name}}',
      lead: 'A continuación le indicamos las facturas de {{organisation.name}} vencidas o próximas a vencer, con un total vencido de {{total_overdue}}.',
      close: 'Si ya ha realizado el pago, se lo agradecemos. Si algo no le parece correcto, basta con que responda a este correo.',
    },
    'builtin:statement-upcoming': {
      name: 'Extracto de próximos vencimientos (integrada)',
      subject: '{{customer.name}}: {{total_due}} próximos a vencer con {{organisation.name}}',
      lead: 'A continuación le indicamos las facturas de {{organisation.name}} que vencen próximamente, por un total de {{total_due}}.',
      close: 'Si ya ha realizado el pago, le damos las gracias y le rogamos que no tenga en cuenta este mensaje.',
    },
  },
});

const DUTCH = written('nl', {
  greeting: 'Beste {{contact.first_name}},',
  signoff: 'Met vriendelijke groet,',
  pay: 'Bekijken en online betalen',
  templates: {
    'builtin:before-due': {
      name: 'Naderende vervaldatum (ingebouwd)',
      subject: 'Factuur {{invoice.number}} vervalt op {{invoice.due_date}}',
      lead: 'Graag herinneren wij u eraan dat factuur {{invoice.number}} van {{invoice.amount_due}} op {{invoice.due_date}} vervalt.',
      close: 'Heeft u al betaald? Dan danken wij u hartelijk en kunt u deze e-mail als niet verzonden beschouwen.',
    },
    'builtin:due': {
      name: 'Op de vervaldatum (ingebouwd)',
      subject: 'Factuur {{invoice.number}}: {{invoice.status}}',
      lead: 'Factuur {{invoice.number}} van {{invoice.amount_due}} diende op {{invoice.due_date}} te worden betaald ({{invoice.status}}).',
      close: 'Heeft u al betaald? Dan danken wij u hartelijk en kunt u deze e-mail als niet verzonden beschouwen.',
    },
    'builtin:overdue': {
      name: 'Betalingsherinnering (ingebouwd)',
      subject: 'Herinnering: factuur {{invoice.number}} is nog niet betaald',
      lead: 'Volgens onze administratie is factuur {{invoice.number}} op {{invoice.due_date}} vervallen en staat er nog {{invoice.amount_due}} open ({{invoice.days_overdue}} dagen na de vervaldatum).',
      close: 'Heeft u de afgelopen dagen betaald, dan danken wij u daarvoor. Klopt er iets niet aan de factuur, beantwoordt u dan gewoon deze e-mail.',
    },
    'builtin:final': {
      name: 'Laatste herinnering (ingebouwd)',
      subject: 'Laatste herinnering: factuur {{invoice.number}} is {{invoice.days_overdue}} dagen over de vervaldatum',
      lead: 'Factuur {{invoice.number}} is inmiddels {{invoice.days_overdue}} dagen over de vervaldatum en er staat nog {{invoice.amount_due}} open. Wij verzoeken u het bedrag per omgaande te voldoen, of ons te antwoorden om een betaaldatum af te spreken.',
    },
    'builtin:statement': {
      name: 'Overzicht openstaande facturen (ingebouwd)',
      subject: '{{customer.name}}: {{total_overdue}} achterstallig bij {{organisation.name}}',
      lead: 'Hieronder vindt u de facturen van {{organisation.name}} die vervallen zijn of binnenkort vervallen, met in totaal {{total_overdue}} achterstallig.',
      close: 'Heeft u al betaald, dan danken wij u daarvoor. Klopt er iets niet, beantwoordt u dan gewoon deze e-mail.',
    },
    'builtin:statement-upcoming': {
      name: 'Overzicht binnenkort vervallende facturen (ingebouwd)',
      subject: '{{customer.name}}: {{total_due}} vervalt binnenkort bij {{organisation.name}}',
      lead: 'Hieronder vindt u de facturen van {{organisation.name}} die binnenkort vervallen, in totaal {{total_due}}.',
      close: 'Heeft u al betaald? Dan danken wij u hartelijk en kunt u deze e-mail als niet verzonden beschouwen.',
    },
  },
});

/** The English built-ins (what steps name), then their translations (`<id>:<language>`). */
export const BUILTIN_TEMPLATES: readonly BuiltinTemplate[] = [...ENGLISH, ...FRENCH, ...GERMAN, ...SPANISH, ...DUTCH];

/** The built-in `id` in `language`; English is the id itself. */
export function builtinIdIn(id: string, language: Language): string {
  return language === 'en' ? id : `${id}:${language}`;
}

/** A built-in's language and the English one it translates, from its id. */
export function builtinLanguage(id: string): { language: Language; root: string } {
  const m = /^(builtin:[a-z-]+):(fr|de|es|nl)$/.exec(id);
  return m ? { language: m[2] as Language, root: m[1]! } : { language: 'en', root: id };
}
