/** A fresh folder for a test (data folders, browser profiles, CLI working directories), under the run's scratch root: the global teardown removes them all. */
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { services } from './services';

export function scratchDir(name: string): string {
  return mkdtempSync(path.join(services.scratchRoot, `${name}-`));
}
