import 'express-session';

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
    userId?: string;
    firmId?: string;
  }
}
