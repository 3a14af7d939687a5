/**
 * API tokens: a bearer token carries a name (who) and a role (roles.ts). Tokens are kept in a file
 * named by ONECODE_TOKENS_FILE, hashed: the file holds, per token, its name, role, creation time and
 * `sm3:<hex>`, the SM3 digest (GB/T 32905-2016) of the token. A token is 32 random bytes
 * (256 bits, `oc_` + base64url), so a plain digest is as strong as a slow password hash here: there
 * is nothing to guess. The token itself is printed once, by `onecode token add`, and stored nowhere.
 *
 * File shape (JSON, written atomically, mode 0600):
 * `{ "tokens": [ { "name": "alice", "role": "analyst", "hash": "sm3:…", "created_at": "2026-12-02T…Z" } ] }`
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ownerOnlyProblem } from '../protect/owner-only-file.ts';
import { ROLES, type Role } from './roles.ts';
import { TOKENS_FILE_VARIABLE } from './tokens-file-variable.ts';

export { TOKENS_FILE_VARIABLE };

/** Who a valid token stands for. */
export interface Principal {
  /** The token's name: a person or a system (`alice`, `prometheus`). */
  name: string;
  role: Role;
}

const TokenEntry = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/),
  role: z.enum(ROLES),
  hash: z.string().regex(/^sm3:[0-9a-f]{64}$/),
  created_at: z.string(),
});
const TokenFile = z.strictObject({ tokens: z.array(TokenEntry) });
export type TokenEntry = z.infer<typeof TokenEntry>;

/** `sm3:<hex>` of a token. */
export function tokenHash(token: string): string {
  return `sm3:${createHash('sm3').update(token, 'utf8').digest('hex')}`;
}

/**
 * A new token: `oc_` + 43 characters of base64url (32 random bytes): the token file's tokens and
 * serve's owner tokens (src/api/owner-tokens.ts) alike.
 */
export function newToken(): string {
  return `oc_${randomBytes(32).toString('base64url')}`;
}

/**
 * Reads the token file. A file that does not exist holds no token.
 * @throws ConfigError `tokens_file_open` when it is not owner-only as key files are (a regular file of
 *   this user, no bit for group or others: src/protect/owner-only-file.ts), `tokens_file_invalid`
 *   (not JSON of the shape above: names the entry and field, never a hash), `tokens_file_unreadable`.
 */
export async function readTokenFile(file: string): Promise<TokenEntry[]> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError('tokens_file_unreadable', `${file}: cannot read the token file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const info = await handle.stat();
    const problem = ownerOnlyProblem(info);
    if (problem?.kind === 'open_mode') throw new ConfigError('tokens_file_open', `${file}: others may read or write the token file (${problem.text}): chmod 600 it`);
    if (problem !== undefined) throw new ConfigError('tokens_file_open', `${file}: the token file is ${problem.text}: it must be this user's own file, mode 600`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await handle.readFile('utf8'));
    } catch {
      throw new ConfigError('tokens_file_invalid', `${file}: not JSON (write it with onecode token add)`);
    }
    const result = TokenFile.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new ConfigError('tokens_file_invalid', `${file}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    }
    const names = new Set<string>();
    for (const entry of result.data.tokens) {
      if (names.has(entry.name)) throw new ConfigError('tokens_file_invalid', `${file}: the name '${entry.name}' is there twice`);
      names.add(entry.name);
    }
    return result.data.tokens;
  } finally {
    await handle.close();
  }
}

/**
 * Adds a token named `name` with `role` to the file (created with mode 0600), written atomically.
 * @returns the token, to be shown once.
 * @throws ConfigError `token_name_taken` when the name is in the file, what {@link readTokenFile} throws.
 */
export async function addToken(file: string, name: string, role: Role, now: Date = new Date()): Promise<string> {
  const tokens = await readTokenFile(file);
  if (!TokenEntry.shape.name.safeParse(name).success) throw new ConfigError('token_name_invalid', `token name: letters, digits, '.', '_', '@' or '-', up to 64, starting with a letter or digit`);
  if (tokens.some((t) => t.name === name)) throw new ConfigError('token_name_taken', `${file}: a token named '${name}' exists; revoke it first (onecode token revoke ${name})`);
  const token = newToken();
  await writeTokenFile(file, [...tokens, { name, role, hash: tokenHash(token), created_at: now.toISOString() }]);
  return token;
}

/**
 * Removes the token named `name`.
 * @returns whether there was one.
 */
export async function revokeToken(file: string, name: string): Promise<boolean> {
  const tokens = await readTokenFile(file);
  const kept = tokens.filter((t) => t.name !== name);
  if (kept.length === tokens.length) return false;
  await writeTokenFile(file, kept);
  return true;
}

/** Writes the file atomically: a new temporary file of a random name, created exclusively ('wx', mode 0600), then renamed. */
async function writeTokenFile(file: string, tokens: TokenEntry[]): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify({ tokens }, null, 2) + '\n');
    await handle.close();
    await rename(tmp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Checks bearer tokens against the file, re-reading it when it changes (its mtime and size), so
 * that a token added or revoked takes effect without a restart.
 */
export interface TokenVerifier {
  /**
   * The principal of `token`, or undefined for a missing or unknown token. Compares digests in
   * constant time.
   * @param peer the connection the token came on (serve's owner tokens are taken from this host only).
   * @throws what {@link readTokenFile} throws, when the file became invalid.
   */
  verify(token: string | undefined, peer?: TokenPeer): Promise<Principal | undefined>;
}

/** The two ends of the TCP connection a token came on (Node's `socket.remoteAddress`, `localAddress`). */
export interface TokenPeer {
  remoteAddress?: string;
  localAddress?: string;
}

/** A verifier over the token file `file`. */
export function createTokenVerifier(file: string): TokenVerifier {
  let cached: { key: string; entries: { principal: Principal; digest: Buffer }[] } | undefined;
  const entries = async () => {
    const info = await stat(file).catch(() => undefined);
    const key = info ? `${info.mtimeMs}:${info.size}:${info.ino}` : 'absent';
    if (cached?.key !== key) {
      const tokens = await readTokenFile(file);
      cached = { key, entries: tokens.map((t) => ({ principal: { name: t.name, role: t.role }, digest: Buffer.from(t.hash.slice(4), 'hex') })) };
    }
    return cached.entries;
  };
  return {
    async verify(token) {
      if (token === undefined || token.length === 0 || token.length > 256) return undefined;
      const digest = Buffer.from(tokenHash(token).slice(4), 'hex');
      let found: Principal | undefined;
      for (const entry of await entries()) if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
      return found;
    },
  };
}

/**
 * The token file named by ONECODE_TOKENS_FILE.
 * @throws ConfigError `tokens_file_unset` when the variable is not set.
 */
export function tokensFileOf(env: NodeJS.ProcessEnv = process.env): string {
  const file = env[TOKENS_FILE_VARIABLE]?.trim();
  if (!file) throw new ConfigError('tokens_file_unset', `${TOKENS_FILE_VARIABLE} is not set: name the token file (e.g. export ${TOKENS_FILE_VARIABLE}=$HOME/.onecode/tokens.json; onecode token add NAME --role analyst)`);
  return file;
}
