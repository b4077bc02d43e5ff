/**
 * A request path fit for the logs: no query string, and the bearer tokens in debtors' links
 * (pay links, the sandbox checkout, unsubscribe links) replaced by ':token'.
 */
export function logPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.replace(/^\/(pay\/sandbox-checkout|pay-api|pay|u)\/[^/]+/, '/$1/:token');
}
