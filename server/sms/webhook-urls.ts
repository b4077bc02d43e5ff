/** Where the SMS provider posts to Arcus (configure the inbound URL on the Twilio number). */
export const SMS_WEBHOOK_MOUNT = '/webhooks/sms';

export function smsStatusCallbackUrl(appUrl: string): string {
  return `${appUrl.replace(/\/+$/, '')}${SMS_WEBHOOK_MOUNT}/status`;
}

export function smsInboundUrl(appUrl: string): string {
  return `${appUrl.replace(/\/+$/, '')}${SMS_WEBHOOK_MOUNT}/inbound`;
}
