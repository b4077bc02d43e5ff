/**
 * The configured SMS provider (SMS_PROVIDER): Twilio, the sandbox, or none. An exhaustive switch,
 * called only when chosen, so a setup without texts never builds one.
 */
import type { SmsProvider, SmsProviderName } from './provider';
import { sandboxSmsProvider } from './sandbox';
import { type TwilioSettings, twilioProvider } from './twilio';

export interface SmsSettings {
  provider: SmsProviderName | null;
  twilio: TwilioSettings | null;
  /** Signs the sandbox's webhooks (derived from SESSION_SECRET). */
  sandboxSecret: string;
}

export function createSmsProvider(settings: SmsSettings): SmsProvider | null {
  const p = settings.provider;
  if (p === null) return null;
  switch (p) {
    case 'twilio':
      return settings.twilio ? twilioProvider(settings.twilio) : null;
    case 'sandbox':
      return sandboxSmsProvider({ secret: settings.sandboxSecret });
    default: {
      const never: never = p;
      throw new Error(`Unknown SMS provider ${String(never)}`);
    }
  }
}
