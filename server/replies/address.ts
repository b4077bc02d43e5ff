/**
 * The reply address a reminder carries, pure: reply+<the send's token>@<domain>, on the client's
 * domain when the reminder goes from it (verified and DKIM-signed, server/sender/choose.ts), else
 * on the firm's reply domain (REPLY_DOMAIN). Null without a reply domain or a token: the Reply-To
 * stays as chosen before (issue #17).
 */
export function replyAddress(token: string, domain: string): string {
  return `reply+${token}@${domain}`;
}

export function replyAddressFor(token: string | null | undefined, sender: { dkim: { domainName: string } | null }, replyDomain: string | null | undefined): string | null {
  if (!token || !replyDomain) return null;
  return replyAddress(token, sender.dkim?.domainName ?? replyDomain);
}
