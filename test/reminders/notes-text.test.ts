/** Ledger note texts, QuickBooks PrivateNote appends and unsubscribe tokens. */
import { describe, expect, it } from 'vitest';
import { appendPrivateNote } from '../../integrations/quickbooks/notes';
import { noteText } from '../../server/reminders/note-text';
import { maskAddress, maskEmails } from '../../server/reminders/recipients';
import { unsubscribeToken, verifyUnsubscribeToken } from '../../server/reminders/unsubscribe';

describe('ledger notes', () => {
  it('fits Xero’s 250 characters with the link whole and the address masked', () => {
    const id = '4a0c2d6e-8f41-4b6e-9d0a-1c2b3d4e5f60';
    expect(noteText({ appUrl: 'https://arcus.example/', sendId: id, stepNumber: 2, recipients: ['ap@bayside.example'], grouped: false, invoiceCount: 1, sentOn: '2026-11-23' })).toBe(`Arcus: reminder 2 sent 2026-11-23 to ap@… · https://arcus.example/reminders/sends/${id}`);
    const long = noteText({ appUrl: `https://${'a'.repeat(150)}.example`, sendId: id, stepNumber: 12, recipients: ['averyveryverylongname@x.example', 'b@y.example', 'c@z.example'], grouped: true, invoiceCount: 14, sentOn: '2026-11-23' });
    expect(long.length).toBeLessThanOrEqual(250);
    expect(long.endsWith(`/reminders/sends/${id}`)).toBe(true);
    expect(maskAddress('accounts.payable.team@x.example')).toBe('accounts.pay@…');
    expect(maskEmails('451 4.7.1 <ap@bayside.example>: Recipient address rejected, try sam@x.example')).toBe('451 4.7.1 <ap@…>: Recipient address rejected, try sam@…');
  });

  it('appends to a PrivateNote and drops the oldest lines past 4000 characters', () => {
    expect(appendPrivateNote('', 'Arcus: a')).toBe('Arcus: a');
    expect(appendPrivateNote('Staff note', 'Arcus: a')).toBe('Staff note\nArcus: a');
    const full = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(90)}`).join('\n');
    const next = appendPrivateNote(full, 'Arcus: new');
    expect(next.length).toBeLessThanOrEqual(4000);
    expect(next.endsWith('\nArcus: new')).toBe(true);
    expect(next.startsWith('line 0 ')).toBe(false);
  });
});

describe('unsubscribe tokens', () => {
  it('verify with the secret and refuse tampering', () => {
    const id = '4a0c2d6e-8f41-4b6e-9d0a-1c2b3d4e5f60';
    const t = unsubscribeToken('s'.repeat(32), id);
    expect(verifyUnsubscribeToken('s'.repeat(32), t)).toBe(id);
    expect(verifyUnsubscribeToken('t'.repeat(32), t)).toBeNull();
    expect(verifyUnsubscribeToken('s'.repeat(32), t.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBeNull();
    expect(verifyUnsubscribeToken('s'.repeat(32), `x${t}`)).toBeNull();
  });
});
