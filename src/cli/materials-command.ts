/**
 * `onecode materials --holder CODE --needs TYPE,TYPE… [--role …]`: "already on file?" for a
 * service counter (src/access/protected-materials.ts): one JSON answer on stdout, for each licence
 * type whether the licence library holds one valid today in China for the holder; a line on
 * stderr says how many are on file. The access is recorded in access_log (action `materials`).
 */
import { keyForPolicy } from '../access/policy-key.ts';
import { materialsAs, parseNeeds, type MaterialsDocument } from '../access/protected-materials.ts';
import { requireRight } from '../access/require-right.ts';
import { personalPolicyOf, type Role } from '../access/roles.ts';
import { ConfigError } from '../errors.ts';
import { classify } from '../identifiers/classify.ts';
import { todayInChina } from '../run/today-in-china.ts';
import { cliRequester } from './cli-requester.ts';
import { openIndexForRecording } from './open-index-for-cli.ts';
import { jsonSafe } from './output.ts';

/** Options of {@link materialsCommand}, from the command line. */
export interface MaterialsCommandOptions {
  holder: string;
  /** The `--needs` list as typed: licence type codes, comma-separated. */
  needs: string;
  role: Role;
  dbPath: string;
  env?: NodeJS.ProcessEnv;
}

/** Prints the answer (JSON) and, on stderr, how many of the needed licences are on file. */
export function printMaterials(doc: MaterialsDocument): void {
  process.stdout.write(JSON.stringify(doc, jsonSafe, 2) + '\n');
  const onFile = doc.needs.filter((n) => n.on_file).length;
  process.stderr.write(`onecode: ${onFile} of ${doc.needs.length} needed licence type${doc.needs.length === 1 ? '' : 's'} on file and valid on ${doc.date}\n`);
}

/**
 * Answers the materials check on the index at `dbPath`; exit 0 when answered (whatever is on file).
 * @throws OnecodeError `forbidden` (exit 2, before the index is opened); ConfigError `needs_invalid`,
 *   `code_invalid` (the reasons, never the value), `pseudonym_key_unset`, `analyst_policy_invalid`;
 *   what openIndexForRecording throws.
 */
export async function materialsCommand(options: MaterialsCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  requireRight(options.role, 'lookup');
  const needs = parseNeeds(options.needs);
  const key = await keyForPolicy(personalPolicyOf(options.role, env), env);
  const runDate = todayInChina();
  const index = await openIndexForRecording(options.dbPath);
  try {
    const doc = await materialsAs(index.connection, options.holder, needs, cliRequester(options.role), { runDate, key, env });
    if (doc === null) {
      const id = classify(options.holder, { runDate });
      throw new ConfigError('code_invalid', `not a valid holder code: ${id.reasons.map((r) => r.message).join('; ')}`);
    }
    printMaterials(doc);
  } finally {
    index.close();
  }
}
