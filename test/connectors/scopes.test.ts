/**
 * The scopes Arcus asks for (docs/app-store.md, "Scopes"): Xero's granular scopes — exactly the
 * ones the calls in integrations/xero use — and QuickBooks' one accounting scope; the OpenID
 * scopes only for sign-in and sign-up.
 */
import { describe, expect, it } from 'vitest';
import { intuitEndpoints, XERO_SCOPE_SETS, xeroEndpoints } from '../../integrations/ledger/endpoints';
import { createIntuitOAuth } from '../../integrations/quickbooks/oauth';
import { createXeroOAuth } from '../../integrations/xero/oauth';

const p = { state: 's', redirectUri: 'https://arcus.example/oauth/xero/callback', codeChallenge: 'c', nonce: 'n' };
const scopesOf = (url: string) => new URL(url).searchParams.get('scope')!.split(' ');

describe('requested scopes', () => {
  for (const sandbox of [null, 'http://127.0.0.1:9']) {
    it(`Xero connect asks for exactly the granular scopes Arcus uses (${sandbox ? 'sandbox' : 'xero.com'})`, () => {
      const xero = createXeroOAuth({ endpoints: xeroEndpoints(sandbox), clientId: 'id', clientSecret: 'secret' });
      expect(scopesOf(xero.consentUrl(p))).toEqual(['offline_access', 'accounting.invoices', 'accounting.payments', 'accounting.contacts.read', 'accounting.settings.read']);
      // None of the broad scopes Xero retired for apps created after March 2026, no write access to contacts or settings.
      expect(scopesOf(xero.consentUrl(p))).not.toContain('accounting.transactions');
      expect(scopesOf(xero.consentUrl(p)).filter((s) => s === 'accounting.contacts' || s === 'accounting.settings')).toEqual([]);
      expect(scopesOf(xero.consentUrl({ ...p, signIn: true }))).toEqual(['openid', 'profile', 'email']);
      expect(scopesOf(xero.consentUrl({ ...p, signUp: true }))).toEqual(['openid', 'profile', 'email', ...XERO_SCOPE_SETS.granular]);
    });

    it(`QuickBooks connect asks for the accounting scope only; sign-up adds the OpenID scopes (${sandbox ? 'sandbox' : 'intuit.com'})`, () => {
      const qbo = createIntuitOAuth({ endpoints: intuitEndpoints(sandbox), clientId: 'id', clientSecret: 'secret' });
      expect(scopesOf(qbo.consentUrl(p))).toEqual(['com.intuit.quickbooks.accounting']);
      expect(scopesOf(qbo.consentUrl({ ...p, signIn: true }))).toEqual(['openid', 'profile', 'email']);
      expect(scopesOf(qbo.consentUrl({ ...p, signUp: true }))).toEqual(['openid', 'profile', 'email', 'com.intuit.quickbooks.accounting']);
    });
  }

  it('the broad set gives the same access in the scopes granular ones replace', () => {
    expect(XERO_SCOPE_SETS.broad).toEqual(['offline_access', 'accounting.transactions', 'accounting.contacts.read', 'accounting.settings.read']);
  });
});
