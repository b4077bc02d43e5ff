/** Job ids for reminder work come from our rows (BullMQ keeps finished ids for a day, and refuses a single ':'). */
export const sendJobId = (sendId: string, attempt: number) => `rsend-${sendId}-${attempt}`;
