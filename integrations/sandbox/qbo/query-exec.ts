/**
 * Running a parsed query over one company. Paging follows QBO: STARTPOSITION is 1-based,
 * MAXRESULTS defaults to 100 and is capped at 1000, and the response's `maxResults` is the
 * number of rows actually returned (node-quickbooks' fetchAll stops when it is below the
 * page size). An empty result is `{"QueryResponse":{}}`.
 */
import { isCalendarDate } from '../../../kernel/dates';
import { type EntityName, type FieldDef, type QueryEntity, queryEntity, valueAt } from './entities';
import { faults } from './faults';
import type { Json } from './mappers';
import { type Condition, type Literal, type ParsedQuery, parseQuery, QueryParseError } from './query-parser';
import { parseQboDateTime } from './time';
import type { QboView } from './view';

export const DEFAULT_MAX_RESULTS = 100;
export const MAX_RESULTS_CAP = 1000;

type Comparable = string | number | boolean | null;

function fieldDef(entity: QueryEntity, name: string): FieldDef {
  const f = entity.fields.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!f) throw faults.queryValidation(`property '${name}' is not queryable on ${entity.name} (queryable: ${entity.fields.map((x) => x.name).join(', ')})`);
  return f;
}

/** A row's value for a field, normalised for comparison. */
function rowValue(view: QboView, row: Json, f: FieldDef): Comparable {
  const v = valueAt(row, f.path ?? f.name);
  if (v === undefined || v === null) return null;
  switch (f.type) {
    case 'datetime':
      return typeof v === 'string' ? parseQboDateTime(v, view.timeZone) : null;
    case 'number':
      return typeof v === 'number' ? v : Number(v);
    case 'boolean':
      return v === true;
    case 'string':
      return String(v).toLowerCase();
    default:
      return String(v);
  }
}

/** A literal coerced to the field's type, or a 4001 fault. */
function literalValue(view: QboView, f: FieldDef, lit: Literal): Comparable {
  const bad = (): never => {
    throw faults.queryValidation(`value ${JSON.stringify(lit)} is not valid for property '${f.name}' (${f.type})`);
  };
  switch (f.type) {
    case 'datetime': {
      if (typeof lit !== 'string') return bad();
      return parseQboDateTime(lit, view.timeZone) ?? bad();
    }
    case 'date': {
      if (typeof lit !== 'string') return bad();
      const d = lit.slice(0, 10);
      return isCalendarDate(d) ? d : bad();
    }
    case 'number': {
      const n = typeof lit === 'number' ? lit : typeof lit === 'string' && /^-?\d+(\.\d+)?$/.test(lit.trim()) ? Number(lit) : Number.NaN;
      return Number.isFinite(n) ? n : bad();
    }
    case 'boolean':
      if (typeof lit === 'boolean') return lit;
      if (lit === 'true' || lit === 'false') return lit === 'true';
      return bad();
    case 'string':
      return String(lit).toLowerCase();
    case 'id':
      return typeof lit === 'boolean' ? bad() : String(lit);
  }
}

function compare(a: Comparable, b: Comparable, type: FieldDef['type']): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (type === 'id' && typeof a === 'string' && typeof b === 'string' && /^\d+$/.test(a) && /^\d+$/.test(b)) {
    return a.length !== b.length ? a.length - b.length : a < b ? -1 : 1;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return a < b ? -1 : 1;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

function predicate(view: QboView, entity: QueryEntity, c: Condition): (row: Json) => boolean {
  const f = fieldDef(entity, c.field);
  if (c.op === 'LIKE') {
    if (f.type !== 'string') throw faults.queryValidation(`LIKE is only supported on text properties, not '${f.name}'`);
    const re = likeRegex(String(c.values[0]));
    return (row) => {
      const v = valueAt(row, f.path ?? f.name);
      return typeof v === 'string' && re.test(v);
    };
  }
  const values = c.values.map((v) => literalValue(view, f, v));
  return (row) => {
    const v = rowValue(view, row, f);
    if (c.op === 'IN') return values.some((x) => compare(v, x, f.type) === 0);
    const x = values[0]!;
    if (v === null) return c.op === '!=';
    const cmp = compare(v, x, f.type);
    switch (c.op) {
      case '=':
        return cmp === 0;
      case '!=':
        return cmp !== 0;
      case '<':
        return cmp < 0;
      case '>':
        return cmp > 0;
      case '<=':
        return cmp <= 0;
      case '>=':
        return cmp >= 0;
      default:
        return false;
    }
  };
}

function project(row: Json, fields: string[]): Json {
  const out: Json = {};
  for (const f of fields) if (row[f] !== undefined) out[f] = row[f];
  out['sparse'] = true;
  out['Id'] = row['Id'];
  return out;
}

export interface QueryResult {
  entity: EntityName;
  body: { QueryResponse: Json };
}

/** Parse and run a query. Throws QboFault (4000 parse, 4001 validation). */
export function runQuery(view: QboView, text: string): QueryResult {
  let q: ParsedQuery;
  try {
    q = parseQuery(text);
  } catch (e) {
    if (e instanceof QueryParseError) throw faults.queryParse(e.message);
    throw e;
  }
  const entity = queryEntity(q.entity);
  if (!entity) throw faults.queryValidation(`Entity '${q.entity}' is not supported (the sandbox serves Customer, Invoice, Payment, CreditMemo, CompanyInfo, Preferences, Account)`);
  let selected: string[] = [];
  if (q.select.kind === 'fields') {
    selected = q.select.fields.map((name) => {
      const top = name.split('.')[0]!;
      const hit = entity.selectable.find((s) => s.toLowerCase() === top.toLowerCase());
      if (!hit) throw faults.queryValidation(`property '${name}' is not a property of ${entity.name}`);
      return hit;
    });
  }
  const predicates = q.where.map((c) => predicate(view, entity, c));
  if (entity.activeByDefault && !q.where.some((c) => c.field.toLowerCase() === 'active')) predicates.push((row) => row['Active'] === true);
  const order = q.orderBy.map((o) => ({ f: fieldDef(entity, o.field), dir: o.dir === 'DESC' ? -1 : 1 }));
  if (q.maxResults !== undefined && q.maxResults < 1) throw faults.queryValidation('MAXRESULTS must be at least 1');

  const rows = entity.rows(view).filter((row) => predicates.every((p) => p(row)));
  if (q.select.kind === 'count') return { entity: entity.name, body: { QueryResponse: { totalCount: rows.length } } };

  const idField: FieldDef = { name: 'Id', type: 'id' };
  const keyed = rows.map((row) => ({ row, keys: order.map((o) => rowValue(view, row, o.f)), id: rowValue(view, row, idField) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < order.length; i++) {
      const c = compare(a.keys[i]!, b.keys[i]!, order[i]!.f.type) * order[i]!.dir;
      if (c !== 0) return c;
    }
    return compare(a.id, b.id, 'id');
  });
  const start = Math.max(1, q.startPosition ?? 1);
  const max = Math.min(MAX_RESULTS_CAP, q.maxResults ?? DEFAULT_MAX_RESULTS);
  const page = keyed.slice(start - 1, start - 1 + max).map((k) => (q.select.kind === 'fields' ? project(k.row, selected) : k.row));
  if (page.length === 0) return { entity: entity.name, body: { QueryResponse: {} } };
  return { entity: entity.name, body: { QueryResponse: { [entity.name]: page, startPosition: start, maxResults: page.length } } };
}
