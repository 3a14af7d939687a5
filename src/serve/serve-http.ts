/**
 * The HTTP side of `onecode serve` (src/api/): the API server over serve's index, its read
 * connections, the owner tokens the CLI reaches it with, and the state file entry that tells the
 * CLI where it listens (serve-files.ts).
 */
import type { Pipeline } from '../../schemas/pipeline.ts';
import { newToken, type TokenVerifier } from '../access/tokens.ts';
import type { ServeOperations } from '../api/context.ts';
import { originOf, type ListenAddress } from '../api/listen-address.ts';
import { ownerPrincipalName, withOwnerTokens } from '../api/owner-tokens.ts';
import { createReadPool } from '../api/read-pool.ts';
import { createApiServer } from '../api/server.ts';
import { ConfigError } from '../errors.ts';
import type { OpenIndex } from '../index/open-index.ts';
import type { Logger } from '../logger.ts';
import type { ServeStateFile } from './serve-files.ts';

/** The HTTP side's settings (ServeOptions.http). */
export interface ServeHttpOptions {
  /** Where to listen; port 0 lets the system choose (see {@link ServeHttp.at}). */
  address: ListenAddress;
  /** Checks bearer tokens (src/access/tokens.ts). */
  tokens: TokenVerifier;
  /** Every valid pipeline of the folder, scheduled or not: the API lists them and can run any now. */
  pipelines: readonly Pipeline[];
  /** The web console's folder. Default src/console/. */
  consoleDir?: string;
  /** Read connections the API keeps at most. Default 4. */
  readConnections?: number;
  /** Environment for the analyst policy and the pseudonym key. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A listening API. */
export interface ServeHttp {
  /** Where it listens (the port bound, when 0 was asked). */
  at: { host: string; port: number; origin: string };
  /** Stops accepting, answers the requests going (new ones get 503), then closes the read connections. */
  close(): Promise<void>;
}

/**
 * Builds the API over `index` and listens; then writes the origin and three owner tokens (one per
 * role, random, for `cli:<OS user>`) into serve's state file.
 * @throws ConfigError `http_listen_failed` when the address cannot be had; what createApiServer
 *   throws (the analysts' policy or key); the state file's write error. Nothing is left open.
 */
export async function startServeHttp(options: { index: OpenIndex; settings: ServeHttpOptions; operations: ServeOperations; stateFile: ServeStateFile; logger: Logger }): Promise<ServeHttp> {
  const { settings } = options;
  const reads = createReadPool(options.index, { size: settings.readConnections ?? 4 });
  const ownerTokens = { operator: newToken(), analyst: newToken(), steward: newToken() };
  const principal = ownerPrincipalName();
  let app;
  try {
    app = await createApiServer({
      reads,
      pipelines: settings.pipelines,
      tokens: withOwnerTokens(settings.tokens, ownerTokens, principal),
      logger: options.logger,
      consoleDir: settings.consoleDir,
      env: settings.env,
      operations: options.operations,
    });
  } catch (error) {
    reads.close();
    throw error;
  }
  const close = async (): Promise<void> => {
    await app.close();
    reads.close();
  };
  try {
    await app.listen({ host: settings.address.host, port: settings.address.port });
  } catch (error) {
    await close();
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError('http_listen_failed', `--http ${settings.address.host}:${settings.address.port}: cannot listen there (${code}); choose another port`, { cause: error });
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : settings.address.port;
  const at = { host: settings.address.host, port, origin: originOf({ host: settings.address.host, port }) };
  try {
    await options.stateFile.update({ http: { origin: at.origin, owner_tokens: ownerTokens, principal } });
  } catch (error) {
    await close();
    throw error;
  }
  options.logger.child({ component: 'serve' }).info({ origin: at.origin }, 'http listening');
  return { at, close };
}
