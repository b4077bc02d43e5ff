/**
 * The layering, read from the source tree: kernel/ imports no layer (server/, integrations/,
 * jobs/, client/), and integrations/ never imports server/ or jobs/. Every module specifier is
 * checked (static and dynamic imports, re-exports, vi.mock), relative ones resolved against the
 * importing file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
/** Folders that hold data, not our code (Xero's OpenAPI and Intuit's examples). */
const SKIP = new Set(['node_modules', 'dist', 'specs']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const SPECIFIER = [
  /\bfrom\s*['"]([^'"\n]+)['"]/g, // import … from, export … from
  /\bimport\s*['"]([^'"\n]+)['"]/g, // import 'side-effect'
  /\b(?:import|require|vi\.mock|vi\.doMock|vi\.importActual)\s*(?:<[^>]*>)?\s*\(\s*['"]([^'"\n]+)['"]/g, // import('…'), require('…'), vi.mock('…')
];

/**
 * The source with its comments removed, so a path named in prose is not taken for an import.
 * Strings, template literals and regular expression literals are copied as they are, so a
 * `'application/*+json'` or a `/https?:\/\//` does not start a comment.
 */
const SPECIAL = /[/'"`]/g;

function withoutComments(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
      continue;
    }
    let j = -1;
    if (c === "'" || c === '"' || c === '`') {
      // A quote ends the string; a newline ends all but a template (an unterminated one stays on its line).
      j = i + 1;
      while (j < n && src[j] !== c && (c === '`' || src[j] !== '\n')) j += src[j] === '\\' ? 2 : 1;
    } else if (c === '/' && /(?:^|[(,=:[!&|?{};+\-*%<>~^]|\breturn|\btypeof)$/.test(out.slice(-40).trimEnd())) {
      // A regular expression literal: up to the closing slash outside a character class.
      let inClass = false;
      j = i + 1;
      while (j < n && src[j] !== '\n' && (inClass || src[j] !== '/')) {
        if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        j += src[j] === '\\' ? 2 : 1;
      }
    }
    if (j >= 0) {
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    // Plain code: copy up to the next character that may open a comment, string or regex.
    SPECIAL.lastIndex = i + 1;
    const k = SPECIAL.exec(src)?.index ?? n;
    out += src.slice(i, k);
    i = k;
  }
  return out;
}

/** Each module specifier in a file with the top-level folder it lands in (null: a package). */
function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): { specifier: string; layer: string | null }[] {
  const src = withoutComments(text);
  const found: { specifier: string; layer: string | null }[] = [];
  for (const re of SPECIFIER) {
    for (const m of src.matchAll(re)) {
      const specifier = m[1]!;
      let layer: string | null = null;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const rel = path.relative(root, path.resolve(path.dirname(file), specifier));
        layer = rel.startsWith('..') ? '(outside the repository)' : rel.split(path.sep)[0]!;
      }
      found.push({ specifier, layer });
    }
  }
  return found;
}

function violations(layer: string, forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(path.join(root, layer))) {
    for (const i of importsOf(file)) {
      if (i.layer && forbidden.includes(i.layer)) out.push(`${path.relative(root, file)} imports ${i.specifier}`);
    }
  }
  return out;
}

describe('layers', () => {
  it('integrations/ imports nothing from server/ or jobs/', () => {
    expect(sourceFiles(path.join(root, 'integrations')).length).toBeGreaterThan(50);
    expect(violations('integrations', ['server', 'jobs'])).toEqual([]);
  });

  it('kernel/ imports nothing from server/, integrations/, jobs/ or client/', () => {
    expect(sourceFiles(path.join(root, 'kernel')).map((f) => path.basename(f))).toEqual(expect.arrayContaining(['money.ts', 'dates.ts', 'zoned-time.ts']));
    expect(violations('kernel', ['server', 'integrations', 'jobs', 'client'])).toEqual([]);
  });

  it('server/ imports nothing from jobs/, root/ or cli/ (features request jobs by name through the queue port)', () => {
    expect(sourceFiles(path.join(root, 'server')).length).toBeGreaterThan(100);
    expect(violations('server', ['jobs', 'root', 'cli'])).toEqual([]);
  });

  it('jobs/ imports nothing from root/ or cli/; only root/ and cli/ wire a process', () => {
    expect(violations('jobs', ['root', 'cli'])).toEqual([]);
    expect(violations('integrations', ['root', 'cli'])).toEqual([]);
  });

  it('no module-level mutable singletons: no top-level `let`, no set…Deps / set…Env in server/, jobs/, integrations/, kernel/, root/', () => {
    const found: string[] = [];
    for (const layer of ['server', 'jobs', 'integrations', 'kernel', 'root']) {
      for (const file of sourceFiles(path.join(root, layer))) {
        if (file.endsWith('.test.ts')) continue;
        const src = withoutComments(fs.readFileSync(file, 'utf8'));
        for (const [i, line] of src.split('\n').entries()) {
          if (/^(?:export\s+)?(?:let|var)\s/.test(line) || /^export\s+function\s+set[A-Z]\w*(?:Deps|Env)\s*\(/.test(line)) found.push(`${path.relative(root, file)}:${i + 1}: ${line.trim()}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('sees every kind of import, and not paths named in comments', () => {
    const file = path.join(root, 'integrations', 'payments', 'example.ts');
    const text = [
      "import type { Db } from '../../server/db/client';",
      "import {\n  checkouts,\n} from '../../server/db/schema';",
      "export { run } from '../../jobs/run';",
      "import '../../server/side-effect';",
      "const m = await import('../../server/config');",
      "vi.mock('../../server/logger');",
      "import { toMinor } from '../../kernel/money';",
      "import { z } from 'zod';",
      '// see ../../server/routes/pay.ts, from "../../server/x"',
      "/* import { y } from '../../server/y'; */",
      "const types = ['application/*+json']; const re = /^https?:\\/\\//;",
      "import { Sync } from '../../jobs/sync';",
    ].join('\n');
    expect(importsOf(file, text)).toEqual(
      expect.arrayContaining([
        { specifier: '../../server/db/client', layer: 'server' },
        { specifier: '../../server/db/schema', layer: 'server' },
        { specifier: '../../jobs/run', layer: 'jobs' },
        { specifier: '../../server/side-effect', layer: 'server' },
        { specifier: '../../server/config', layer: 'server' },
        { specifier: '../../server/logger', layer: 'server' },
        { specifier: '../../kernel/money', layer: 'kernel' },
        { specifier: 'zod', layer: null },
        { specifier: '../../jobs/sync', layer: 'jobs' },
      ]),
    );
    expect(importsOf(file, text).filter((i) => i.specifier.endsWith('/x') || i.specifier.endsWith('/y'))).toEqual([]);
    // A path that only looks like a layer from inside the layer itself stays there.
    expect(importsOf(path.join(root, 'integrations', 'sandbox', 'server.ts'), "import { x } from './server';")).toEqual([{ specifier: './server', layer: 'integrations' }]);
  });
});
