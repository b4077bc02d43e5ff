/**
 * Every route the app's router holds, walked from the Express stack (not listed by hand), for
 * suites that must call all of them (the cross-firm matrix, the malformed-input fuzz).
 */
import type { Express } from 'express';

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
