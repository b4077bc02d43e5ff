/**
 * Reading Xero request bodies. Xero accepts a collection (`{"Invoices":[…]}`) or a single
 * object, and reads member names case-insensitively (as JSON.NET does). A Reader collects every
 * problem with one element so the 400 lists them all, as Xero does.
 */
import type { CalendarDate } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';
import { parseAmount } from './amounts';
import { parseCalendarDate } from './dates';
import { XeroValidationError } from './http';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A member by name, exact first, then case-insensitively. */
export function member(o: Obj, key: string): unknown {
  if (key in o) return o[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/**
 * The elements of a request body: `{Key:[…]}`, a bare array, or one object. An empty body is
 * Xero's "No data has been processed" validation error.
 */
export function itemsOf(body: unknown, key: string, entity: string): Obj[] {
  const empty = () => new XeroValidationError([`No data has been processed for this endpoint. This endpoint is expecting ${entity} data to be specified in the request body.`]);
  let list: unknown[];
  if (Array.isArray(body)) list = body;
  else if (isObj(body)) {
    const inner = member(body, key);
    if (inner !== undefined) {
      if (!Array.isArray(inner)) throw new XeroValidationError([`${key} must be an array`]);
      list = inner;
    } else list = Object.keys(body).length > 0 ? [body] : [];
  } else list = [];
  if (list.length === 0) throw empty();
  return list.map((item) => {
    if (!isObj(item)) throw new XeroValidationError([`Each element of ${key} must be an object`]);
    return item;
  });
}

export class Reader {
  constructor(
    readonly obj: Obj,
    readonly errors: string[] = [],
  ) {}

  fail(message: string): void {
    this.errors.push(message);
  }

  has(key: string): boolean {
    const v = member(this.obj, key);
    return v !== undefined && v !== null;
  }

  raw(key: string): unknown {
    return member(this.obj, key);
  }

  str(key: string, opts: { max?: number; required?: boolean; label?: string } = {}): string | undefined {
    const v = member(this.obj, key);
    const label = opts.label ?? key;
    if (v === undefined || v === null) {
      if (opts.required) this.fail(`${label} is required`);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.fail(`${label} must be a string`);
      return undefined;
    }
    if (opts.max !== undefined && v.length > opts.max) this.fail(`${label} cannot be longer than ${opts.max} characters`);
    if (opts.required && v.trim() === '') this.fail(`${label} is required`);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = member(this.obj, key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    this.fail(`${key} must be true or false`);
    return undefined;
  }

  /** A calendar date from `key` or, failing that, `${key}String`. */
  date(key: string): CalendarDate | undefined {
    const direct = member(this.obj, key);
    const v = direct === undefined || direct === null ? member(this.obj, `${key}String`) : direct;
    if (v === undefined || v === null || v === '') return undefined;
    const d = parseCalendarDate(v);
    if (d === null) this.fail(`${key} is not a valid date: ${JSON.stringify(v)}`);
    return d ?? undefined;
  }

  amount(key: string, opts: { required?: boolean; allowNegative?: boolean; label?: string } = {}): Minor | undefined {
    const v = member(this.obj, key);
    const label = opts.label ?? key;
    if (v === undefined || v === null) {
      if (opts.required) this.fail(`${label} is required`);
      return undefined;
    }
    return this.guard(() => parseAmount(v, label, { allowNegative: opts.allowNegative }));
  }

  obj_(key: string): Reader | undefined {
    const v = member(this.obj, key);
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      this.fail(`${key} must be an object`);
      return undefined;
    }
    return new Reader(v, this.errors);
  }

  array(key: string): unknown[] | undefined {
    const v = member(this.obj, key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.fail(`${key} must be an array`);
      return undefined;
    }
    return v;
  }

  /** Run a parser that throws XeroValidationError, keeping its messages. */
  guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (e instanceof XeroValidationError) {
        this.errors.push(...e.messages);
        return undefined;
      }
      throw e;
    }
  }

  /** Throw the collected problems, if any. */
  done(): void {
    if (this.errors.length > 0) throw new XeroValidationError([...this.errors], this.obj);
  }
}
