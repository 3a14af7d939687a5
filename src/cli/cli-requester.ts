import os from 'node:os';
import type { Requester } from '../access/protected-lookup.ts';
import type { Role } from '../access/roles.ts';

/**
 * Who the CLI acts for: `cli:<OS user name>` (os.userInfo; $USER, then the uid, where the
 * system has no name for the user), with `role` (the owner's tools run as `steward` unless told
 * otherwise), through the channel `cli`. Recorded as such in access_log.
 */
export function cliRequester(role: Role): Requester {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? `uid${process.getuid?.() ?? ''}`;
  }
  return { name: `cli:${user}`, role, channel: 'cli' };
}
