/**
 * `onecode token add NAME --role ROLE | revoke NAME | list`: the API's tokens, in the file named by
 * ONECODE_TOKENS_FILE (src/access/tokens.ts). `add` prints the new token once, on stdout; the file
 * keeps its SM3 digest only. serve re-reads the file when it changes: no restart needed.
 */
import { addToken, readTokenFile, revokeToken, tokensFileOf } from '../access/tokens.ts';
import type { Role } from '../access/roles.ts';
import { ConfigError } from '../errors.ts';

/** Adds a token; returns the line to print (the token). */
export async function tokenAdd(name: string, role: Role, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const token = await addToken(tokensFileOf(env), name, role);
  return `${token}\n`;
}

/**
 * Revokes the token named `name`.
 * @throws ConfigError `token_unknown` when there is none.
 */
export async function tokenRevoke(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = tokensFileOf(env);
  if (!(await revokeToken(file, name))) throw new ConfigError('token_unknown', `${file}: no token named '${name}' (onecode token list)`);
  return `revoked ${name}\n`;
}

/** One line per token: name, role, creation time (never the digest). */
export async function tokenList(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const tokens = await readTokenFile(tokensFileOf(env));
  return tokens.map((t) => `${t.name}\t${t.role}\t${t.created_at}\n`).join('');
}
