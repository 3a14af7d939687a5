/**
 * "Already on file?" asked by someone with a role (the HTTP API, the CLI): for each licence type a
 * service item needs, whether the licence library holds a licence valid today for the holder, so
 * a service counter need not ask for it again (src/index/licence-rows.ts answerNeeds). Guarded as
 * a lookup is (protected-lookup.ts): the right `lookup` is checked first, the access is recorded in
 * access_log (action `materials`), and the answer leaves under the role's policy.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigError } from '../errors.ts';
import { answerNeeds, licencesOf, type MaterialAnswer } from '../index/licence-rows.ts';
import { resolveLookupCode } from '../index/lookup.ts';
import type { Classification } from '../identifiers/types.ts';
import { GOLDEN_CODE_KIND, LICENCE_FIELD_KINDS, PERSON_CODE_KINDS, type Subject } from './personal-values.ts';
import { protectByRule, type Rule } from './protect-document.ts';
import { answerGuarded, type Requester } from './protected-lookup.ts';

/** Most licence types one materials check may name. */
export const MAX_NEEDS = 50;

/** A licence type code as asked: letters, digits, `.`, `-` or `_`, 1 to 64 characters. */
const TYPE_CODE = /^[0-9A-Za-z._-]{1,64}$/;

/** The answer of a materials check (`onecode materials`, GET /api/v1/materials/{holder}). */
export interface MaterialsDocument {
  /** The holder's one code (an alias or a licence identifier resolved; a person's protected as the role allows). */
  holder: string;
  /** The classification of the holder code given. */
  identifier: Pick<Classification, 'kind' | 'status'>;
  /** The day validity was judged on: today in China, YYYY-MM-DD. */
  date: string;
  /** One answer per licence type asked, in the order asked. */
  needs: MaterialAnswer[];
}

/**
 * The licence type codes of a `needs` list (`TYPE,TYPE…`): trimmed, empty items dropped, repeats
 * removed, order kept.
 * @throws ConfigError `needs_invalid` (exit 2, HTTP 400): none, more than {@link MAX_NEEDS}, or an
 *   item that is no type code (the message names its position, not its text).
 */
export function parseNeeds(text: string): string[] {
  const items = [...new Set(text.split(',').map((t) => t.trim()).filter((t) => t !== ''))];
  if (items.length === 0) throw new ConfigError('needs_invalid', 'name at least one licence type code (--needs TYPE,TYPE…)');
  if (items.length > MAX_NEEDS) throw new ConfigError('needs_invalid', `at most ${MAX_NEEDS} licence types in one check, found ${items.length}`);
  const bad = items.findIndex((t) => !TYPE_CODE.test(t));
  if (bad >= 0) throw new ConfigError('needs_invalid', `licence type ${bad + 1} of the list is no type code (letters, digits, '.', '-' or '_', at most 64)`);
  return items;
}

/** The guard of a materials answer whose holder is `s`. */
function materialsRule(s: Subject): Rule {
  return {
    fields: {
      holder: GOLDEN_CODE_KIND[s],
      identifier: { fields: { kind: 'clear', status: 'clear' } },
      date: 'clear',
      needs: { each: { fields: { licence_type_code: 'clear', on_file: 'clear', licence: { fields: LICENCE_FIELD_KINDS[s] }, why_not: 'clear', held: 'clear' } } },
    },
  };
}

/**
 * Answers, for `holder` (any form or alias of a code, or a licence identifier, as lookupCode takes
 * it) and each licence type of `needs`, whether a licence valid on `runDate` is on file.
 * 1. The role must hold the right `lookup`: otherwise OnecodeError `forbidden`, nothing recorded.
 * 2. The holder resolves as in a lookup (resolveLookupCode: legacy codes through their aliases).
 * 3. The access is recorded: action `materials`, the holder's one code, row_count the licences
 *    shown as on file, `codes` the holder's, outcome `ok`, or `not_found` when the holder has no
 *    licence at all; an input that is no valid identifier `failed` with no code.
 * 4. The answer leaves under the role's policy (a person's code, licence numbers and identifiers).
 * @param options.runDate today in China (src/run/today-in-china.ts), YYYY-MM-DD.
 * @returns the protected answer, or null when `holder` is no valid identifier.
 * @throws OnecodeError `forbidden`; ConfigError `pseudonym_key_unset`, `analyst_policy_invalid`.
 */
export async function materialsAs(
  connection: DuckDBConnection,
  holder: string,
  needs: readonly string[],
  who: Requester,
  options: { runDate: string; key?: Buffer; env?: NodeJS.ProcessEnv },
): Promise<MaterialsDocument | null> {
  return answerGuarded(connection, who, 'materials', options, async () => {
    const resolved = await resolveLookupCode(connection, holder, options.runDate);
    if (resolved === null) return null;
    const licences = await licencesOf(connection, resolved.oneCode, options.runDate);
    const doc: MaterialsDocument = {
      holder: resolved.oneCode, identifier: { kind: resolved.id.kind, status: resolved.id.status }, date: options.runDate, needs: answerNeeds(licences, needs),
    };
    return { doc, held: licences.length };
  }, ({ doc, held }, policy) => {
    const subject: Subject = PERSON_CODE_KINDS.has(doc.identifier.kind) ? 'person' : 'legal_person';
    const { shown, codes } = protectByRule(doc, materialsRule(subject), policy, options.key);
    return { code: doc.holder, rowCount: doc.needs.filter((n) => n.on_file).length, codes, found: held > 0, shown };
  });
}
