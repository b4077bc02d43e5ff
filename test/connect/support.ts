
import type { Database } from '../../server/db/client';
import { writeSession } from '../support/session';

export interface Hop {
  status: number;
  url: string;
  location: string | null;
}

/** A browser-like client: keeps Arcus's session cookie, never follows redirects on its own. */
export class TestBrowser {
  cookie = '';
  csrf = '';
  constructor(readonly base: string) {}

  private sameOrigin(url: string): boolean {
    return new URL(url).origin === new URL(this.base).origin;
  }

  async request(pathOrUrl: string, init: { method?: string; body?: unknown; form?: URLSearchParams } = {}): Promise<Response> {
    const url = new URL(pathOrUrl, this.base).toString();
    const headers: Record<string, string> = {};
    if (this.sameOrigin(url) && this.cookie) headers['cookie'] = this.cookie;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (this.csrf && init.method && init.method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const res = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', body: init.form ? init.form.toString() : init.body === undefined ? undefined : JSON.stringify(init.body) });
    const set = res.headers.get('set-cookie');
    if (set && this.sameOrigin(url)) this.cookie = set.split(';')[0]!;
    return res;
  }

  async json<T = Record<string, unknown>>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
    const res = await this.request(path, init);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** GET and follow redirects (the consent page stops the chain: it answers 200). */
  async follow(pathOrUrl: string, max = 10): Promise<{ hops: Hop[]; final: Response }> {
    const hops: Hop[] = [];
    let url = new URL(pathOrUrl, this.base).toString();
    for (let i = 0; i < max; i++) {
      const res = await this.request(url);
      const location = res.headers.get('location');
      hops.push({ status: res.status, url, location });
      if (res.status < 300 || res.status >= 400 || !location) return { hops, final: res };
      await res.arrayBuffer();
      url = new URL(location, url).toString();
    }
    throw new Error('too many redirects');
  }

  async refreshCsrf(): Promise<void> {
    const s = await this.json<{ csrfToken: string }>('/api/session');
    this.csrf = s.body.csrfToken;
  }
}

/** Sign a test firm's user in by writing their session, as express-session would. */
export async function signInAs(browser: TestBrowser, database: Database, sessionSecret: string, who: { userId: string; firmId: string }): Promise<void> {
  const { cookie, csrf } = await writeSession(database, sessionSecret, who);
  browser.cookie = cookie;
  browser.csrf = csrf;
}

/** Parse the consent page's form (as a person sees it): request id, action and the companies offered. */
export function consentForm(html: string): { requestId: string; action: string; companies: { id: string; checked: boolean; label: string }[] } {
  const requestId = /name="request_id" value="([^"]*)"/.exec(html)?.[1];
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (!requestId || !action) throw new Error('no consent form');
  const companies = [...html.matchAll(/<label><input type="(?:checkbox|radio)" name="company" value="([^"]*)"( checked)?> ([^<]*)<\/label>/g)].map((m) => ({ id: m[1]!, checked: Boolean(m[2]), label: m[3]! }));
  return { requestId, action, companies };
}
