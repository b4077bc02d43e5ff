/**
 * Every route the app's router holds, walked from the Express stack (not listed by hand), for
 * suites that must call all of them (the cross-firm matrix, the malformed-input fuzz).
 */
import type { Express } from 'express';
import { type FirmData, idFor } from './firm-data';

export interface RouteEntry {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[]; router?: { stack: Layer[] } };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Mounted sub-applications that are not Arcus's API (the in-process imitation of Xero and QuickBooks). */
export const NOT_ARCUS = ['/sandbox'];

function walk(stack: Layer[], prefix: string, out: RouteEntry[], skipped: string[]): void {
  for (const layer of stack) {
    const raw = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath ?? ''];
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push({ method: m.toUpperCase(), path: `${prefix}${p}` });
      continue;
    }
    const inner = layer.handle.stack ?? layer.handle.router?.stack;
    if (!inner) continue;
    for (const r of raw) {
      const mount = layer.slash || r === '/' ? '' : String(r);
      if (NOT_ARCUS.includes(`${prefix}${mount}`)) {
        skipped.push(`${prefix}${mount}`);
        continue;
      }
      walk(inner, `${prefix}${mount}`, out, skipped);
    }
  }
}

export function routesOf(app: Express): { routes: RouteEntry[]; skipped: string[] } {
  const out: RouteEntry[] = [];
  const skipped: string[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', out, skipped);
  const unique = new Map(out.map((r) => [`${r.method} ${r.path}`, r]));
  return { routes: [...unique.values()], skipped };
}

/** The names of a route's path parameters, in order. */
export function paramNames(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.startsWith(':') || s.startsWith('*') || s.startsWith('{'))
    .map((s) => s.replace(/^[:*{]+|[?}]+$/g, ''));
}

/** A real value for a path parameter, from the firm a suite seeded (test/support/firm-data.ts). */
export function validSegment(name: string, route: RouteEntry, parts: string[], index: number, a: FirmData, unsubscribe: string): string {
  switch (name) {
    case 'id':
      return idFor(parts[index - 1] ?? '', a) ?? a.orgId;
    case 'organisationId':
      return a.orgId;
    case 'contactExternalId':
      return a.contactExternalId;
    case 'invoiceExternalId':
      return a.invoiceExternalId;
    case 'address':
      // The debtor's own address: the request log must not show it.
      return a.email;
    case 'checkoutId':
      return a.checkoutId;
    case 'provider':
      return 'xero';
    case 'token':
      return route.path.startsWith('/u/') ? unsubscribe : a.payToken;
    case 'sessionId':
      return a.checkoutSession;
    case 'setupId':
      return a.savedMethodId;
    case 'setupRef':
      return a.setupRef;
    default:
      return 'x';
  }
}

/** The route's path with each parameter valid, or one of them (index `bad`) replaced by `badValue`. */
export function pathFor(route: RouteEntry, a: FirmData, unsubscribe: string, bad?: { index: number; value: string }): string {
  const parts = route.path.split('/');
  let p = 0;
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i]!;
    if (!seg.startsWith(':') && !seg.startsWith('*') && !seg.startsWith('{')) continue;
    const name = seg.replace(/^[:*{]+|[?}]+$/g, '');
    parts[i] = bad && bad.index === p ? bad.value : encodeURIComponent(validSegment(name, route, parts, i, a, unsubscribe));
    p++;
  }
  return parts.join('/');
}
