/**
 * The list pipeline every Xero GET collection shares: If-Modified-Since (strictly after),
 * `where`, `order` (stable: ties keep creation order), and paging (`page`, `pageSize` ≤ 1000,
 * 100 by default) with the `pagination` block Xero returns.
 */
import type { Request } from 'express';
import { parseInstant } from './dates';
import { queryParseFailed, validationFailed, XeroHttpError, XeroQueryError } from './http';
import { compileOrder, compileWhere, type FieldMap } from './where';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface Pagination {
  page: number;
  pageSize: number;
  pageCount: number;
  itemCount: number;
}

/** All values of a query parameter, matched case-insensitively (Xero's are). */
function rawParam(req: Request, name: string): string[] {
  const q = req.query as Record<string, unknown>;
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (k.toLowerCase() !== lower && k.toLowerCase() !== `${lower}[]`) continue;
    for (const item of Array.isArray(v) ? v : [v]) if (typeof item === 'string') out.push(item);
  }
  return out;
}

export function queryParam(req: Request, name: string): string | undefined {
  return rawParam(req, name)[0];
}

/** A comma-separated list parameter (`IDs=a,b`), also accepted repeated. */
export function queryList(req: Request, name: string): string[] | null {
  const raw = rawParam(req, name);
  if (raw.length === 0) return null;
  return raw
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function queryBool(req: Request, name: string): boolean {
  const v = queryParam(req, name);
  return v !== undefined && v.toLowerCase() === 'true';
}

function badParam(message: string): XeroHttpError {
  return new XeroHttpError(validationFailed([{ element: {}, messages: [message] }]));
}

function positiveInt(req: Request, name: string): number | null {
  const v = queryParam(req, name);
  if (v === undefined || v === '') return null;
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) throw badParam(`The ${name} parameter must be a positive whole number, got "${v}"`);
  return Number(v);
}

export interface ListParams {
  paged: boolean;
  page: number;
  pageSize: number;
  modifiedSince: number | null;
  where: string;
  order: string;
}

export function readListParams(req: Request): ListParams {
  const page = positiveInt(req, 'page');
  const pageSize = positiveInt(req, 'pageSize');
  const since = parseInstant(req.get('If-Modified-Since'));
  if (since !== null && Number.isNaN(since)) throw badParam(`The If-Modified-Since header is not a valid date: "${req.get('If-Modified-Since')}"`);
  return {
    paged: page !== null || pageSize !== null,
    page: page ?? 1,
    pageSize: Math.min(pageSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    modifiedSince: since,
    where: queryParam(req, 'where') ?? '',
    order: queryParam(req, 'order') ?? '',
  };
}

export interface ListSpec<T> {
  typeName: string;
  fields: FieldMap<T>;
  updatedAt: (doc: T) => number;
}

/** Filter, order and page `items` (given in creation order). Throws XeroHttpError on a bad query. */
export function runList<T>(items: T[], params: ListParams, spec: ListSpec<T>): { items: T[]; pagination: Pagination } {
  let where: (doc: T) => boolean;
  let order: ((a: T, b: T) => number) | null;
  try {
    where = compileWhere(params.where, spec.fields, spec.typeName);
    order = compileOrder(params.order, spec.fields, spec.typeName);
  } catch (e) {
    if (e instanceof XeroQueryError) throw new XeroHttpError(queryParseFailed(e.message));
    throw e;
  }
  const since = params.modifiedSince;
  const picked = items.filter((d) => (since === null || spec.updatedAt(d) > since) && where(d));
  // Array.prototype.sort is stable, so ties keep creation order.
  if (order) picked.sort(order);
  const itemCount = picked.length;
  if (!params.paged) return { items: picked, pagination: { page: 1, pageSize: itemCount, pageCount: itemCount > 0 ? 1 : 0, itemCount } };
  const start = (params.page - 1) * params.pageSize;
  return {
    items: picked.slice(start, start + params.pageSize),
    pagination: { page: params.page, pageSize: params.pageSize, pageCount: Math.ceil(itemCount / params.pageSize), itemCount },
  };
}
