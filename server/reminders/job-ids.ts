/**
 * Job ids for reminder work come from our rows (BullMQ keeps finished ids for a day, and refuses a
 * single ':'). A re-queue of work a dead worker left carries the mark of what it found stale (the
 * expired lease, or the untouched row's last update): the first job under `rsend-<id>-0` may have
 * completed (it found the dead worker's lease still held), and BullMQ would silently ignore a
 * second job with that id for a day. Two runs finding the same stale lease still make one job.
 */
export const sendJobId = (sendId: string, attempt: number, requeueMark?: number) => `rsend-${sendId}-${attempt}${requeueMark === undefined ? '' : `-r${requeueMark}`}`;
