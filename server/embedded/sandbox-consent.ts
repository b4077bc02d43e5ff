/**
 * Answers the sandbox ledger's consent page over HTTP, as a person would in the browser:
 * GET the authorize URL, read the form, POST "Allow" with the chosen companies, and return
 * the callback URL the sandbox redirects to (with `code`, `state`, and for Intuit `realmId`).
 * Used by the embedded demo connector and by tests; it only works against the sandbox.
 */
const hidden = (html: string, name: string): string | null => {
  const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`<input[^>]*value="([^"]*)"[^>]*name="${name}"`).exec(html);
  return m ? m[1]! : null;
};

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export class SandboxConsentError extends Error {
  override name = 'SandboxConsentError';
}

/**
 * @param companyIds companies to tick (null: keep the page's defaults — every Xero organisation, the first QuickBooks company)
 * @param decision 'allow' or 'cancel'
 */
export async function answerSandboxConsent(authorizeUrl: string, options: { companyIds?: string[] | null; decision?: 'allow' | 'cancel' } = {}): Promise<URL> {
  const first = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = first.headers.get('location');
  if (first.status >= 300 && first.status < 400 && location) return new URL(location, authorizeUrl);
  const html = await first.text();
  if (first.status !== 200) throw new SandboxConsentError(`the sandbox refused the authorization request (${first.status})`);
  const requestId = hidden(html, 'request_id');
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (!requestId || !action) throw new SandboxConsentError('no consent form on the sandbox page');
  let companies = options.companyIds ?? null;
  if (companies === null) companies = [...html.matchAll(/<input type="(?:checkbox|radio)" name="company" value="([^"]*)"( checked)?>/g)].filter((m) => m[2]).map((m) => unescapeHtml(m[1]!));
  const form = new URLSearchParams({ request_id: unescapeHtml(requestId), decision: options.decision ?? 'allow' });
  for (const c of companies) form.append('company', c);
  const posted = await fetch(new URL(unescapeHtml(action), authorizeUrl), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  const back = posted.headers.get('location');
  if (posted.status < 300 || posted.status >= 400 || !back) throw new SandboxConsentError(`the sandbox did not redirect back after consent (${posted.status})`);
  return new URL(back, authorizeUrl);
}
