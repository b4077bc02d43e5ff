#!/usr/bin/env node
// `npm run demo`: install, build and start — each step only when its inputs changed since the last
// time it ran here, so a second demo starts in seconds instead of reinstalling and rebuilding.
//
// - Install (`npm ci`) when node_modules is missing or package-lock.json differs from the one it
//   was installed from (a stamp in node_modules/.arcus-demo-install).
// - Build (the client bundle) when client/dist is missing or any file it is built from changed
//   (a hash of client/ and the server modules it imports, and package-lock.json, stamped in client/dist).
// - Then `arcus start`.
// Plain Node (no dependencies): it has to run before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function hashOf(paths) {
  const h = createHash('sha256');
  const walk = (p) => {
    const full = path.join(root, p);
    if (!existsSync(full)) return;
    const st = statSync(full);
    if (st.isDirectory()) {
      if (p.endsWith('node_modules') || p.endsWith(path.join('client', 'dist'))) return;
      for (const name of readdirSync(full).sort()) walk(path.join(p, name));
    } else {
      h.update(`${p}\0`);
      h.update(readFileSync(full));
    }
  };
  for (const p of paths) walk(p);
  return h.digest('hex');
}

function read(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function run(what, args) {
  const started = Date.now();
  console.log(`arcus demo: ${what}…`);
  const r = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`arcus demo: ${what} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
  console.log(`arcus demo: ${what} done in ${Math.round((Date.now() - started) / 1000)} s.`);
}

const installStamp = path.join(root, 'node_modules', '.arcus-demo-install');
const lockHash = hashOf(['package-lock.json']);
if (read(installStamp) === lockHash) console.log('arcus demo: dependencies already installed (package-lock.json unchanged).');
else {
  run('installing dependencies (npm ci)', ['ci']);
  writeFileSync(installStamp, `${lockHash}\n`);
}

const buildStamp = path.join(root, 'client', 'dist', '.arcus-demo-build');
// What the bundle can import: the client, and the server modules it shares types and pure code with.
const buildHash = hashOf(['client', 'kernel', 'server', 'integrations', 'package-lock.json', 'tsconfig.json']);
if (read(buildStamp) === buildHash && existsSync(path.join(root, 'client', 'dist', 'index.html'))) console.log('arcus demo: client already built (no change since).');
else {
  run('building the client', ['run', 'build']);
  writeFileSync(buildStamp, `${buildHash}\n`);
}

const start = spawnSync(process.execPath, [path.join(root, 'bin', 'arcus.mjs'), 'start', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(start.status ?? 1);
