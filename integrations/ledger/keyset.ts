/**
 * Keyset paging over "records changed since T, oldest change first" — the one paging scheme
 * both ledgers' incremental reads share (Xero: If-Modified-Since + `order=UpdatedDateUTC ASC`;
 * QuickBooks: `MetaData.LastUpdatedTime >= T ORDERBY MetaData.LastUpdatedTime`).
 *
 * Each next request starts at the last page's newest change time, inclusive, at page 0, and
 * drops records already seen with the same time. A record edited while we page gets a newer
 * time, so it moves to the end — which we still have to read — and is never skipped. The one
 * case where keyset cannot advance is a tie bigger than a page (more records share one change
 * time than a page holds): then, and only then, we page by number within that time. A record
 * leaving the tie while we page shifts the positions behind it; it does so by getting a newer
 * time, so we see it again before the read completes — and when that happens we read the tie
 * again from its start. docs/decisions/004-sync-paging.md has the argument in full.
 *
 * Resume positions are always "since T, inclusive, page 0": a resumed read re-reads at most
 * the records sharing T (idempotent upserts) and never relies on in-memory state.
 */

export interface KeysetRequest {
  /** Epoch ms; null = from the beginning. */
  since: number | null;
  /** Include records changed exactly at `since`. */
  inclusive: boolean;
  /** 0-based page within this bound (non-zero only inside a tie bigger than a page). */
  page: number;
}

export interface KeysetOptions<R> {
  pageSize: number;
  /** One API call: records changed since the bound, oldest change first (stable within a time). */
  fetch(request: KeysetRequest): Promise<R[]>;
  /** The record's id and change time (epoch ms). */
  key(row: R): { id: string; at: number };
}

export interface KeysetPage<R> {
  /** Records not yet seen in this read (or seen with an older change time). */
  rows: R[];
  /** Where a later read resumes after this page; null after the last page. */
  resume: { since: number; inclusive: true } | null;
  /** The newest change time seen so far in this read. */
  highWater: number | null;
  /** The request this page answered (for tests and logs). */
  request: KeysetRequest;
}

/** Upper bound on pages inside one tie, so an API that ignores paging cannot loop forever. */
const MAX_TIE_PAGES = 10_000;

export async function* keysetPages<R>(start: { since: number | null; inclusive: boolean }, opts: KeysetOptions<R>): AsyncGenerator<KeysetPage<R>> {
  let request: KeysetRequest = { since: start.since, inclusive: start.inclusive, page: 0 };
  const seen = new Map<string, number>();
  /** Change times we paged through by page number (ties bigger than a page). */
  const tiePaged = new Set<number>();
  let rescanFrom: number | null = null;
  let high: number | null = null;
  for (;;) {
    const batch = await opts.fetch(request);
    const rows: R[] = [];
    let maxAt: number | null = null;
    for (const row of batch) {
      const { id, at } = opts.key(row);
      if (maxAt === null || at > maxAt) maxAt = at;
      if (high === null || at > high) high = at;
      const prev = seen.get(id);
      if (prev !== undefined && at <= prev) continue;
      rows.push(row);
      seen.set(id, at);
      // A record we first met inside a number-paged tie has moved on: positions behind it in
      // that tie shifted down by one, so one record of the tie may have been jumped over.
      if (prev !== undefined && tiePaged.has(prev)) rescanFrom = rescanFrom === null ? prev : Math.min(rescanFrom, prev);
    }
    let next: KeysetRequest | null = null;
    if (batch.length >= opts.pageSize && maxAt !== null) {
      if (request.since !== null && request.inclusive && maxAt === request.since) {
        // The whole page shares the bound's time: a tie bigger than a page.
        if (request.page + 1 > MAX_TIE_PAGES) throw new Error(`more than ${MAX_TIE_PAGES} pages of records share one change time`);
        tiePaged.add(request.since);
        next = { since: request.since, inclusive: true, page: request.page + 1 };
      } else {
        next = { since: maxAt, inclusive: true, page: 0 };
      }
    } else if (rescanFrom !== null) {
      next = { since: rescanFrom, inclusive: true, page: 0 };
      rescanFrom = null;
      tiePaged.clear();
    }
    yield { rows, resume: next && next.since !== null ? { since: next.since, inclusive: true } : null, highWater: high, request };
    if (!next) return;
    request = next;
  }
}
