import 'express-session';
import type { PendingStore } from './state';

declare module 'express-session' {
  interface SessionData {
    /** OAuth authorizations in progress, by state id (single use, 10 minutes). */
    oauth?: PendingStore;
  }
}
