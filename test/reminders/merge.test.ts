/** The template language: validation with positions, escaping, sections; rendering with branding. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES } from '../../server/reminders/defaults';
import { MERGE_FIELDS, renderTemplate, validateTemplate } from '../../server/reminders/merge';
import { type EmailContext, renderEmail } from '../../server/reminders/render';
import { templateIssues } from '../../server/reminders/templates';

describe('template validation', () => {
  it('lists every unknown field with its line and column', () => {
    const src = 'Hello {{contact.first_name}},\nyou owe {{ total_overdue }} on {{invoice.numbr}}.\n{{ customer.nme }}';
    expect(validateTemplate(src)).toEqual([
      { message: 'Unknown merge field “invoice.numbr”', field: 'invoice.numbr', index: 61, line: 2, column: 32 },
      { message: 'Unknown merge field “customer.nme”', field: 'customer.nme', index: 80, line: 3, column: 1 },
    ]);
  });

  it('reports syntax problems: unclosed tags, bad names, unbalanced sections', () => {
    expect(validateTemplate('Pay {{payment_link').map((i) => i.message)).toEqual(['“{{” is not closed with “}}”']);
    expect(validateTemplate('{{ 1 + 1 }} {{}}').map((i) => i.message)).toEqual(['“1 + 1” is not a field name', 'An empty {{ }}']);
    expect(validateTemplate('{{#payment_link}}x').map((i) => i.message)).toEqual(['“{{#payment_link}}” is never closed']);
    expect(validateTemplate('x{{/payment_link}}').map((i) => i.message)).toEqual(['“{{/payment_link}}” closes nothing']);
    expect(validateTemplate('{{#payment_link}}{{/today}}').map((i) => i.message)).toEqual(['“{{/today}}” closes “{{#payment_link}}”']);
  });

  it('accepts every documented field and every built-in template', () => {
    expect(validateTemplate(MERGE_FIELDS.map((f) => `{{${f.name}}}`).join(' '))).toEqual([]);
    for (const t of BUILTIN_TEMPLATES) expect(templateIssues(t), t.id).toEqual({ subject: [], bodyHtml: [], bodyText: [] });
  });
});

describe('rendering', () => {
  it('escapes values in HTML, not in text; sections keep or drop their content', () => {
    const values = { 'customer.name': { text: 'Tom & <Jerry>' }, payment_link: null };
    expect(renderTemplate('<b>{{customer.name}}</b>', values, 'html')).toBe('<b>Tom &amp; &lt;Jerry&gt;</b>');
    expect(renderTemplate('{{customer.name}}', values, 'text')).toBe('Tom & <Jerry>');
    expect(renderTemplate('a{{#payment_link}}Pay: {{payment_link}}{{/payment_link}}b{{^payment_link}}(no link){{/payment_link}}', values, 'text')).toBe('ab(no link)');
    expect(renderTemplate('{{#payment_link}}Pay: {{payment_link}}{{/payment_link}}', { payment_link: { text: 'https://x/?a=1&b=2' } }, 'html')).toBe('Pay: https://x/?a=1&amp;b=2');
  });

  const ctx: EmailContext = {
    organisation: { name: 'Harbour Joinery Ltd', countryCode: 'GB' },
    settings: { brandColour: '#0b7285', logoUrl: null, signature: 'Accounts team\nHarbour Joinery', senderName: null },
    customer: { name: 'Bayside <Cafe>', firstName: 'Sam', contactName: null },
    invoices: [
      { number: 'INV-1', issueDate: '2026-10-01', dueDate: '2026-10-31', currency: 'GBP', total: '1500.0000', amountDue: '1250.5000', url: 'https://in.xero.com/abc' },
      { number: 'INV-2', issueDate: '2026-11-01', dueDate: '2026-12-01', currency: 'EUR', total: '99.9900', amountDue: '99.9900', url: null },
    ],
    stepNumber: 3,
    today: '2026-11-23',
    unsubscribeUrl: 'https://arcus.test/u/x.y',
  };

  it('fills the invoice table, totals per currency, dates in the organisation’s locale, branding and the unsubscribe footer', () => {
    const t = { subject: '{{customer.name}}: {{total_overdue}} overdue ({{invoice.status}})', bodyHtml: '<p>Hi {{contact.first_name}}</p>{{invoices.table}}<p>{{organisation.signature}}</p>', bodyText: 'Hi {{contact.first_name}}\n{{invoices.table}}\nTotal due {{total_due}}\n{{organisation.signature}}' };
    const e = renderEmail(t, ctx);
    expect(e.subject).toBe('Bayside <Cafe>: £1,250.50 overdue (23 days overdue)');
    expect(e.text).toContain('- INV-1: £1,250.50 due 31 Oct 2026 (23 days overdue)\n  https://in.xero.com/abc');
    expect(e.text).toContain('- INV-2: €99.99 due 1 Dec 2026 (due in 8 days)');
    expect(e.text).toContain('Total due £1,250.50 + €99.99');
    expect(e.text).toContain('To stop payment reminders: https://arcus.test/u/x.y');
    expect(e.html).toContain('background:#0b7285');
    expect(e.html).toContain('<a href="https://in.xero.com/abc">View &amp; pay</a>');
    expect(e.html).toContain('Accounts team<br>Harbour Joinery');
    expect(e.html).toContain('href="https://arcus.test/u/x.y"');
    expect(e.html).not.toContain('<Cafe>');
  });

  it('US organisations get US dates and dollars', () => {
    const e = renderEmail({ subject: '{{invoice.due_date}} {{invoice.amount_due}}', bodyHtml: 'x', bodyText: 'x' }, { ...ctx, organisation: { name: 'X', countryCode: 'US' }, invoices: [{ ...ctx.invoices[0]!, currency: 'USD' }] });
    expect(e.subject).toBe('Oct 31, 2026 $1,250.50');
  });
});
