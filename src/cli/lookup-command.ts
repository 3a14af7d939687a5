/**
 * `onecode lookup CODE [--role steward|analyst]`: the lookup document of one code on stdout, as
 * the role may see it, the access recorded in access_log (src/access/protected-lookup.ts). The
 * owner's tool: it runs as `cli:<OS user>` with the role `steward` unless told otherwise.
 */
import { foundNothing, lookupAs } from '../access/protected-lookup.ts';
import { keyForPolicy } from '../access/policy-key.ts';
import { requireRight } from '../access/require-right.ts';
import { personalPolicyOf, type Role } from '../access/roles.ts';
import { ConfigError } from '../errors.ts';
import { classify } from '../identifiers/classify.ts';
import { todayInChina } from '../run/run-pipeline.ts';
import { cliRequester } from './cli-requester.ts';
import { openIndexForRecording } from './open-index-for-cli.ts';
import { jsonSafe } from './output.ts';

/** Options of {@link lookupCommand}, from the command line. */
export interface LookupCommandOptions {
  code: string;
  role: Role;
  dbPath: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Prints the document (JSON) of `code` under the role's policy; exit 1 when the code is valid but
 * nothing carries it (said on stderr).
 * @throws OnecodeError `forbidden` (exit 2, before the index is opened); ConfigError `code_invalid`
 *   (the reasons, never the value), `pseudonym_key_unset`, `analyst_policy_invalid`; what
 *   openIndexForRecording throws.
 */
export async function lookupCommand(options: LookupCommandOptions): Promise<void> {
  const env = options.env ?? process.env;
  requireRight(options.role, 'lookup');
  const key = await keyForPolicy(personalPolicyOf(options.role, env), env);
  const runDate = todayInChina();
  const index = await openIndexForRecording(options.dbPath);
  try {
    const doc = await lookupAs(index.connection, options.code, cliRequester(options.role), { runDate, key, env });
    if (doc === null) {
      const id = classify(options.code, { runDate });
      throw new ConfigError('code_invalid', `not a valid code: ${id.reasons.map((r) => r.message).join('; ')}`);
    }
    process.stdout.write(JSON.stringify(doc, jsonSafe, 2) + '\n');
    if (foundNothing(doc)) {
      process.stderr.write(`onecode: the code is valid, but nothing in the index carries it\n`);
      process.exitCode = 1;
    }
  } finally {
    index.close();
  }
}
