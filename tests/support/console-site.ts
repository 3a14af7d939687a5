/**
 * The web console's test site: the indexed sample and a real `onecode serve` with its HTTP API
 * and the console's files on 127.0.0.1 (tests/support/api-serve.ts, one token per role), and the
 * sample person the console test looks up. Used by tests/console/console.test.ts and by
 * scripts/console-screenshots.ts.
 */
import type { Role } from '../../src/access/roles.ts';
import { readTokenFile } from '../../src/access/tokens.ts';
import { startApiServe, type ApiServe } from './api-serve.ts';
import { indexedSample, richPerson } from './indexed-sample.ts';
import type { Workspace } from './workspace.ts';

/** A person of the sample index known to several systems and through a 15-digit alias. */
export interface SamplePerson {
  /** The 18-character resident identity number (the one code). */
  code: string;
  /** The 15-digit number (GB 11643-1989) a system holds for the same person. */
  old: string;
  name: string;
  phone: string | null;
  /** How many systems hold a record whose one code is the person's. */
  systems: number;
}

export interface ConsoleSite {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** A token per role. */
  tokens: Record<Role, string>;
  /** The name of each role's token, as whoami and the access log give it. */
  names: Record<Role, string>;
  person: SamplePerson;
  api: ApiServe;
  stop(): Promise<void>;
}

/**
 * The sample person the console test looks up, picked from the index (never hard-coded):
 * indexed-sample.ts richPerson, known by a 15-digit alias, with an employer, a phone and a legal
 * person they represent.
 */
async function pickPerson(ws: Workspace): Promise<SamplePerson> {
  const { id } = await richPerson(ws);
  const [row] = await ws.rows(`
    SELECT p.id_number AS code, a.alias AS old, p.name, p.phone, (SELECT count(DISTINCT system) FROM records r WHERE r.one_code = p.id_number)::INT AS systems
    FROM persons p JOIN aliases a ON a.code = p.id_number AND a.alias_kind = 'resident_id_15'
    WHERE p.id_number = '${id}'`);
  return row as unknown as SamplePerson;
}

/** Generates and indexes the sample (seed `seed`), then starts serve with its HTTP API on it. */
export async function startConsoleSite(options: { seed?: number } = {}): Promise<ConsoleSite> {
  const sample = await indexedSample(options.seed ?? 1);
  try {
    const person = await pickPerson(sample);
    const api = await startApiServe(sample);
    const entries = await readTokenFile(api.tokensFile);
    const nameOf = (role: Role) => entries.find((e) => e.role === role)!.name;
    return {
      origin: api.origin,
      tokens: api.tokens,
      names: { analyst: nameOf('analyst'), steward: nameOf('steward'), operator: nameOf('operator') },
      person,
      api,
      stop: async () => {
        await api.stop();
        await sample.dispose();
      },
    };
  } catch (error) {
    await sample.dispose();
    throw error;
  }
}
