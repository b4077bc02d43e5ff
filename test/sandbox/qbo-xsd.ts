/**
 * A small reader for the project's copy of Intuit's XSD (integrations/sandbox/specs/quickbooks/xsd):
 * complex type → declared child elements and attributes, and a check that a JSON value only
 * uses names the schema declares for its type (recursively).
 */
import { readFileSync } from 'node:fs';

export const SPECS = new URL('../../integrations/sandbox/specs/quickbooks/', import.meta.url);

interface XsdType {
  base: string | null;
  elements: Map<string, string | null>;
  attributes: Set<string>;
  simpleContent: boolean;
}

function readXsd(): Map<string, XsdType> {
  const text = ['Finance.xsd', 'IntuitBaseTypes.xsd', 'IntuitNamesTypes.xsd', 'IntuitRestServiceDef.xsd']
    .map((f) => readFileSync(new URL(`xsd/${f}`, SPECS), 'utf8').replace(/^\uFEFF/, ''))
    .join('\n');
  const types = new Map<string, XsdType>();
  for (const m of text.matchAll(/<xs:complexType name="([^"]+)"[^>]*>([\s\S]*?)<\/xs:complexType>/g)) {
    const body = m[2]!;
    const elements = new Map<string, string | null>();
    for (const e of body.matchAll(/<xs:element\s+name="([^"]+)"([^>]*)>/g)) elements.set(e[1]!, /type="([^"]+)"/.exec(e[2]!)?.[1] ?? null);
    for (const e of body.matchAll(/<xs:element\s+ref="([^"]+)"/g)) elements.set(e[1]!, e[1]!);
    types.set(m[1]!, {
      base: /<xs:extension base="([^"]+)"/.exec(body)?.[1] ?? null,
      elements,
      attributes: new Set([...body.matchAll(/<xs:attribute name="([^"]+)"/g)].map((a) => a[1]!)),
      simpleContent: /<xs:simpleContent>/.test(body),
    });
  }
  return types;
}

const XSD = readXsd();

/** Declared children of a type, following its base chain. JSON puts simple content in `value`. */
function declared(typeName: string): { children: Map<string, string | null>; simple: boolean } | null {
  let t = XSD.get(typeName);
  if (!t) return null;
  const children = new Map<string, string | null>();
  let simple = false;
  for (;;) {
    for (const [k, v] of t.elements) children.set(k, v);
    for (const a of t.attributes) children.set(a, null);
    if (t.simpleContent) simple = true;
    if (!t.base || !XSD.has(t.base)) {
      if (t.base && !XSD.has(t.base)) simple = true;
      break;
    }
    t = XSD.get(t.base)!;
  }
  if (simple) children.set('value', null);
  return { children, simple };
}

/** Keys of `json` not declared for `typeName` in the XSD, as dotted paths. */
export function undeclared(json: unknown, typeName: string, path: string, out: string[] = []): string[] {
  if (Array.isArray(json)) {
    json.forEach((el, i) => {
      undeclared(el, typeName, `${path}[${i}]`, out);
    });
    return out;
  }
  if (typeof json !== 'object' || json === null) return out;
  const d = declared(typeName);
  if (!d) {
    out.push(`${path} (an object, but ${typeName} is not a complex type in the XSD)`);
    return out;
  }
  for (const [k, v] of Object.entries(json)) {
    if (!d.children.has(k)) out.push(`${path}.${k} (not in ${typeName})`);
    else {
      const childType = d.children.get(k);
      if (childType) undeclared(v, childType, `${path}.${k}`, out);
    }
  }
  return out;
}

