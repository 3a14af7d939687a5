/**
 * `onecode token add NAME --role ROLE | list | revoke NAME`: the API's bearer tokens, in the file
 * named by ONECODE_TOKENS_FILE (src/access/tokens.ts: each stored as its SM3 digest, the file
 * owner-only). `add` prints the new token once, on stdout, and keeps it nowhere.
 */
import { addToken, readTokenFile, revokeToken, tokensFileOf } from '../access/tokens.ts';
import type { Role } from '../access/roles.ts';
import { ConfigError } from '../errors.ts';
import { formatRows } from './output.ts';

/**
 * Adds a token: prints it (one line) on stdout, and on stderr where it is kept and that it is
 * shown this once.
 * @throws ConfigError `tokens_file_unset`, `token_name_taken`, `token_name_invalid`, or what readTokenFile throws.
 */
export async function tokenAdd(name: string, role: Role, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = tokensFileOf(env);
  const token = await addToken(file, name, role);
  process.stdout.write(`${token}\n`);
  process.stderr.write(`onecode: token '${name}' (${role}) added to ${file}, which keeps only its SM3 digest: this is the only time it is shown\n`);
}

/** Lists the tokens: name, role, created_at (never a digest), as a table or JSON. */
export async function tokenList(json: boolean, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const tokens = (await readTokenFile(tokensFileOf(env))).map(({ name, role, created_at }) => ({ name, role, created_at }));
  if (json) process.stdout.write(JSON.stringify(tokens, null, 2) + '\n');
  else if (tokens.length === 0) process.stdout.write('no tokens\n');
  else process.stdout.write(formatRows(['name', 'role', 'created_at'], tokens, 'table'));
}

/**
 * Revokes the token named `name`: it stops working at the server's next request (the server
 * re-reads the file when it changes).
 * @throws ConfigError `token_unknown` when no token has that name.
 */
export async function tokenRevoke(name: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = tokensFileOf(env);
  if (!(await revokeToken(file, name))) throw new ConfigError('token_unknown', `${file}: no token named '${name}' (onecode token list shows them)`);
  process.stdout.write(`revoked ${name}\n`);
}
