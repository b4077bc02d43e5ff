/**
 * Pure parts of the sandbox Xero API: the where/order language, Xero date and amount formats,
 * the time-zone table, and the contract validator itself (it must reject what the spec forbids).
 */
import { describe, expect, it } from 'vitest';
import { amountOut, parseAmount, parseQuantity } from '../../integrations/sandbox/xero/amounts';
import { msDate, msDateTime, parseCalendarDate, parseInstant } from '../../integrations/sandbox/xero/dates';
import { XeroQueryError, XeroValidationError } from '../../integrations/sandbox/xero/http';
import { IANA_TO_XERO_TIMEZONE, ianaTimezone, XERO_TO_IANA_TIMEZONE, xeroTimezone } from '../../integrations/sandbox/xero/timezones';
import { stableUuid } from '../../integrations/sandbox/xero/view';
import { compareDecimal, compileOrder, compileWhere, type FieldMap, type WValue } from '../../integrations/sandbox/xero/where';
import { isTimeZone } from '../../kernel/dates';
import { xeroSpec } from './xero-contract';

interface Doc {
  name: string;
  status: string;
  amount: string;
  date: number;
  id: string;
  flag: boolean;
  email: string | null;
}

const fields: FieldMap<Doc> = new Map<string, { type: 'str' | 'num' | 'date' | 'bool' | 'guid'; get: (d: Doc) => WValue }>([
  ['name', { type: 'str', get: (d) => ({ t: 'str', v: d.name }) }],
  ['status', { type: 'str', get: (d) => ({ t: 'str', v: d.status }) }],
  ['amountdue', { type: 'num', get: (d) => ({ t: 'num', v: d.amount }) }],
  ['date', { type: 'date', get: (d) => ({ t: 'date', v: d.date }) }],
  ['contact.contactid', { type: 'guid', get: (d) => ({ t: 'guid', v: d.id }) }],
  ['iscustomer', { type: 'bool', get: (d) => ({ t: 'bool', v: d.flag }) }],
  ['emailaddress', { type: 'str', get: (d) => (d.email === null ? { t: 'null' } : { t: 'str', v: d.email }) }],
]);

const ID = '5f0c2d6e-1b1a-4a8e-9d55-0f5a2b1c3d4e';
const docs: Doc[] = [
  { name: 'Alpha "A" Ltd', status: 'AUTHORISED', amount: '10.50', date: Date.UTC(2024, 0, 1), id: ID, flag: true, email: 'a@x.example' },
  { name: 'Beta', status: 'PAID', amount: '0.00', date: Date.UTC(2024, 5, 1), id: '00000000-0000-4000-8000-000000000000', flag: false, email: null },
  { name: 'gamma', status: 'AUTHORISED', amount: '10.5', date: Date.UTC(2023, 11, 31, 23, 59, 59), id: ID, flag: true, email: 'g@x.example' },
];
const names = (where: string) => docs.filter(compileWhere(where, fields, 'Invoice')).map((d) => d.name);

describe('where', () => {
  it('evaluates comparisons, logic, parentheses and literals', () => {
    expect(names('Status=="AUTHORISED"')).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names('Status = "PAID" OR AmountDue > 10')).toEqual(['Alpha "A" Ltd', 'Beta', 'gamma']);
    expect(names('AmountDue == 10.5')).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names('AmountDue >= 10.51')).toEqual([]);
    expect(names('AmountDue > -1 && AmountDue <> 0')).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names('Date >= DateTime(2024,01,01)')).toEqual(['Alpha "A" Ltd', 'Beta']);
    expect(names('Date < DateTime(2024, 1, 1, 0, 0, 0)')).toEqual(['gamma']);
    expect(names(`Contact.ContactID == guid("${ID.toUpperCase()}")`)).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names(`Contact.ContactID == Guid("${ID}") AND NOT (Name == "gamma")`)).toEqual(['Alpha "A" Ltd']);
    expect(names('Name == "Alpha ""A"" Ltd"')).toEqual(['Alpha "A" Ltd']);
    expect(names('IsCustomer == true')).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names('IsCustomer')).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names('!IsCustomer')).toEqual(['Beta']);
    expect(names('EmailAddress == null')).toEqual(['Beta']);
    expect(names('EmailAddress != null && EmailAddress.EndsWith("x.example")')).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names('Name.ToLower().StartsWith("gam") || Name.Contains("eta")')).toEqual(['Beta', 'gamma']);
    expect(names('(Status=="PAID" || Status=="AUTHORISED") && (AmountDue>0)')).toEqual(['Alpha "A" Ltd', 'gamma']);
    expect(names('name=="Beta"')).toEqual(['Beta']);
    expect(names('  ')).toEqual(['Alpha "A" Ltd', 'Beta', 'gamma']);
  });

  it('rejects what it cannot read, with Xero-like messages', () => {
    const bad = (where: string) => () => compileWhere(where, fields, 'Invoice');
    expect(bad('Nope == 1')).toThrow(new XeroQueryError("No property or field 'Nope' exists in type 'Invoice' (at index 0)"));
    expect(bad('Contact.Nope == 1')).toThrow(/No property or field 'Contact.Nope'/);
    expect(bad('Date == "2024-01-01"')).toThrow(/Operator '==' incompatible with operand types 'DateTime' and 'String'/);
    expect(bad('Name > 1')).toThrow(/incompatible/);
    expect(bad('IsCustomer > false')).toThrow(/incompatible/);
    expect(bad('Name')).toThrow(/expected to be 'Boolean'/);
    expect(bad('Name == "x" &&')).toThrow(XeroQueryError);
    expect(bad('(Name == "x"')).toThrow(/'\)' expected/);
    expect(bad('Name == "x")')).toThrow(/Syntax error/);
    expect(bad('Name == "x')).toThrow(/Unterminated/);
    expect(bad('Name.Frobnicate()')).toThrow(/No applicable method/);
    expect(bad('Name.Contains(1)')).toThrow(/one String argument/);
    expect(bad('DateTime(2024,2,30) < Date')).toThrow(/not a valid date/);
    expect(bad('guid("x") == Contact.ContactID')).toThrow(/GUID/);
    expect(bad('Name == "x" # 1')).toThrow(/unexpected character/);
  });

  it('orders by several keys, nulls first, stably', () => {
    const byStatus = compileOrder('Status DESC, Date', fields, 'Invoice')!;
    expect([...docs].sort(byStatus).map((d) => d.name)).toEqual(['Beta', 'gamma', 'Alpha "A" Ltd']);
    const byEmail = compileOrder('EmailAddress', fields, 'Invoice')!;
    expect([...docs].sort(byEmail).map((d) => d.name)).toEqual(['Beta', 'Alpha "A" Ltd', 'gamma']);
    const byAmount = compileOrder('AmountDue ASC', fields, 'Invoice')!;
    expect([...docs].sort(byAmount).map((d) => d.name)).toEqual(['Beta', 'Alpha "A" Ltd', 'gamma']);
    expect(compileOrder('', fields, 'Invoice')).toBeNull();
    expect(() => compileOrder('Nope', fields, 'Invoice')).toThrow(/No property or field 'Nope'/);
    expect(() => compileOrder('Name UP', fields, 'Invoice')).toThrow(/Invalid order direction/);
  });

  it('compares decimals exactly', () => {
    expect(compareDecimal('10.50', '10.5')).toBe(0);
    expect(compareDecimal('-0.01', '0')).toBe(-1);
    expect(compareDecimal('123456789012345678.01', '123456789012345678.001')).toBe(1);
  });
});

describe('dates', () => {
  it('writes MS JSON dates at midnight UTC and instants as they are', () => {
    expect(msDate('2024-03-01')).toBe(`/Date(${Date.UTC(2024, 2, 1)}+0000)/`);
    expect(msDateTime(1700000000123)).toBe('/Date(1700000000123+0000)/');
  });

  it('reads MS JSON, ISO dates and ISO date-times as calendar dates', () => {
    expect(parseCalendarDate('/Date(1709251200000+0000)/')).toBe('2024-03-01');
    expect(parseCalendarDate('/Date(1709251200000)/')).toBe('2024-03-01');
    expect(parseCalendarDate('2024-03-01')).toBe('2024-03-01');
    expect(parseCalendarDate('2024-03-01T00:00:00')).toBe('2024-03-01');
    expect(parseCalendarDate('2024-03-01T00:00:00.000Z')).toBe('2024-03-01');
    expect(parseCalendarDate('2024-02-30')).toBeNull();
    expect(parseCalendarDate('01/03/2024')).toBeNull();
    expect(parseCalendarDate(20240301)).toBeNull();
  });

  it('reads If-Modified-Since in HTTP, ISO (zone-less is UTC) and MS forms', () => {
    expect(parseInstant(undefined)).toBeNull();
    expect(parseInstant('Tue, 14 Nov 2023 22:13:20 GMT')).toBe(1700000000000);
    expect(parseInstant('2023-11-14T22:13:20.000Z')).toBe(1700000000000);
    expect(parseInstant('2023-11-14T22:13:20')).toBe(1700000000000);
    expect(parseInstant('2023-11-15T11:13:20+13:00')).toBe(1700000000000);
    expect(parseInstant('2023-11-15T11:13:20+1300')).toBe(1700000000000);
    expect(parseInstant('2023-11-14')).toBe(Date.UTC(2023, 10, 14));
    expect(parseInstant('/Date(1700000000000+0000)/')).toBe(1700000000000);
    expect(parseInstant('whenever')).toBeNaN();
  });
});

describe('amounts', () => {
  it('goes out as numbers built from exact decimals', () => {
    expect(amountOut(287_615)).toBe(2876.15);
    expect(amountOut(-5)).toBe(-0.05);
    expect(amountOut(10)).toBe(0.1);
  });

  it('reads numbers as written, up to 4 places, rounding to cents', () => {
    expect(parseAmount(2876.15, 'Amount')).toBe(287_615);
    expect(parseAmount('0.1', 'Amount')).toBe(10);
    expect(parseAmount(1.005, 'Amount')).toBe(101);
    expect(parseAmount(1.2344, 'Amount')).toBe(123);
    expect(parseAmount(-3, 'Amount')).toBe(-300);
    expect(() => parseAmount(1.23456, 'Amount')).toThrow(XeroValidationError);
    expect(() => parseAmount('ten', 'Amount')).toThrow(/must be a number/);
    expect(() => parseAmount(Number.NaN, 'Amount')).toThrow(/must be a number/);
    expect(() => parseAmount(-1, 'Amount', { allowNegative: false })).toThrow(/cannot be negative/);
  });

  it('reads quantities as normalised decimal strings', () => {
    expect(parseQuantity(2)).toBe('2');
    expect(parseQuantity(1.5)).toBe('1.5');
    expect(parseQuantity('001.2500')).toBe('1.25');
    expect(() => parseQuantity(-1)).toThrow(/cannot be negative/);
    expect(() => parseQuantity(0.00001)).toThrow(/4 decimal places/);
  });
});

describe('time zones', () => {
  it('maps IANA zones to names in the spec enum, and back', () => {
    const allowed = new Set(xeroSpec().doc.components.schemas.TimeZone!.enum);
    for (const [iana, xero] of Object.entries(IANA_TO_XERO_TIMEZONE)) {
      expect(isTimeZone(iana), iana).toBe(true);
      expect(allowed.has(xero), xero).toBe(true);
      expect(isTimeZone(XERO_TO_IANA_TIMEZONE[xero]!)).toBe(true);
    }
    expect(xeroTimezone('Pacific/Auckland')).toBe('NEWZEALANDSTANDARDTIME');
    expect(xeroTimezone('Europe/London')).toBe('GMTSTANDARDTIME');
    expect(xeroTimezone('Mars/Olympus_Mons')).toBe('UTC');
    expect(ianaTimezone('NEWZEALANDSTANDARDTIME')).toBe('Pacific/Auckland');
    expect(ianaTimezone('AUSEASTERNSTANDARDTIME')).toBe('Australia/Sydney');
    expect(ianaTimezone('gmtstandardtime')).toBe('Europe/London');
    expect(ianaTimezone('NOWHERE')).toBeNull();
  });
});

describe('contract validator', () => {
  it('rejects shapes the spec forbids (so a passing contract test means something)', () => {
    const { validators } = xeroSpec();
    expect(validators.Invoices({ Invoices: [{ InvoiceID: stableUuid('x'), Total: 12.5, Status: 'AUTHORISED', Date: '/Date(0+0000)/' }] })).toBe(true);
    expect(validators.Invoices({ Invoices: [{ Total: '12.50' }] })).toBe(false);
    expect(validators.Invoices({ Invoices: [{ Status: 'OPEN' }] })).toBe(false);
    expect(validators.Invoices({ Invoices: [{ InvoiceID: 'INV-1' }] })).toBe(false);
    expect(validators.Invoices({ Invoices: [{ Contact: { ContactID: 'nope' } }] })).toBe(false);
    expect(validators.Invoices({ Invoices: [{ CurrencyCode: 'XXX' }] })).toBe(false);
    expect(validators.Invoices({ Invoices: [{ Reference: null }] })).toBe(false);
    expect(validators.Payments({ Payments: [{ PaymentType: 'ACCRECPAYMENT', Amount: 1, Account: { AccountID: stableUuid('a'), Code: '090' } }] })).toBe(true);
    expect(validators.Allocations({ Allocations: [{ Amount: 1 }] })).toBe(false);
    expect(validators.Organisations({ Organisations: [{ Timezone: 'Pacific/Auckland' }] })).toBe(false);
  });

  it('derives stable v5-shaped uuids', () => {
    expect(stableUuid('a', 'b')).toBe(stableUuid('a', 'b'));
    expect(stableUuid('a', 'b')).not.toBe(stableUuid('ab'));
    expect(stableUuid('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
