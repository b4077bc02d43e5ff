/** SMS_PROVIDER from the environment: Twilio with its credentials, the sandbox in demo mode, refusals in words. */
import { describe, expect, it } from 'vitest';
import { createSmsProvider } from '../../integrations/sms/factory';
import { loadConfig } from '../../server/config';

describe('SMS provider configuration', () => {
  it('Twilio when its credentials are set; the sandbox in embedded mode; none otherwise', () => {
    const twilio = loadConfig({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+447700140000' });
    expect(twilio.sms).toEqual({ provider: 'twilio', twilio: { accountSid: 'AC1', authToken: 'tok', from: '+447700140000', messagingServiceSid: null, apiBase: 'https://api.twilio.com' } });
    expect(createSmsProvider({ ...twilio.sms, sandboxSecret: 's' })?.name).toBe('twilio');
    const embedded = loadConfig({});
    expect(embedded.sms.provider).toBe('sandbox');
    expect(createSmsProvider({ ...embedded.sms, sandboxSecret: 's' })?.name).toBe('sandbox');
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', SESSION_SECRET: 's'.repeat(32), TOKEN_ENCRYPTION_KEY: 'ab'.repeat(32) }).sms.provider).toBeNull();
  });

  it('SMS_PROVIDER=twilio without its credentials is refused, naming what is missing', () => {
    expect(() => loadConfig({ SMS_PROVIDER: 'twilio' })).toThrow(/TWILIO_ACCOUNT_SID.*required when SMS_PROVIDER is twilio/s);
  });
});
