#!/usr/bin/env node
// The `arcus` command. Runs the TypeScript sources directly through tsx, so there is no
// separate compile step between a checkout and a running app.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../cli/main.ts', import.meta.url).href);
