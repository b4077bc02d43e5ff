/** Server-rendered pages of the sandbox's authorize endpoints: consent and error. */
import type { SbCompany } from '../model';
import type { OAuthProvider } from './provider';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1f2933; margin: 0; }
  main { max-width: 32rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 2rem; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  h1 { font-size: 1.3rem; margin-top: 0; }
  .sandbox { display: inline-block; font-size: .75rem; background: #fde68a; border-radius: 4px; padding: .1rem .4rem; margin-bottom: 1rem; }
  fieldset { border: 1px solid #d5d9de; border-radius: 6px; margin: 1rem 0; }
  label { display: block; padding: .3rem 0; }
  ul.scopes { padding-left: 1.2rem; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .55rem 1.2rem; border-radius: 6px; border: 1px solid #9aa5b1; background: #fff; cursor: pointer; }
  button.allow { background: #13b5ea; border-color: #13b5ea; color: #fff; }
  .error { color: #b42318; }
</style>
</head>
<body><main><span class="sandbox">Sandbox ledger</span>
${body}
</main></body>
</html>`;
}

export function consentPage(p: {
  provider: OAuthProvider;
  action: string;
  requestId: string;
  clientId: string;
  scopes: string[];
  companies: SbCompany[];
  needsCompany: boolean;
  error?: string;
}): string {
  const { provider } = p;
  const user = provider.user;
  const inputs = p.companies
    .map((c, i) => {
      const type = provider.multiCompany ? 'checkbox' : 'radio';
      const checked = provider.multiCompany || i === 0 ? ' checked' : '';
      return `<label><input type="${type}" name="company" value="${escapeHtml(c.id)}"${checked}> ${escapeHtml(provider.describeCompany(c))}</label>`;
    })
    .join('\n');
  const picker = p.needsCompany
    ? `<fieldset><legend>${provider.multiCompany ? 'Organisations to connect' : 'Company to connect'}</legend>
${inputs || '<p class="error">There are no companies in this sandbox.</p>'}
</fieldset>`
    : '';
  return page(
    `${provider.label} sandbox: allow access`,
    `<h1>Allow <code>${escapeHtml(p.clientId)}</code> to access your ${escapeHtml(provider.label)} account?</h1>
<p>Signed in as <strong>${escapeHtml(`${user.givenName} ${user.familyName}`)}</strong> (${escapeHtml(user.email)}).</p>
${p.error ? `<p class="error">${escapeHtml(p.error)}</p>` : ''}
<p>The app asks for:</p>
<ul class="scopes">${p.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>
<form method="post" action="${escapeHtml(p.action)}">
<input type="hidden" name="request_id" value="${escapeHtml(p.requestId)}">
${picker}
<div class="actions">
<button type="submit" name="decision" value="allow" class="allow">Allow access</button>
<button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
</div>
</form>`,
  );
}

export function errorPage(provider: OAuthProvider, error: string, description: string): string {
  return page(`${provider.label} sandbox: ${error}`, `<h1>${escapeHtml(provider.label)} cannot continue</h1>
<p class="error"><code>${escapeHtml(error)}</code>: ${escapeHtml(description)}</p>
<p>The app that sent you here passed an invalid authorization request.</p>`);
}
