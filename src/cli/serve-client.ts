/**
 * The CLI's way into a running `onecode serve --http` that holds the index: serve's state file
 * (src/serve/serve-files.ts, owner-only) names its origin and its owner tokens; the CLI uses the
 * one of the role it acts with, as `cli:<OS user>`, channel `cli` (src/api/owner-tokens.ts).
 */
import type { Role } from '../access/roles.ts';
import { OnecodeError } from '../errors.ts';
import { openIndexFile } from '../index/index-file.ts';
import { readServeState } from '../serve/serve-files.ts';

/** A running serve's API, reached with the owner tokens. */
export interface ServeClient {
  /** serve's pid and origin, for messages. */
  pid: number;
  origin: string;
  /**
   * One request as `role` (an owner token of serve's) to `route`, a route pattern of the API
   * (`/api/v1/lookup/{code}`) whose `{name}` parts are filled from `params` (URI-encoded), with
   * `query` as the query string. Messages name the pattern, never the path: a lookup's path holds
   * the code looked up.
   * @returns the status and the parsed JSON body.
   * @throws OnecodeError `serve_unreachable` (exit 1) when serve does not answer, or answers
   *   something that is not JSON; `forbidden` (exit 2) when the state file has no token for `role`.
   */
  request<T = Record<string, unknown>>(method: string, route: string, options: ServeRequestOptions): Promise<{ status: number; body: T }>;
}

/** What one {@link ServeClient.request} sends besides its method and route. */
export interface ServeRequestOptions {
  role: Role;
  /** Values of the route's `{name}` parts. */
  params?: Record<string, string>;
  /** The query string's parameters. */
  query?: Record<string, string | number>;
  /** A JSON body. */
  body?: unknown;
}

/** `route` with its `{name}` parts filled from `params` and `query` appended. */
export function pathOf(route: string, options: Pick<ServeRequestOptions, 'params' | 'query'>): string {
  const filled = route.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = options.params?.[name];
    if (value === undefined) throw new Error(`route ${route} needs the parameter ${name}`);
    return encodeURIComponent(value);
  });
  const query = Object.entries(options.query ?? {});
  return query.length === 0 ? filled : `${filled}?${new URLSearchParams(query.map(([k, v]) => [k, String(v)])).toString()}`;
}

/**
 * Runs `served` with the API of the serve holding `dbPath`, or else `local` (the command opening the
 * index itself). serve is asked only when opening the index fails because another process holds it
 * (`index_locked`: {@link heldByAnotherProcess}) and that process is a live `onecode serve --http`
 * of this user whose state file is owner-only (readServeState): a state file is never read while
 * the index can be opened, so the owner tokens, codes and SQL go nowhere else.
 * @throws OnecodeError `serve_state_untrusted` (exit 2) when the index is held and the state file
 *   is not owner-only; what `local` or `served` throws.
 */
export async function locallyOrThroughServe(dbPath: string, local: () => Promise<void>, served: (client: ServeClient) => Promise<void>): Promise<void> {
  const holder = await indexLockHolder(dbPath);
  const client = holder === undefined ? undefined : await serveClientFor(dbPath, holder.pid);
  if (client === undefined) return local();
  return served(client);
}

/**
 * Whether another process holds `dbPath` (DuckDB's file lock): a read-only open, plain, refused
 * with `index_locked`. Any other outcome (opened, missing, encrypted, unopenable) is no: the
 * command then opens the index itself and says what is wrong as it would without serve.
 */
export async function heldByAnotherProcess(dbPath: string): Promise<boolean> {
  return (await indexLockHolder(dbPath)) !== undefined;
}

/**
 * The process holding `dbPath`'s lock, as {@link heldByAnotherProcess} finds it: undefined when
 * none does, else its pid as DuckDB's lock error names it (`(PID 123)`; undefined where it names none).
 */
export async function indexLockHolder(dbPath: string): Promise<{ pid: number | undefined } | undefined> {
  if (dbPath === ':memory:') return undefined;
  try {
    const file = await openIndexFile(dbPath, { readOnly: true });
    file.connection.closeSync();
    file.instance.closeSync();
    return undefined;
  } catch (error) {
    if (!(error instanceof OnecodeError) || error.code !== 'index_locked') return undefined;
    const pid = /\(PID (\d+)\)/.exec(error.message)?.[1];
    return { pid: pid === undefined ? undefined : Number(pid) };
  }
}

/**
 * The API of the live serve holding `dbPath`, when it was started with `--http`; undefined when
 * no live serve holds the index or it serves no API. Call it only once the index was found held
 * ({@link locallyOrThroughServe}).
 * @param holderPid the pid DuckDB names as holding the index's lock ({@link indexLockHolder}): a
 *   state file of that pid is serve's own, whatever its command line (a serve inside another program).
 * @throws OnecodeError `serve_state_untrusted` (readServeState).
 */
export async function serveClientFor(dbPath: string, holderPid?: number): Promise<ServeClient | undefined> {
  const state = await readServeState(dbPath, { holderPid });
  if (state?.http === undefined) return undefined;
  const { origin, owner_tokens: tokens } = state.http;
  return {
    pid: state.pid,
    origin,
    async request<T>(method: string, route: string, options: ServeRequestOptions) {
      const token = (tokens as Partial<Record<Role, string>>)[options.role];
      if (token === undefined) throw new OnecodeError('forbidden', `serve (pid ${state.pid}) has no owner token for the ${options.role} role`, { exitCode: 2 });
      let response: Response;
      try {
        response = await fetch(`${origin}${pathOf(route, options)}`, {
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
        throw new OnecodeError('serve_unreachable', `onecode serve (pid ${state.pid}) answered ${method} ${route} with ${response.status}, not JSON`);
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
