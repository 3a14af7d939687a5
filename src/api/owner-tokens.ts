/**
 * The owner tokens of a running serve: three random tokens, one per role, made when serve starts,
 * kept only in memory and in serve's owner-only state file (src/serve/serve-files.ts
 * ServeStateHttp), with which the CLI of the same OS user reaches the API while serve holds the
 * index: the `operator` one for `run` and `push`, the `steward` one for `lookup`, `query`, `audit`
 * and `status` (the owner's tools, in clear, recorded in access_log like any other access), the
 * `analyst` one for `lookup` and `query` with `--role analyst`. All three stand for `cli:<OS user>`.
 *
 * They are taken only on a connection from this host (see {@link fromThisHost}): with
 * `--http-public` serve listens where others reach it, and an owner token that leaked (the state
 * file copied, a log of a proxy) must not open the API to them; from elsewhere it is an unknown token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import os from 'node:os';
import type { Role } from '../access/roles.ts';
import type { Principal, TokenPeer, TokenVerifier } from '../access/tokens.ts';

/** `cli:<the OS user of this process>` (its uid when the system names none). */
export function ownerPrincipalName(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

const digest = (token: string): Buffer => createHash('sm3').update(token, 'utf8').digest();

/**
 * Whether a connection comes from this host: its peer is a loopback address (127.0.0.0/8, ::1,
 * ::ffff:127.0.0.0/104; RFC 1122 §3.2.1.3, RFC 4291 §2.5.3), or is the very address the connection
 * arrived at (a client of this host reaching serve on one of the host's own interface addresses).
 */
export function fromThisHost(peer: TokenPeer | undefined): boolean {
  const remote = peer?.remoteAddress;
  if (remote === undefined) return false;
  if (/^(::ffff:)?127\./i.test(remote) || remote === '::1') return true;
  return remote === peer?.localAddress;
}

/**
 * A verifier that knows the owner tokens first (from this host only: {@link fromThisHost}), then asks `tokens` (the token file).
 * @param owner the owner tokens by role.
 * @param name the principal they stand for.
 */
export function withOwnerTokens(tokens: TokenVerifier, owner: Readonly<Partial<Record<Role, string>>>, name: string): TokenVerifier {
  const known = Object.entries(owner).map(([role, token]) => ({ principal: { name, role: role as Role }, digest: digest(token!) }));
  return {
    async verify(token, peer) {
      if (token !== undefined && token.length > 0 && token.length <= 256 && fromThisHost(peer)) {
        const given = digest(token);
        let found: Principal | undefined;
        for (const k of known) if (timingSafeEqual(k.digest, given)) found = k.principal;
        if (found) return found;
      }
      return tokens.verify(token, peer);
    },
  };
}
