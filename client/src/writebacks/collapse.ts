/**
 * Repeated timeline entries shown once: the same thing done by the same person on the same
 * target several times in a row ("Contacted Bayside Cafe" three times this morning) is one entry
 * with a count and the time span. Entries about a write-back are never merged (each has its own
 * status and buttons). Pure: the timeline is newest first, and so is the result.
 */
export interface Collapsible {
  id: string;
  at: string;
  kind: string;
  actorType: string;
  actorName: string | null;
  summary: string;
  invoiceId: string | null;
  writebackId: string | null;
}

export type Collapsed<E extends Collapsible> = E & {
  /** How many entries this one stands for (1: not merged). */
  count: number;
  /** The oldest of them (`at` is the newest). */
  firstAt: string;
};

const sameAs = (a: Collapsible, b: Collapsible) => a.kind === b.kind && a.summary === b.summary && a.actorType === b.actorType && a.actorName === b.actorName && a.invoiceId === b.invoiceId;

export function collapseRepeats<E extends Collapsible>(entries: readonly E[]): Collapsed<E>[] {
  const out: Collapsed<E>[] = [];
  for (const e of entries) {
    const last = out[out.length - 1];
    if (last && !e.writebackId && !last.writebackId && sameAs(last, e)) {
      last.count += 1;
      last.firstAt = e.at;
      continue;
    }
    out.push({ ...e, count: 1, firstAt: e.at });
  }
  return out;
}
