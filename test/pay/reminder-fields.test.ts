/** The reminder merge fields pay links add: {{payment_link}} (the Arcus link) and {{discount_offer}}. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATES } from '../../server/reminders/defaults';
import { validateTemplate } from '../../server/reminders/merge';
import { discountText, type EmailContext, renderEmail } from '../../server/reminders/render';

const ctx: EmailContext = {
  organisation: { name: 'Harbour Joinery Ltd', countryCode: 'GB' },
  settings: { brandColour: '#0b7285', logoUrl: null, signature: 'Accounts', senderName: null },
  customer: { name: 'Bayside Cafe', firstName: 'Sam', contactName: null },
  invoices: [{ number: 'INV-1', issueDate: '2026-10-01', dueDate: '2026-12-20', currency: 'GBP', total: '620.00', amountDue: '620.00', url: 'https://in.xero.com/abc' }],
  stepNumber: 1,
  today: '2026-12-01',
  unsubscribeUrl: null,
};

describe('pay-link merge fields', () => {
  it('{{payment_link}} is the Arcus pay link when given, nothing when null, the ledger link for older callers', () => {
    const t = { subject: 's', bodyHtml: '{{#payment_link}}<a href="{{payment_link}}">Pay</a>{{/payment_link}}', bodyText: '{{payment_link}}|{{^payment_link}}none{{/payment_link}}' };
    expect(renderEmail(t, { ...ctx, payLink: 'https://arcus.example.com/pay/abc' }).text).toBe('https://arcus.example.com/pay/abc|\n');
    expect(renderEmail(t, { ...ctx, payLink: null }).text).toBe('|none\n');
    expect(renderEmail(t, ctx).text).toBe('https://in.xero.com/abc|\n');
  });

  it('{{discount_offer}} reads “Pay by … and save …%”, empty when none', () => {
    const offer = { expiresOn: '2026-12-12', rateBp: 200, amount: '12.40', currency: 'GBP' };
    expect(discountText(offer, 'GB')).toBe('Pay by 12 Dec 2026 and save 2% (£12.40)');
    expect(discountText({ ...offer, rateBp: 250 }, 'GB')).toBe('Pay by 12 Dec 2026 and save 2.5% (£12.40)');
    const t = { subject: 's', bodyHtml: 'x', bodyText: '[{{discount_offer}}]' };
    expect(renderEmail(t, { ...ctx, discountOffer: offer }).text).toBe('[Pay by 12 Dec 2026 and save 2% (£12.40)]\n');
    expect(renderEmail(t, { ...ctx, discountOffer: null }).text).toBe('[]\n');
  });

  it('the built-in templates (the statement included) carry both fields and still validate', () => {
    for (const t of BUILTIN_TEMPLATES) {
      expect(validateTemplate(t.bodyHtml)).toEqual([]);
      expect(t.bodyHtml).toContain('{{#payment_link}}');
      expect(t.bodyText).toContain('{{#discount_offer}}');
    }
    const statement = BUILTIN_TEMPLATES.find((t) => t.id === 'builtin:statement')!;
    const e = renderEmail(statement, { ...ctx, payLink: 'https://arcus.example.com/pay/stmt', discountOffer: { expiresOn: '2026-12-12', rateBp: 200, amount: '12.40', currency: 'GBP' } });
    expect(e.html).toContain('<a href="https://arcus.example.com/pay/stmt">View and pay online</a>');
    expect(e.text).toContain('Pay by 12 Dec 2026 and save 2% (£12.40)');
  });
});
