import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addToken, createTokenVerifier, readTokenFile, revokeToken, tokenHash } from '../../src/access/tokens.ts';
import { hasRight, personalPolicyOf } from '../../src/access/roles.ts';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-tokens-'));
  file = path.join(dir, 'tokens.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('token file', () => {
  it('stores only the SM3 digest, owner-only, and verifies the token it printed', async () => {
    const token = await addToken(file, 'alice', 'analyst');
    expect(token).toMatch(/^oc_[A-Za-z0-9_-]{43}$/);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain(tokenHash(token));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const verifier = createTokenVerifier(file);
    expect(await verifier.verify(token)).toEqual({ name: 'alice', role: 'analyst' });
    expect(await verifier.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(await verifier.verify(undefined)).toBeUndefined();
    expect(await verifier.verify('')).toBeUndefined();
  });

  it('takes a token added or revoked into account without a restart', async () => {
    const verifier = createTokenVerifier(file);
    const first = await addToken(file, 'alice', 'steward');
    expect((await verifier.verify(first))?.role).toBe('steward');
    const second = await addToken(file, 'ops', 'operator');
    expect((await verifier.verify(second))?.name).toBe('ops');
    expect(await revokeToken(file, 'alice')).toBe(true);
    expect(await verifier.verify(first)).toBeUndefined();
    expect(await revokeToken(file, 'alice')).toBe(false);
  });

  it('refuses a token file others may read, as key files are refused, naming the mode', async () => {
    await addToken(file, 'alice', 'analyst');
    await chmod(file, 0o644);
    await expect(readTokenFile(file)).rejects.toMatchObject({ code: 'tokens_file_open', message: `${file}: others may read or write the token file (mode 644): chmod 600 it` });
    await chmod(file, 0o640);
    await expect(addToken(file, 'bob', 'analyst')).rejects.toMatchObject({ code: 'tokens_file_open' });
    await chmod(file, 0o600);
    expect((await readTokenFile(file)).map((t) => t.name)).toEqual(['alice']);
  });

  it('writes through a new temporary file of a random name, never through a link planted at a guessable one', async () => {
    const victim = path.join(path.dirname(file), 'victim.txt');
    await writeFile(victim, 'untouched\n');
    await symlink(victim, `${file}.${process.pid}.tmp`);
    await addToken(file, 'alice', 'analyst');
    expect(await readFile(victim, 'utf8')).toBe('untouched\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([path.basename(`${file}.${process.pid}.tmp`)]);
  });

  it('refuses a taken name, a bad name, a file others may write and a malformed file, naming the file', async () => {
    await addToken(file, 'alice', 'analyst');
    await expect(addToken(file, 'alice', 'steward')).rejects.toMatchObject({ code: 'token_name_taken' });
    await expect(addToken(file, '../x', 'steward')).rejects.toMatchObject({ code: 'token_name_invalid' });
    await chmod(file, 0o666);
    await expect(readTokenFile(file)).rejects.toMatchObject({ code: 'tokens_file_open' });
    await writeFile(file, JSON.stringify({ tokens: [{ name: 'x', role: 'admin', hash: 'sm3:00', created_at: '' }] }), { mode: 0o600 });
    await chmod(file, 0o600);
    const error = await readTokenFile(file).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'tokens_file_invalid' });
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/tokens\.0\.(role|hash)/);
  });
});

describe('roles', () => {
  it('gives each role its rights and its policy for personal values', () => {
    expect(hasRight('operator', 'operate')).toBe(true);
    expect(hasRight('operator', 'lookup')).toBe(false);
    expect(hasRight('analyst', 'query')).toBe(true);
    expect(hasRight('analyst', 'audit')).toBe(false);
    expect(hasRight('steward', 'audit')).toBe(true);
    expect(personalPolicyOf('steward', {})).toBe('clear');
    expect(personalPolicyOf('operator', {})).toBe('drop');
    expect(personalPolicyOf('analyst', {})).toBe('mask');
    expect(personalPolicyOf('analyst', { ONECODE_ANALYST_POLICY: 'pseudonymise' })).toBe('pseudonymise');
    expect(() => personalPolicyOf('analyst', { ONECODE_ANALYST_POLICY: 'clear' })).toThrow(/mask or pseudonymise/);
  });
});
