/**
 * A request path fit for the logs: no query string, the bearer tokens in debtors' links (pay
 * links, the sandbox checkout, unsubscribe links) replaced by ':token', an email address in a
 * path (an unsubscribe being lifted) replaced by ':address', and cut to 300 characters.
 */
export function logPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  const masked = path
    .replace(/^\/(pay\/sandbox-checkout|pay-api|pay|u)\/[^/]+/, '/$1/:token')
    .replace(/\/unsubscribes\/[^/]+/, '/unsubscribes/:address')
    .replace(/[^/]*(@|%40)[^/]*/g, ':address');
  return masked.length > 300 ? `${masked.slice(0, 300)}…` : masked;
}
