import { buildLinkTargets, resolveWaitingSql } from '../linkage.ts';
import { scalar, type PlanContext } from './plan-context.ts';

/** Linkage of this extract's rows (linkage.ts). */
export interface WaitingRows {
  /** Loaded rows whose one code was found through a legacy code. */
  linked: number;
  /** Loaded rows left waiting for their legacy code to resolve. */
  unlinked: number;
  /** Records in the index, of any pipeline, linked or waiting (resolved again by relink.ts). */
  legacyInIndex: number;
}

/**
 * Links the loaded candidates that wait for a legacy code (code_status 'unlinked', see
 * canWaitUnlinked in candidates.ts) where an alias resolves them, updating the candidates in
 * place (`one code`, code_status 'linked', linked_via). Builds the link targets (linkage.ts)
 * when anything in the extract or the index may need them; plan-run drops them at the end.
 */
export async function linkWaitingRows(ctx: PlanContext): Promise<WaitingRows> {
  const { connection: c, candidates: cand, codeColumn } = ctx;
  const waiting = await scalar(c, `SELECT count(*) FROM ${cand} WHERE disposition = 'loaded' AND code_status = 'unlinked'`);
  const legacyInIndex = await scalar(c, `SELECT count(*) FROM source_record WHERE code_status IN ('linked', 'unlinked')`);
  if (waiting + legacyInIndex > 0) await buildLinkTargets(c, cand, { name: ctx.pipeline.name, absentDeletes: ctx.policy.absentDeletes });
  if (waiting === 0) return { linked: 0, unlinked: 0, legacyInIndex };
  await c.run(`
    UPDATE ${cand} t SET ${codeColumn} = r.one_code, code_status = 'linked', linked_via = r.linked_via
    FROM (${resolveWaitingSql(`SELECT rn AS id, org_code, business_reg_no FROM ${cand} WHERE disposition = 'loaded' AND code_status = 'unlinked'`)}) r
    WHERE t.rn = r.id`);
  const [linked, unlinked] = (await c.runAndReadAll(`
    SELECT count(*) FILTER (WHERE code_status = 'linked'), count(*) FILTER (WHERE code_status = 'unlinked')
    FROM ${cand} WHERE disposition = 'loaded'`)).getRows()[0]!.map(Number) as [number, number];
  return { linked, unlinked, legacyInIndex };
}
