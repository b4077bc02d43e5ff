
import { eq } from 'drizzle-orm';
import type { Database, Db } from '../../server/db/client';
import { organisations } from '../../server/db/schema';
import { ensureDemoFirm } from '../../server/demo/seed-firm';
import { createLogger } from '../../server/logger';
import { type Arcus, startArcus } from '../../root/runtime';
import { scratchDir } from './scratch';

export function startTestApp(name: string, database: Database, env: NodeJS.ProcessEnv = {}): Promise<Arcus> {
  return startArcus({
    env: { PORT: '0', HOST: '127.0.0.1', ARCUS_DATA_DIR: scratchDir(name), ARCUS_DEMO: 'on', ARCUS_DEMO_CONNECT: 'off', ...env },
    database,
    log: createLogger('silent'),
  });
}

/** The demo firm (shared by the files of one worker), emptied of organisations for this file. */
export async function emptyDemoFirm(db: Db): Promise<{ firmId: string; userId: string }> {
  const demo = await ensureDemoFirm(db);
  await db.delete(organisations).where(eq(organisations.firmId, demo.firmId));
  return demo;
}

/** A cookie-keeping HTTP client, like one browser session. */
export function apiClient(base: string) {
  let cookie = '';
  return async (p: string, init: { method?: string; body?: unknown; csrf?: string } = {}) => {
    const headers: Record<string, string> = { cookie };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.csrf) headers['x-csrf-token'] = init.csrf;
    const res = await fetch(base + p, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
    const body: any = text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text;
    return { status: res.status, headers: res.headers, body };
  };
}
