/**
 * The CLI's way into a running `onecode serve --http` that holds the index: serve's state file
 * (src/serve/serve-files.ts, owner-only) names its origin and its owner tokens; the CLI uses the
 * one of the role it acts with, as `cli:<OS user>`, channel `cli` (src/api/owner-tokens.ts).
 */
import type { Role } from '../access/roles.ts';
import { OnecodeError } from '../errors.ts';
import { readServeState } from '../serve/serve-files.ts';

/** A running serve's API, reached with the owner tokens. */
export interface ServeClient {
  /** serve's pid and origin, for messages. */
  pid: number;
  origin: string;
  /**
   * One request as `role` (an owner token of serve's).
   * @returns the status and the parsed JSON body.
   * @throws OnecodeError `serve_unreachable` (exit 1) when serve does not answer.
   */
  request<T = Record<string, unknown>>(method: string, path: string, options: { role: Role; body?: unknown }): Promise<{ status: number; body: T }>;
}

/**
 * Runs `local` (the command opening the index itself); only when that fails because another process
 * holds the index (`index_locked`) and that process is a live `onecode serve --http` of this user,
 * whose state file is owner-only (readServeState), runs `served` with its API instead. So a state
 * file is never read while the index can be opened, and the owner tokens go nowhere else.
 * @throws what `local` throws when no such serve holds the index; OnecodeError
 *   `serve_state_untrusted` (exit 2) when the state file is not owner-only; what `served` throws.
 */
export async function locallyOrThroughServe(dbPath: string, local: () => Promise<void>, served: (client: ServeClient) => Promise<void>): Promise<void> {
  try {
    await local();
  } catch (error) {
    if (!(error instanceof OnecodeError) || error.code !== 'index_locked') throw error;
    const client = await serveClientFor(dbPath);
    if (client === undefined) throw error;
    await served(client);
  }
}

/**
 * The API of the live serve holding `dbPath`, when it was started with `--http`; undefined when
 * no live serve holds the index or it serves no API. Call it only once the index was found held
 * ({@link locallyOrThroughServe}).
 * @throws OnecodeError `serve_state_untrusted` (readServeState).
 */
export async function serveClientFor(dbPath: string): Promise<ServeClient | undefined> {
  const state = await readServeState(dbPath);
  if (state?.http === undefined) return undefined;
  const { origin, owner_tokens: tokens } = state.http;
  return {
    pid: state.pid,
    origin,
    async request<T>(method: string, path: string, options: { role: Role; body?: unknown }) {
      const token = (tokens as Partial<Record<Role, string>>)[options.role];
      if (token === undefined) throw new OnecodeError('forbidden', `serve (pid ${state.pid}) has no owner token for the ${options.role} role`, { exitCode: 2 });
      let response: Response;
      try {
        response = await fetch(`${origin}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'x-onecode-channel': 'cli', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        });
      } catch (error) {
        throw new OnecodeError('serve_unreachable', `onecode serve (pid ${state.pid}) holds the index but does not answer at ${origin} (${(error as Error).message}); try again, or stop it (kill -TERM ${state.pid})`, { cause: error });
      }
      const text = await response.text();
      let body: T;
      try {
        body = JSON.parse(text) as T;
      } catch {
        throw new OnecodeError('serve_unreachable', `onecode serve (pid ${state.pid}) answered ${method} ${path.split('?')[0]} with ${response.status}, not JSON`);
      }
      return { status: response.status, body };
    },
  };
}

/**
 * The error of an API answer that is not a success: its stable code and message, exit 2 for
 * what the request got wrong (4xx), 1 otherwise.
 */
export function apiError(status: number, body: unknown): OnecodeError {
  const { error, message } = (body ?? {}) as { error?: string; message?: string };
  return new OnecodeError(error ?? 'serve_error', `serve answered ${status}: ${message ?? error ?? 'no message'}`.replace(/^serve answered 4\d\d: /, ''), { exitCode: status >= 400 && status < 500 ? 2 : 1 });
}
