/**
 * Built-in templates, used by any step without a template of its own (chosen by the step's
 * offset; grouped emails use the statement). Read-only: the editor duplicates one to change it.
 */
export interface TemplateBody {
  subject: string;
  bodyHtml: string;
  bodyText: string;
}

export interface BuiltinTemplate extends TemplateBody {
  id: string;
  name: string;
}

const signoff = {
  html: '<p>Kind regards,<br>{{organisation.signature}}</p>',
  text: 'Kind regards,\n{{organisation.signature}}',
};

const payHtml = '{{#discount_offer}}<p><strong>{{discount_offer}}</strong></p>{{/discount_offer}}{{#payment_link}}<p><a href="{{payment_link}}">View and pay online</a></p>{{/payment_link}}';
const payText = '{{#discount_offer}}{{discount_offer}}\n\n{{/discount_offer}}{{#payment_link}}View and pay online: {{payment_link}}\n\n{{/payment_link}}';

export const BUILTIN_TEMPLATES: readonly BuiltinTemplate[] = [
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
];

export function builtinTemplate(id: string): BuiltinTemplate | null {
  return BUILTIN_TEMPLATES.find((t) => t.id === id) ?? null;
}

/** The built-in template for a step without one. */
export function builtinFor(offsetDays: number, grouped: boolean): BuiltinTemplate {
  const id = grouped ? 'builtin:statement' : offsetDays < 0 ? 'builtin:before-due' : offsetDays === 0 ? 'builtin:due' : offsetDays < 30 ? 'builtin:overdue' : 'builtin:final';
  return builtinTemplate(id)!;
}
