/**
 * The domain check's pure core: the records a client publishes, what a lookup of each means
 * (through a fake resolver — never the network), the verified rule, and who a reminder is from.
 */
import { describe, expect, it } from 'vitest';
import { chooseSender } from '../../server/sender/choose';
import { lookupTxt, type TxtResolver } from '../../server/sender/dns';
import { generateDkimKey, openDkimKey, sealDkimKey } from '../../server/sender/keys';
import { checkLogo } from '../../server/sender/logo';
import { checkDkim, checkDmarc, checkSpf, domainOf, isVerified, recordsFor, selectorFor, spfIncludeFor, statusWords } from '../../server/sender/records';

const key = generateDkimKey();
const INCLUDE = spfIncludeFor('Arcus <reminders@arcus.test>');

/** A fake DNS: names → TXT records; a name mapped to an Error code throws like Node's resolver. */
function fakeResolver(zone: Record<string, string[][] | string>): TxtResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async resolveTxt(name) {
      asked.push(name);
      const v = zone[name];
      if (v === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      if (typeof v === 'string') throw Object.assign(new Error(`queryTxt ${v} ${name}`), { code: v });
      return v;
    },
  };
}

/** A long value split into 255-character strings, as DNS serves it. */
const chunks = (v: string) => v.match(/.{1,255}/g)!;

describe('sender domain records', () => {
  it('generates the three records for a domain, the DKIM key under a selector derived from it', () => {
    expect(INCLUDE).toBe('_spf.arcus.test');
    expect(key.selector).toBe(selectorFor(key.publicKey));
    expect(key.selector).toMatch(/^arcus-[0-9a-f]{8}$/);
    // RSA 2048: the DER SubjectPublicKeyInfo is 294 bytes.
    expect(Buffer.from(key.publicKey, 'base64')).toHaveLength(294);
    expect(recordsFor('client.example', key, INCLUDE)).toEqual([
      { kind: 'spf', type: 'TXT', name: 'client.example', value: 'v=spf1 include:_spf.arcus.test ~all' },
      { kind: 'dkim', type: 'TXT', name: `${key.selector}._domainkey.client.example`, value: `v=DKIM1; k=rsa; p=${key.publicKey}` },
      { kind: 'dmarc', type: 'TXT', name: '_dmarc.client.example', value: 'v=DMARC1; p=none; adkim=r; aspf=r' },
    ]);
  });

  it('reads domains from addresses and refuses what is not one', () => {
    expect(domainOf('Accounts@Client.Example')).toBe('client.example');
    expect(domainOf('a@localhost')).toBeNull();
    expect(domainOf('not an address')).toBeNull();
    expect(domainOf(null)).toBeNull();
  });

  it('found: every record published as shown (the DKIM key split into strings), so the domain is verified', async () => {
    const [spf, dkim, dmarc] = recordsFor('client.example', key, INCLUDE);
    const dns = fakeResolver({
      'client.example': [['google-site-verification=abc'], [spf!.value]],
      [dkim!.name]: [chunks(dkim!.value)],
      [dmarc!.name]: [[dmarc!.value]],
    });
    const checks = [
      { kind: 'spf' as const, status: checkSpf(await lookupTxt(dns, spf!.name), INCLUDE) },
      { kind: 'dkim' as const, status: checkDkim(await lookupTxt(dns, dkim!.name), key.publicKey) },
      { kind: 'dmarc' as const, status: checkDmarc(await lookupTxt(dns, dmarc!.name)) },
    ];
    expect(checks.map((c) => c.status)).toEqual(['found', 'found', 'found']);
    expect(isVerified(checks)).toBe(true);
    expect(dns.asked).toEqual(['client.example', dkim!.name, '_dmarc.client.example']);
  });

  it('missing: no such name, or no TXT there; a failed lookup is neither', async () => {
    const dns = fakeResolver({ 'empty.example': [], 'broken.example': 'ESERVFAIL', 'slow.example': 'ETIMEOUT', 'nodata.example': 'ENODATA' });
    expect(await lookupTxt(dns, 'nowhere.example')).toEqual({ kind: 'none' });
    expect(await lookupTxt(dns, 'empty.example')).toEqual({ kind: 'none' });
    expect(await lookupTxt(dns, 'nodata.example')).toEqual({ kind: 'none' });
    expect(await lookupTxt(dns, 'broken.example')).toEqual({ kind: 'error' });
    expect(await lookupTxt(dns, 'slow.example')).toEqual({ kind: 'error' });
    expect(checkSpf({ kind: 'none' }, INCLUDE)).toBe('missing');
    expect(checkSpf({ kind: 'records', records: [['some-other=thing']] }, INCLUDE)).toBe('missing');
    expect(checkDkim({ kind: 'none' }, key.publicKey)).toBe('missing');
    expect(checkDmarc({ kind: 'records', records: [['v=spf1 -all']] })).toBe('missing');
    expect(checkDkim({ kind: 'error' }, key.publicKey)).toBe('error');
    expect(isVerified([{ kind: 'spf', status: 'found' }, { kind: 'dkim', status: 'found' }, { kind: 'dmarc', status: 'missing' }])).toBe(false);
    expect(isVerified([{ kind: 'spf', status: 'found' }, { kind: 'dkim', status: 'found' }])).toBe(false);
  });

  it('wrong key: a DKIM record with another key, or revoked, is a mismatch and not verified', () => {
    const other = generateDkimKey();
    expect(checkDkim({ kind: 'records', records: [[`v=DKIM1; k=rsa; p=${other.publicKey}`]] }, key.publicKey)).toBe('mismatch');
    expect(checkDkim({ kind: 'records', records: [['v=DKIM1; k=rsa; p=']] }, key.publicKey)).toBe('mismatch');
    // Whitespace a DNS console adds inside the key does not matter.
    expect(checkDkim({ kind: 'records', records: [[`v=DKIM1; k=rsa; p=${key.publicKey.slice(0, 100)} ${key.publicKey.slice(100)}`]] }, key.publicKey)).toBe('found');
    expect(isVerified([{ kind: 'spf', status: 'found' }, { kind: 'dkim', status: 'mismatch' }, { kind: 'dmarc', status: 'found' }])).toBe(false);
  });

  it('SPF without the Arcus include, or two SPF records, is a mismatch; DMARC twice too', () => {
    expect(checkSpf({ kind: 'records', records: [['v=spf1 include:_spf.google.com ~all']] }, INCLUDE)).toBe('mismatch');
    expect(checkSpf({ kind: 'records', records: [['v=spf1 include:_spf.google.com include:_spf.arcus.test -all']] }, INCLUDE)).toBe('found');
    expect(checkSpf({ kind: 'records', records: [['v=spf1 include:_spf.arcus.test ~all'], ['v=spf1 mx -all']] }, INCLUDE)).toBe('mismatch');
    expect(checkDmarc({ kind: 'records', records: [['v=DMARC1; p=none'], ['v=DMARC1; p=reject']] })).toBe('mismatch');
  });

  it('says every state in words, without codes', () => {
    for (const kind of ['spf', 'dkim', 'dmarc'] as const) {
      for (const status of ['unchecked', 'found', 'missing', 'mismatch', 'error'] as const) {
        const words = statusWords(kind, status);
        expect(words).toMatch(/^[A-Z].*\.$/);
        expect(words).not.toMatch(/unchecked|mismatch|_/);
      }
    }
  });
});

describe('who a reminder is from', () => {
  const verified = { fromAddress: 'accounts@client.example', domain: 'client.example', selector: key.selector, verified: true, privateKeyPem: key.privateKeyPem };

  it('a verified domain: from the client, DKIM-signed with its key', () => {
    expect(chooseSender({ mailFromAddress: 'reminders@arcus.test', name: 'Client "Ltd"', replyTo: null, identity: verified })).toEqual({
      from: '"Client Ltd" <accounts@client.example>',
      replyTo: null,
      dkim: { domainName: 'client.example', keySelector: key.selector, privateKey: key.privateKeyPem },
    });
  });

  it('an unverified domain, an address on another domain or no key: from the firm under the client’s name, replies to the client', () => {
    for (const identity of [{ ...verified, verified: false }, { ...verified, fromAddress: 'accounts@elsewhere.example' }, { ...verified, privateKeyPem: null }]) {
      expect(chooseSender({ mailFromAddress: 'reminders@arcus.test', name: 'Client Ltd', replyTo: null, identity })).toEqual({ from: '"Client Ltd" <reminders@arcus.test>', replyTo: identity.fromAddress, dkim: null });
    }
    expect(chooseSender({ mailFromAddress: 'reminders@arcus.test', name: 'Client Ltd', replyTo: 'ar@client.example', identity: { ...verified, verified: false } }).replyTo).toBe('ar@client.example');
    expect(chooseSender({ mailFromAddress: 'reminders@arcus.test', name: 'Client Ltd', replyTo: null, identity: null })).toEqual({ from: '"Client Ltd" <reminders@arcus.test>', replyTo: null, dkim: null });
  });
});

describe('keys and logos', () => {
  it('seals the private key for one organisation and domain only', () => {
    const k = Buffer.alloc(32, 7);
    const sealed = sealDkimKey(k, 'org-1', 'client.example', key.privateKeyPem);
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(openDkimKey(k, 'org-1', 'client.example', sealed)).toBe(key.privateKeyPem);
    expect(() => openDkimKey(k, 'org-2', 'client.example', sealed)).toThrow();
    expect(() => openDkimKey(k, 'org-1', 'other.example', sealed)).toThrow();
  });

  it('takes PNG and JPEG by their bytes, refuses SVG, other files and anything over 256 KB', () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e2a8f5c10000000049454e44ae426082', 'hex');
    expect(checkLogo(png.toString('base64')).type).toBe('image/png');
    expect(checkLogo(`data:image/png;base64,${png.toString('base64')}`).type).toBe('image/png');
    expect(checkLogo(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]).toString('base64')).type).toBe('image/jpeg');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64');
    expect(() => checkLogo(svg)).toThrow('Choose a PNG or JPEG image.');
    expect(() => checkLogo('not base64 !')).toThrow('Choose a PNG or JPEG image.');
    const big = Buffer.concat([png, Buffer.alloc(256 * 1024)]);
    expect(() => checkLogo(big.toString('base64'))).toThrow('The logo is larger than 256 KB: choose a smaller image.');
  });
});
