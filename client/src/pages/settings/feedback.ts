/** The OAuth redirect's query (?connected=N, ?error=code) in words. */
const PROVIDER: Record<string, string> = { xero: 'Xero', quickbooks: 'QuickBooks', intuit: 'Intuit' };

export function errorInWords(code: string, provider?: string | null): string {
  const p = (provider && PROVIDER[provider]) || 'the ledger';
  switch (code) {
    case 'access_denied':
      return `You cancelled on ${p}'s page, so nothing was connected.`;
    case 'state_invalid':
      return 'That connection link was already used or did not come from this browser. Start again with the button below.';
    case 'state_expired':
      return 'The connection took longer than 10 minutes and expired. Start again with the button below.';
    case 'exchange_failed':
      return `${p} did not complete the authorisation. Try again in a moment.`;
    case 'no_tenants':
      return `No organisation was chosen on ${p}'s page.`;
    case 'provider_not_configured':
      return `${p} is not set up on this Arcus server yet.`;
    case 'forbidden':
      return 'Only firm admins can connect or reconnect ledgers.';
    case 'not_signed_in':
      return 'Your session ended during the connection. Sign in and try again.';
    case 'reconnect_mismatch':
      return `A different organisation was chosen on ${p}'s page than the one you were reconnecting.`;
    case 'already_connected_elsewhere':
      return 'That organisation is already connected to another Arcus firm.';
    case 'plan_limit':
      return 'Your plan’s limit of connected clients is reached, or your subscription is not in good standing: disconnect a client or change plan to connect more. Settings › Billing shows your plan.';
    case 'rate_limited':
      return `${p} was rate-limiting Arcus, so the organisation could not be read yet. Try again in a minute.`;
    case 'none_connected':
      return 'None of the chosen organisations was connected.';
    case 'organisation_unreadable':
      return `${p} did not let Arcus read the organisation's details. Try again.`;
    case 'disconnected_in_provider':
      return `${p} told Arcus it was disconnected. Synced history is kept; sign in and reconnect to resume syncing.`;
    case 'sign_in_failed':
      return `Signing in with ${p} did not work. Try again.`;
    default:
      return `${p} reported a problem. Try again.`;
  }
}
