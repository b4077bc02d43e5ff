/**
 * The QuickBooks query language, the subset node-quickbooks produces and apps send:
 *
 *   SELECT * | COUNT(*) | field[, field…] FROM Entity
 *     [WHERE cond [AND cond]…] [ORDERBY field [ASC|DESC][, …]]
 *     [STARTPOSITION n] [MAXRESULTS n]
 *   cond := field (= | != | < | > | <= | >=) literal | field IN (literal, …) | field LIKE 'pattern'
 *   literal := 'string' (\' escapes a quote) | number | true | false
 *
 * Keywords are case-insensitive. OR, NOT and parentheses around conditions are not QBO
 * syntax and are rejected. Errors are QueryParseError (→ Fault 4000).
 */

export type Literal = string | number | boolean;
export type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';

export interface Condition {
  field: string;
  op: Operator;
  /** One value, or the IN list. */
  values: Literal[];
}

export interface OrderBy {
  field: string;
  dir: 'ASC' | 'DESC';
}

export type Selection = { kind: 'all' } | { kind: 'count' } | { kind: 'fields'; fields: string[] };

export interface ParsedQuery {
  entity: string;
  select: Selection;
  where: Condition[];
  orderBy: OrderBy[];
  startPosition?: number;
  maxResults?: number;
}

export class QueryParseError extends Error {
  override name = 'QueryParseError';
}

type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'punct' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value for strings. */
  value: string;
  column: number;
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDERBY', 'ASC', 'DESC', 'STARTPOSITION', 'MAXRESULTS', 'COUNT', 'TRUE', 'FALSE']);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const c = text[j]!;
        if (c === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        if (c === "'") {
          closed = true;
          j++;
          break;
        }
        value += c;
        j++;
      }
      if (!closed) throw new QueryParseError(`Lexical error at line 1, column ${column}. Encountered: <EOF> after : "${text.slice(i)}"`);
      tokens.push({ kind: 'string', text: text.slice(i, j), value, column });
      i = j;
      continue;
    }
    const num = /^-?\d+(?:\.\d+)?/.exec(text.slice(i));
    if (num && (ch !== '-' || /\d/.test(text[i + 1] ?? ''))) {
      tokens.push({ kind: 'number', text: num[0], value: num[0], column });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], value: ident[0], column });
      i += ident[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|=|<|>)/.exec(text.slice(i));
    if (op) {
      tokens.push({ kind: 'op', text: op[0], value: op[0] === '<>' ? '!=' : op[0], column });
      i += op[0].length;
      continue;
    }
    if ('(),*'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, value: ch, column });
      i++;
      continue;
    }
    throw new QueryParseError(`Lexical error at line 1, column ${column}. Encountered: "${ch}"`);
  }
  tokens.push({ kind: 'eof', text: '<EOF>', value: '', column: text.length + 1 });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private fail(expecting: string): never {
    const t = this.peek();
    throw new QueryParseError(`Encountered " ${t.kind === 'eof' ? '<EOF>' : `"${t.text}"`} " at line 1, column ${t.column}.\nWas expecting:\n    ${expecting} ...\n    `);
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private keyword(word: string): void {
    if (!this.isKeyword(word)) this.fail(`"${word}"`);
    this.next();
  }

  private punct(ch: string): void {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== ch) this.fail(`"${ch}"`);
    this.next();
  }

  private identifier(): string {
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toUpperCase())) this.fail('<IDENTIFIER>');
    this.next();
    return t.text;
  }

  private integer(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail('<INTEGER>');
    this.next();
    const n = Number(t.text);
    if (!Number.isSafeInteger(n)) this.fail('<INTEGER>');
    return n;
  }

  private literal(): Literal {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return t.value;
    }
    if (t.kind === 'number') {
      this.next();
      return Number(t.text);
    }
    if (t.kind === 'ident' && (t.text.toUpperCase() === 'TRUE' || t.text.toUpperCase() === 'FALSE')) {
      this.next();
      return t.text.toUpperCase() === 'TRUE';
    }
    return this.fail('<STRING> | <NUMBER> | true | false');
  }

  private selection(): Selection {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '*') {
      this.next();
      return { kind: 'all' };
    }
    if (this.isKeyword('COUNT')) {
      this.next();
      this.punct('(');
      this.punct('*');
      this.punct(')');
      return { kind: 'count' };
    }
    const fields = [this.identifier()];
    while (this.peek().kind === 'punct' && this.peek().text === ',') {
      this.next();
      fields.push(this.identifier());
    }
    return { kind: 'fields', fields };
  }

  private condition(): Condition {
    const field = this.identifier();
    if (this.isKeyword('IN')) {
      this.next();
      this.punct('(');
      const values = [this.literal()];
      while (this.peek().kind === 'punct' && this.peek().text === ',') {
        this.next();
        values.push(this.literal());
      }
      this.punct(')');
      return { field, op: 'IN', values };
    }
    if (this.isKeyword('LIKE')) {
      this.next();
      const t = this.peek();
      if (t.kind !== 'string') this.fail('<STRING>');
      this.next();
      return { field, op: 'LIKE', values: [t.value] };
    }
    const t = this.peek();
    if (t.kind !== 'op') this.fail('"=" | "!=" | "<" | ">" | "<=" | ">=" | "IN" | "LIKE"');
    this.next();
    return { field, op: t.value as Operator, values: [this.literal()] };
  }

  parse(): ParsedQuery {
    this.keyword('SELECT');
    const select = this.selection();
    this.keyword('FROM');
    const entity = this.identifier();
    const where: Condition[] = [];
    if (this.isKeyword('WHERE')) {
      this.next();
      where.push(this.condition());
      while (this.isKeyword('AND')) {
        this.next();
        where.push(this.condition());
      }
    }
    const orderBy: OrderBy[] = [];
    if (this.isKeyword('ORDERBY')) {
      this.next();
      do {
        if (orderBy.length > 0) this.next();
        const field = this.identifier();
        let dir: OrderBy['dir'] = 'ASC';
        if (this.isKeyword('ASC') || this.isKeyword('DESC')) dir = this.next().text.toUpperCase() as OrderBy['dir'];
        orderBy.push({ field, dir });
      } while (this.peek().kind === 'punct' && this.peek().text === ',');
    }
    const query: ParsedQuery = { entity, select, where, orderBy };
    for (;;) {
      if (this.isKeyword('STARTPOSITION') && query.startPosition === undefined) {
        this.next();
        query.startPosition = this.integer();
      } else if (this.isKeyword('MAXRESULTS') && query.maxResults === undefined) {
        this.next();
        query.maxResults = this.integer();
      } else break;
    }
    if (this.peek().kind !== 'eof') this.fail(where.length ? '"AND" | "ORDERBY" | "STARTPOSITION" | "MAXRESULTS" | <EOF>' : '"WHERE" | "ORDERBY" | "STARTPOSITION" | "MAXRESULTS" | <EOF>');
    return query;
  }
}

/** Parse a query; throws QueryParseError with a QBO-like message. */
export function parseQuery(text: string): ParsedQuery {
  if (!text.trim()) throw new QueryParseError('Encountered " <EOF> " at line 1, column 1.\nWas expecting:\n    "SELECT" ...\n    ');
  return new Parser(tokenize(text)).parse();
}
