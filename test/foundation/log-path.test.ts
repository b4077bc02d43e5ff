/** Request logs carry paths without query strings or the bearer tokens of debtors' links. */
import { expect, it } from 'vitest';
import { logPath } from '../../server/http/log-path';

it('replaces pay, checkout and unsubscribe tokens and drops the query', () => {
  expect(logPath('/pay/AbC_123-xyz')).toBe('/pay/:token');
  expect(logPath('/pay-api/AbC_123-xyz/checkout')).toBe('/pay-api/:token/checkout');
  expect(logPath('/pay-api/AbC_123/checkouts/5f1c?session_id=cs_1')).toBe('/pay-api/:token/checkouts/5f1c');
  expect(logPath('/pay/sandbox-checkout/sess_1')).toBe('/pay/sandbox-checkout/:token');
  expect(logPath('/u/tok.sig')).toBe('/u/:token');
  expect(logPath('/api/writebacks?status=pending')).toBe('/api/writebacks');
  expect(logPath('/oauth/xero/callback?code=secret&state=s')).toBe('/oauth/xero/callback');
});
