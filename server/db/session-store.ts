/**
 * express-session store on our own database (PostgreSQL or PGlite alike), so sessions survive
 * restarts and need no extra service. Sessions belong to no firm: the store reads and writes them
 * as the system (the restricted role has no access to the table).
 *
 * The `sid` column holds SHA-256 of the session id (hex), never the id itself: a copy of the table
 * (a backup, a leak) holds no session a browser could present. Session ids are 24 random bytes, so
 * a fast hash is enough (no salt or stretching needed for high-entropy secrets); the lookup is by
 * the hash's index, and the row found is checked against it again in constant time. Migration
 * 0014 hashed the rows that existed before.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import session from 'express-session';
import type { Db } from './client';
import { asSystem } from './firm-scope';
import { sessions } from './schema';

const DAY_MS = 86_400_000;

/** What the table stores for a session id. */
export function sessionKey(sid: string): string {
  return createHash('sha256').update(sid, 'utf8').digest('hex');
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class DbSessionStore extends session.Store {
  constructor(private readonly db: Db) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const exp = sess.cookie?.expires;
    return exp ? new Date(exp) : new Date(Date.now() + DAY_MS);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    const key = sessionKey(sid);
    asSystem(() => this.db.select().from(sessions).where(eq(sessions.sid, key))).then((rows) => {
        const row = rows[0];
        if (!row || !sameKey(row.sid, key) || row.expiresAt.getTime() <= Date.now()) return cb(null, null);
        cb(null, row.data as session.SessionData);
      }, cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const expiresAt = this.expiry(sess);
    const data = JSON.parse(JSON.stringify(sess)) as Record<string, unknown>;
    asSystem(() => this.db.insert(sessions).values({ sid: sessionKey(sid), data, expiresAt }).onConflictDoUpdate({ target: sessions.sid, set: { data, expiresAt } })).then(() => cb?.(), cb);
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    asSystem(() => this.db.delete(sessions).where(eq(sessions.sid, sessionKey(sid)))).then(() => cb?.(), cb);
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    asSystem(() => this.db.update(sessions).set({ expiresAt: this.expiry(sess) }).where(eq(sessions.sid, sessionKey(sid)))).then(() => cb?.(), cb);
  }

  /** Remove expired sessions (run by a scheduled job). */
  async prune(): Promise<void> {
    await asSystem(() => this.db.delete(sessions).where(lt(sessions.expiresAt, new Date())));
  }
}
