import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS_FOLDER } from '../../server/db/client';
import { scratchDir } from './scratch';

/**
 * A copy of the migrations folder holding only migrations 0..idx (the journal cut there), for
 * tests that seed rows as an older schema held them and then run the migration that converts
 * them. It lives under the run's scratch root, removed when the run ends.
 */
export function migrationsUpTo(idx: number): string {
  const dir = scratchDir(`migrations-${idx}`);
  mkdirSync(path.join(dir, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
  const entries = journal.entries.filter((e) => e.idx <= idx);
  writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const e of entries) copyFileSync(path.join(MIGRATIONS_FOLDER, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}
