/**
 * The app's clock in the browser. The server may run as of another day (ARCUS_NOW), so default
 * dates (today, a period's end, a target in three months) come from the server's clock, read
 * from /api/session, moved on by the browser's own as time passes.
 */
let offsetMs = 0;

/** Called with the session's `now`: from here on, appNow() follows the server's clock. */
export function syncAppClock(serverNow: string | undefined): void {
  const at = serverNow ? Date.parse(serverNow) : Number.NaN;
  offsetMs = Number.isFinite(at) ? at - Date.now() : 0;
}

export function appNow(): Date {
  return new Date(Date.now() + offsetMs);
}
