/**
 * The connections the HTTP API reads the index with: connections of serve's own DuckDB instance
 * (one process writes a DuckDB file, so there is no other), apart from the one serve runs
 * pipelines and pushes on. DuckDB's MVCC gives each read the last committed state, so a read
 * never waits behind a run's open transaction, and never sees half of one.
 *
 * Setting a connection up costs about 30 ms (open-index.ts connectToIndex), so connections are
 * kept and reused: at most `size` at once, a request waiting for one when all are lent. Each is
 * lent to one request at a time and always returned in autocommit mode (a route that opens a
 * transaction ends it).
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { OnecodeError } from '../errors.ts';
import { connectToIndex } from '../index/open-index.ts';

/** See {@link createReadPool}. */
export interface ReadPool {
  /**
   * Runs `read` on a connection of its own, returned to the pool afterwards (after a ROLLBACK
   * when `read` threw, in case it threw inside a transaction).
   * @throws OnecodeError `index_closed` once the pool is closed; what `read` throws.
   */
  withConnection<T>(read: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  /** Closes the idle connections, and the lent ones as they come back; later reads are refused. */
  close(): void;
  /** Whether {@link close} was called. */
  closed(): boolean;
}

/** A pool of up to `size` (default 4) read connections to `instance`, made as needed. */
export function createReadPool(instance: DuckDBInstance, options: { size?: number } = {}): ReadPool {
  const size = options.size ?? 4;
  const idle: DuckDBConnection[] = [];
  const waiting: Array<(connection: DuckDBConnection | undefined) => void> = [];
  let made = 0;
  let isClosed = false;

  const acquire = async (): Promise<DuckDBConnection> => {
    if (isClosed) throw closedError();
    const ready = idle.pop();
    if (ready) return ready;
    if (made < size) {
      made += 1;
      try {
        return await connectToIndex(instance);
      } catch (error) {
        made -= 1;
        throw error;
      }
    }
    const lent = await new Promise<DuckDBConnection | undefined>((resolve) => waiting.push(resolve));
    if (lent === undefined) throw closedError();
    return lent;
  };

  const release = (connection: DuckDBConnection): void => {
    if (isClosed) {
      connection.closeSync();
      return;
    }
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  };

  return {
    async withConnection(read) {
      const connection = await acquire();
      try {
        return await read(connection);
      } catch (error) {
        // A read that failed inside a transaction of its own leaves none open (no transaction: a no-op error).
        await connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        release(connection);
      }
    },
    close() {
      isClosed = true;
      for (const connection of idle.splice(0)) connection.closeSync();
      for (const next of waiting.splice(0)) next(undefined);
    },
    closed: () => isClosed,
  };
}

function closedError(): OnecodeError {
  return new OnecodeError('index_closed', 'the index is closed: serve is stopping');
}
