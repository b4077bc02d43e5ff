import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';
import { scratchDir } from '../support/scratch';

const tmp = () => scratchDir('config');

describe('configuration', () => {
  it('runs embedded with no environment at all, generating secrets once', () => {
    const dir = tmp();
    const a = loadConfig({ ARCUS_DATA_DIR: dir });
    expect(a.embedded).toBe(true);
    expect(a.sandbox).toBe(true);
    expect(a.demo).toBe(true);
    expect(a.port).toBe(3000);
    expect(a.appUrl).toBe('http://localhost:3000');
    expect(a.tokenEncryptionKey).toHaveLength(32);
    const file = path.join(dir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = loadConfig({ ARCUS_DATA_DIR: dir });
    expect(b.sessionSecret).toBe(a.sessionSecret);
    expect(b.tokenEncryptionKey.equals(a.tokenEncryptionKey)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).sessionSecret).toBe(a.sessionSecret);
  });

  it.each([
    [{ PORT: 'abc' }, 'Invalid configuration: PORT must be a number, got "abc"'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT must be a port number (0–65535)'],
    [{ APP_URL: 'localhost' }, 'Invalid configuration: APP_URL must be an absolute URL such as https://arcus.example.com'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'Invalid configuration: REDIS_URL must be a URL starting with redis:// or rediss://'],
    [{ DATABASE_URL: 'mysql://x' }, 'Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://'],
    [{ DATABASE_URL: 'postgres://db/arcus' }, 'Invalid configuration: SESSION_SECRET is required when DATABASE_URL is set'],
    [{ DATABASE_URL: 'postgres://db/arcus', SESSION_SECRET: 'x'.repeat(40) }, 'Invalid configuration: TOKEN_ENCRYPTION_KEY is required when DATABASE_URL is set'],
    [{ TOKEN_ENCRYPTION_KEY: 'too-short' }, 'Invalid configuration: TOKEN_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64'],
    [{ XERO_CLIENT_ID: 'abc' }, 'Invalid configuration: XERO_CLIENT_SECRET is required when XERO_CLIENT_ID is set'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid configuration: LOG_LEVEL must be one of'],
  ])('refuses %o with one line naming the variable', (env, message) => {
    let error: unknown;
    try {
      loadConfig({ ARCUS_DATA_DIR: tmp(), ...env });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.startsWith(message)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
  });

  it('takes production settings from the environment', () => {
    const key = 'ab'.repeat(32);
    const c = loadConfig({ DATABASE_URL: 'postgres://db/arcus', SESSION_SECRET: 's'.repeat(40), TOKEN_ENCRYPTION_KEY: key, REDIS_URL: 'redis://r:6379', APP_URL: 'https://arcus.example.com/' });
    expect(c.embedded).toBe(false);
    expect(c.sandbox).toBe(false);
    expect(c.demo).toBe(false);
    expect(c.appUrl).toBe('https://arcus.example.com');
    expect(c.tokenEncryptionKey.toString('hex')).toBe(key);
  });
});
