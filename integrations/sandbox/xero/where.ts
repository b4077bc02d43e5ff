/**
 * Xero's `where` and `order` query parameters: the subset of its Dynamic-LINQ dialect that real
 * clients send — comparisons (`==`, `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`), `&&`/`AND`,
 * `||`/`OR`, `!`/`NOT`, parentheses, dotted paths (`Contact.ContactID`), string methods
 * (`Contains`, `StartsWith`, `EndsWith`, `ToLower`, `ToUpper`), and the literals `"text"`
 * (`""` escapes a quote), numbers, `true`/`false`/`null`, `guid("…")`, `DateTime(2024,01,31)`.
 * Anything else is a `XeroQueryError`, which the API answers with Xero's QueryParseException.
 */
import { XeroQueryError } from './http';

export type WValue =
  | { t: 'str'; v: string }
  | { t: 'num'; v: string }
  | { t: 'date'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'guid'; v: string }
  | { t: 'null' };

export type FieldType = 'str' | 'num' | 'date' | 'bool' | 'guid';

export interface FieldDef<T> {
  type: FieldType;
  get: (doc: T) => WValue;
}

/** Fields by lower-cased dotted path ("contact.contactid"). */
export type FieldMap<T> = Map<string, FieldDef<T>>;

export const NULL: WValue = { t: 'null' };

// ---- tokens ---------------------------------------------------------------------------------

type Token =
  | { k: 'ident'; v: string; pos: number }
  | { k: 'str'; v: string; pos: number }
  | { k: 'num'; v: string; pos: number }
  | { k: 'op'; v: string; pos: number }
  | { k: 'end'; pos: number };

const TWO_CHAR = ['==', '!=', '<>', '>=', '<=', '&&', '||'];
const ONE_CHAR = ['=', '<', '>', '!', '(', ')', ',', '.'];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new XeroQueryError(`Unterminated string literal at index ${i}`);
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            v += '"';
            j += 2;
            continue;
          }
          break;
        }
        v += text[j];
        j++;
      }
      out.push({ k: 'str', v, pos: i });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(text.slice(i));
    if (num && (c !== '-' || !isValueEnd(out[out.length - 1]))) {
      out.push({ k: 'num', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (ident) {
      out.push({ k: 'ident', v: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR.includes(two)) {
      out.push({ k: 'op', v: two, pos: i });
      i += 2;
      continue;
    }
    if (ONE_CHAR.includes(c)) {
      out.push({ k: 'op', v: c, pos: i });
      i++;
      continue;
    }
    throw new XeroQueryError(`Syntax error: unexpected character '${c}' at index ${i}`);
  }
  out.push({ k: 'end', pos: text.length });
  return out;
}

function isValueEnd(t: Token | undefined): boolean {
  return t !== undefined && (t.k === 'ident' || t.k === 'str' || t.k === 'num' || (t.k === 'op' && t.v === ')'));
}

// ---- values ---------------------------------------------------------------------------------

const TYPE_NAMES: Record<WValue['t'], string> = { str: 'String', num: 'Decimal', date: 'DateTime', bool: 'Boolean', guid: 'Guid', null: 'Object' };

/** Compare two exact decimal strings. */
export function compareDecimal(a: string, b: string): number {
  const split = (s: string) => {
    const neg = s.startsWith('-');
    const [w, f = ''] = (neg ? s.slice(1) : s).split('.');
    return { neg, w: w!, f };
  };
  const x = split(a);
  const y = split(b);
  const scale = Math.max(x.f.length, y.f.length);
  const big = (p: { neg: boolean; w: string; f: string }) => BigInt(p.w + p.f.padEnd(scale, '0')) * (p.neg ? -1n : 1n);
  const d = big(x) - big(y);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Order two values of one field: nulls first, then by type. */
export function compareValues(a: WValue, b: WValue): number {
  if (a.t === 'null' || b.t === 'null') return a.t === b.t ? 0 : a.t === 'null' ? -1 : 1;
  if (a.t === 'num' && b.t === 'num') return compareDecimal(a.v, b.v);
  if (a.t === 'date' && b.t === 'date') return a.v - b.v;
  if (a.t === 'bool' && b.t === 'bool') return Number(a.v) - Number(b.v);
  const x = String(a.v);
  const y = String(b.v);
  return x < y ? -1 : x > y ? 1 : 0;
}

function equalValues(a: WValue, b: WValue): boolean {
  if (a.t === 'null' || b.t === 'null') return a.t === b.t;
  if ((a.t === 'guid' || b.t === 'guid') && (a.t === 'str' || a.t === 'guid') && (b.t === 'str' || b.t === 'guid')) return a.v.toLowerCase() === b.v.toLowerCase();
  return compareValues(a, b) === 0;
}

// ---- parser ---------------------------------------------------------------------------------

type StaticType = WValue['t'];

interface Expr<T> {
  type: StaticType;
  ev: (doc: T) => WValue;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const bool = (v: boolean): WValue => ({ t: 'bool', v });

class Parser<T> {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fields: FieldMap<T>,
    private readonly typeName: string,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.k !== 'end') this.i++;
    return t;
  }

  private isOp(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.k === 'op' && t.v === v;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.k === 'ident' && t.v.toUpperCase() === word;
  }

  private expectOp(v: string): void {
    const t = this.next();
    if (t.k !== 'op' || t.v !== v) throw new XeroQueryError(`Syntax error: '${v}' expected at index ${t.pos}`);
  }

  parseAll(): Expr<T> {
    const e = this.parseOr();
    const t = this.peek();
    if (t.k !== 'end') throw new XeroQueryError(`Syntax error at index ${t.pos}`);
    return e;
  }

  private requireBool(e: Expr<T>, pos: number): void {
    if (e.type !== 'bool') throw new XeroQueryError(`Expression of type '${TYPE_NAMES[e.type]}' expected to be 'Boolean' at index ${pos}`);
  }

  private parseOr(): Expr<T> {
    let left = this.parseAnd();
    while (this.isOp('||') || this.isWord('OR')) {
      const pos = this.next().pos;
      const right = this.parseAnd();
      this.requireBool(left, pos);
      this.requireBool(right, pos);
      const [l, r] = [left, right];
      left = { type: 'bool', ev: (d) => bool((l.ev(d) as { v: boolean }).v || (r.ev(d) as { v: boolean }).v) };
    }
    return left;
  }

  private parseAnd(): Expr<T> {
    let left = this.parseUnary();
    while (this.isOp('&&') || this.isWord('AND')) {
      const pos = this.next().pos;
      const right = this.parseUnary();
      this.requireBool(left, pos);
      this.requireBool(right, pos);
      const [l, r] = [left, right];
      left = { type: 'bool', ev: (d) => bool((l.ev(d) as { v: boolean }).v && (r.ev(d) as { v: boolean }).v) };
    }
    return left;
  }

  private parseUnary(): Expr<T> {
    if (this.isOp('!') || this.isWord('NOT')) {
      const pos = this.next().pos;
      const inner = this.parseUnary();
      this.requireBool(inner, pos);
      return { type: 'bool', ev: (d) => bool(!(inner.ev(d) as { v: boolean }).v) };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr<T> {
    const left = this.parsePrimary();
    const t = this.peek();
    if (t.k !== 'op' || !['==', '=', '!=', '<>', '<', '<=', '>', '>='].includes(t.v)) return left;
    this.next();
    const right = this.parsePrimary();
    const op = t.v;
    const equality = op === '==' || op === '=' || op === '!=' || op === '<>';
    const mixGuid = (left.type === 'guid' || right.type === 'guid') && ['str', 'guid'].includes(left.type) && ['str', 'guid'].includes(right.type);
    const compatible = equality
      ? left.type === right.type || left.type === 'null' || right.type === 'null' || mixGuid
      : left.type === right.type && left.type !== 'bool' && left.type !== 'null';
    if (!compatible) throw new XeroQueryError(`Operator '${op}' incompatible with operand types '${TYPE_NAMES[left.type]}' and '${TYPE_NAMES[right.type]}'`);
    const test: (a: WValue, b: WValue) => boolean = (() => {
      switch (op) {
        case '==':
        case '=':
          return equalValues;
        case '!=':
        case '<>':
          return (a: WValue, b: WValue) => !equalValues(a, b);
        case '<':
          return (a: WValue, b: WValue) => a.t !== 'null' && b.t !== 'null' && compareValues(a, b) < 0;
        case '<=':
          return (a: WValue, b: WValue) => a.t !== 'null' && b.t !== 'null' && compareValues(a, b) <= 0;
        case '>':
          return (a: WValue, b: WValue) => a.t !== 'null' && b.t !== 'null' && compareValues(a, b) > 0;
        default:
          return (a: WValue, b: WValue) => a.t !== 'null' && b.t !== 'null' && compareValues(a, b) >= 0;
      }
    })();
    return { type: 'bool', ev: (d) => bool(test(left.ev(d), right.ev(d))) };
  }

  private parsePrimary(): Expr<T> {
    const t = this.next();
    if (t.k === 'op' && t.v === '(') {
      const e = this.parseOr();
      this.expectOp(')');
      return this.parseMethods(e);
    }
    if (t.k === 'str') {
      const v: WValue = { t: 'str', v: t.v };
      return this.parseMethods({ type: 'str', ev: () => v });
    }
    if (t.k === 'num') {
      const v: WValue = { t: 'num', v: t.v };
      return { type: 'num', ev: () => v };
    }
    if (t.k !== 'ident') throw new XeroQueryError(`Expression expected at index ${t.pos}`);
    const word = t.v.toLowerCase();
    if (word === 'true' || word === 'false') {
      const v = bool(word === 'true');
      return { type: 'bool', ev: () => v };
    }
    if (word === 'null') return { type: 'null', ev: () => NULL };
    if (word === 'guid' && this.isOp('(')) return this.parseGuid();
    if (word === 'datetime' && this.isOp('(')) return this.parseDateTime();
    return this.parseMethods(this.parsePath(t.v, t.pos));
  }

  private parseGuid(): Expr<T> {
    this.expectOp('(');
    const s = this.next();
    if (s.k !== 'str' || !GUID.test(s.v)) throw new XeroQueryError(`guid(…) needs a quoted GUID at index ${s.pos}`);
    this.expectOp(')');
    const v: WValue = { t: 'guid', v: s.v.toLowerCase() };
    return { type: 'guid', ev: () => v };
  }

  private parseDateTime(): Expr<T> {
    const open = this.peek().pos;
    this.expectOp('(');
    const parts: number[] = [];
    for (;;) {
      const n = this.next();
      if (n.k !== 'num' || !/^\d+$/.test(n.v)) throw new XeroQueryError(`DateTime(…) takes whole numbers, at index ${n.pos}`);
      parts.push(Number(n.v));
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      this.expectOp(')');
      break;
    }
    if (parts.length !== 3 && parts.length !== 6) throw new XeroQueryError(`DateTime(…) takes (year, month, day) or (year, month, day, hour, minute, second), at index ${open}`);
    const [y, mo, d, h = 0, mi = 0, s = 0] = parts as [number, number, number, number?, number?, number?];
    const ms = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(ms);
    if (mo < 1 || mo > 12 || check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59) {
      throw new XeroQueryError(`DateTime(${parts.join(',')}) is not a valid date`);
    }
    const v: WValue = { t: 'date', v: ms };
    return { type: 'date', ev: () => v };
  }

  /** A dotted field path; stops before `.Method(`. */
  private parsePath(first: string, pos: number): Expr<T> {
    const segments = [first];
    while (this.isOp('.') && this.peek(1).k === 'ident' && !this.isOp('(', 2)) {
      this.next();
      segments.push((this.next() as { v: string }).v);
    }
    const field = this.fields.get(segments.join('.').toLowerCase());
    if (!field) {
      const prefix = segments.length > 1 ? `${segments.slice(0, -1).join('.')}.` : '';
      throw new XeroQueryError(`No property or field '${prefix}${segments[segments.length - 1]}' exists in type '${this.typeName}' (at index ${pos})`);
    }
    return { type: field.type, ev: field.get };
  }

  private parseMethods(target: Expr<T>): Expr<T> {
    let e = target;
    while (this.isOp('.') && this.peek(1).k === 'ident' && this.isOp('(', 2)) {
      this.next();
      const name = (this.next() as { v: string }).v;
      this.expectOp('(');
      const args: Expr<T>[] = [];
      if (!this.isOp(')')) {
        for (;;) {
          args.push(this.parseOr());
          if (this.isOp(',')) {
            this.next();
            continue;
          }
          break;
        }
      }
      this.expectOp(')');
      e = this.method(e, name, args);
    }
    return e;
  }

  private method(target: Expr<T>, name: string, args: Expr<T>[]): Expr<T> {
    const lower = name.toLowerCase();
    const text = (v: WValue): string | null => (v.t === 'str' || v.t === 'guid' ? v.v : null);
    if ((target.type !== 'str' && target.type !== 'guid') || !['contains', 'startswith', 'endswith', 'tolower', 'toupper', 'trim'].includes(lower)) {
      throw new XeroQueryError(`No applicable method '${name}' exists in type '${TYPE_NAMES[target.type]}'`);
    }
    if (lower === 'tolower' || lower === 'toupper' || lower === 'trim') {
      if (args.length !== 0) throw new XeroQueryError(`Method '${name}' takes no arguments`);
      return {
        type: 'str',
        ev: (d) => {
          const s = text(target.ev(d));
          if (s === null) return NULL;
          return { t: 'str', v: lower === 'tolower' ? s.toLowerCase() : lower === 'toupper' ? s.toUpperCase() : s.trim() };
        },
      };
    }
    const arg = args[0];
    if (args.length !== 1 || !arg || arg.type !== 'str') throw new XeroQueryError(`Method '${name}' takes one String argument`);
    return {
      type: 'bool',
      ev: (d) => {
        const s = text(target.ev(d));
        const a = text(arg.ev(d));
        if (s === null || a === null) return bool(false);
        return bool(lower === 'contains' ? s.includes(a) : lower === 'startswith' ? s.startsWith(a) : s.endsWith(a));
      },
    };
  }
}

/** Compile a `where` clause against an entity's fields. Throws XeroQueryError. */
export function compileWhere<T>(text: string, fields: FieldMap<T>, typeName: string): (doc: T) => boolean {
  if (text.trim() === '') return () => true;
  const expr = new Parser(tokenize(text), fields, typeName).parseAll();
  if (expr.type !== 'bool') throw new XeroQueryError(`Expression of type '${TYPE_NAMES[expr.type]}' expected to be 'Boolean'`);
  return (doc) => {
    const v = expr.ev(doc);
    return v.t === 'bool' && v.v;
  };
}

/** Compile an `order` parameter ("UpdatedDateUTC ASC, InvoiceNumber DESC"). Throws XeroQueryError. */
export function compileOrder<T>(text: string, fields: FieldMap<T>, typeName: string): ((a: T, b: T) => number) | null {
  if (text.trim() === '') return null;
  const keys = text.split(',').map((part) => {
    const words = part.trim().split(/\s+/);
    if (words.length === 0 || words.length > 2 || !words[0]) throw new XeroQueryError(`Invalid order clause '${part.trim()}'`);
    const dir = (words[1] ?? 'ASC').toUpperCase();
    if (dir !== 'ASC' && dir !== 'DESC') throw new XeroQueryError(`Invalid order direction '${words[1]}'`);
    const field = fields.get(words[0].toLowerCase());
    if (!field) throw new XeroQueryError(`No property or field '${words[0]}' exists in type '${typeName}'`);
    return { get: field.get, sign: dir === 'ASC' ? 1 : -1 };
  });
  return (a, b) => {
    for (const k of keys) {
      const c = compareValues(k.get(a), k.get(b));
      if (c !== 0) return c * k.sign;
    }
    return 0;
  };
}
