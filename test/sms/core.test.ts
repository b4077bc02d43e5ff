/** The pure parts of texts: keywords, segments, phone numbers to E.164 with the organisation's country. */
import { describe, expect, it } from 'vitest';
import { keywordOf } from '../../server/sms/keywords';
import { customerPhones, normalisePhone, smsNumber } from '../../server/sms/phone';
import { countSegments } from '../../kernel/sms-segments';
import { phonesInWords, smsText } from '../../server/reminders/phone-steps';

describe('SMS keywords', () => {
  it('STOP and its synonyms, trimmed, any case, opt out; START / UNSTOP opt in; anything else is a reply', () => {
    for (const w of ['STOP', 'stop', ' Stop ', 'STOPALL', 'unsubscribe', 'End', 'CANCEL', 'quit', 'Stop.']) expect(keywordOf(w), w).toBe('stop');
    for (const w of ['START', 'unstop', ' Start ']) expect(keywordOf(w), w).toBe('start');
    for (const w of ['please stop texting', 'I paid', '', 'STOP NOW', 'YES']) expect(keywordOf(w), w).toBeNull();
  });
});

describe('SMS segments', () => {
  it('GSM-7: 160 in one, 153 a part; an extension character counts two; anything else is UCS-2 (70 / 67)', () => {
    expect(countSegments('a'.repeat(160))).toEqual({ encoding: 'gsm', units: 160, segments: 1 });
    expect(countSegments('a'.repeat(161)).segments).toBe(2);
    expect(countSegments('a'.repeat(306)).segments).toBe(2);
    expect(countSegments('a'.repeat(307)).segments).toBe(3);
    expect(countSegments('€'.repeat(80))).toEqual({ encoding: 'gsm', units: 160, segments: 1 });
    expect(countSegments('£1,250.00 is due')).toMatchObject({ encoding: 'gsm', segments: 1 });
    expect(countSegments('The customer’s invoice')).toMatchObject({ encoding: 'ucs2', segments: 1 });
    expect(countSegments('’'.repeat(71)).segments).toBe(2);
  });

  it('adds the opt-out line when the text has none', () => {
    expect(smsText('Invoice INV-1 is due.  ')).toBe('Invoice INV-1 is due. Reply STOP to opt out.');
    expect(smsText('Text STOP to stop these.')).toBe('Text STOP to stop these.');
  });
});

describe('Phone numbers', () => {
  it('national numbers take the organisation’s country; international ones keep theirs; 00 is +', () => {
    expect(normalisePhone('07911 123456', 'GB')).toEqual({ e164: '+447911123456', lineType: 'mobile' });
    expect(normalisePhone('0412 345 678', 'AU')).toEqual({ e164: '+61412345678', lineType: 'mobile' });
    expect(normalisePhone('+1 (415) 555-2671', 'GB')).toMatchObject({ e164: '+14155552671' });
    expect(normalisePhone('0044 7911 123456', 'US')).toMatchObject({ e164: '+447911123456' });
    expect(normalisePhone('12', 'GB')).toHaveProperty('problem');
    expect(normalisePhone('07911 123456', null)).toHaveProperty('problem');
  });

  it('reads the ledger’s phones, else Xero’s raw Phones, else QuickBooks’; picks the mobile; says why one is unusable', () => {
    const xero = { Phones: [{ PhoneType: 'DEFAULT', PhoneNumber: '7946 0018', PhoneAreaCode: '020', PhoneCountryCode: '' }, { PhoneType: 'MOBILE', PhoneNumber: '911 123456', PhoneAreaCode: '07', PhoneCountryCode: '' }, { PhoneType: 'FAX', PhoneNumber: '7946 0019', PhoneAreaCode: '020' }] };
    const fromXero = customerPhones([], xero, 'GB');
    expect(fromXero.map((p) => [p.type, p.e164])).toEqual([
      ['default', '+442079460018'],
      ['mobile', '+447911123456'],
    ]);
    expect(smsNumber(fromXero)?.e164).toBe('+447911123456');
    const qbo = customerPhones([], { PrimaryPhone: { FreeFormNumber: '(415) 555-2671' }, Mobile: { FreeFormNumber: '12' } }, 'US');
    expect(qbo.map((p) => [p.type, p.e164, p.problem !== null])).toEqual([
      ['mobile', null, true],
      ['default', '+14155552671', false],
    ]);
    expect(phonesInWords(qbo)).toBe('Mobile 12 (the number is not a valid phone number for its country); Phone +1 415 555 2671');
    // A landline only: nothing to text.
    expect(smsNumber(customerPhones([{ type: 'default', number: '020 7946 0018' }], null, 'GB'))).toBeNull();
  });
});
