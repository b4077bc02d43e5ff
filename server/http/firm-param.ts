/**
 * Public routes (pay pages, the sandbox checkout, unsubscribe links) carry a credential in the
 * path — a token or a checkout session — that names one firm's row. The firm is looked up as the
 * system (a narrow lookup that answers only the firm id), and the rest of the request runs as that
 * firm under row-level security. An unknown credential runs as no firm: the handler finds nothing
 * and answers 404. See docs/decisions/007-firm-isolation.md.
 */
import type { NextFunction, Request, Response } from 'express';
import { asSystem, withFirm, withoutFirm } from '../db/firm-scope';

export type FirmLookup = (value: string) => Promise<string | null>;

export function scopeByParam(firmOf: FirmLookup): (req: Request, res: Response, next: NextFunction, value: unknown) => void {
  return (_req, _res, next, value) => {
    const v = typeof value === 'string' ? value : '';
    asSystem(() => firmOf(v)).then(
      (firmId) => (firmId ? withFirm(firmId, next) : withoutFirm(next)),
      (err: unknown) => next(err),
    );
  };
}

/** Runs `fn` as the firm `firmOf` finds (looked up as the system), or as no firm. */
export async function asFirmOf<T>(firmOf: () => Promise<string | null>, fn: () => Promise<T>): Promise<T> {
  const firmId = await asSystem(firmOf);
  return firmId ? withFirm(firmId, fn) : withoutFirm(fn);
}
