/**
 * Issue 8: the CLI's error lines never carry a value. DuckDB errors that can quote one are shown by
 * their kind only, in `query`, in a failed run's summary line and as internal errors.
 */
import { describe, expect, it } from 'vitest';
import { errorTextWithoutValues } from '../../src/error-text.ts';
import { formatRunSummary } from '../../src/cli/summary.ts';
import type { RunSummary } from '../../src/run/run-pipeline.ts';

const ID = '350102198503171237';

describe('errorTextWithoutValues', () => {
  it('withholds the message of DuckDB errors that can quote a value, keeps those that describe the statement', () => {
    expect(errorTextWithoutValues(new Error(`Conversion Error: Could not convert string '${ID},陈明' to JSON\n\nLINE 1: …`))).toBe('Conversion Error: (message withheld: it can quote values of the index)');
    expect(errorTextWithoutValues(`Invalid Input Error: Malformed JSON at byte 0 of input: unexpected character.  Input: ${ID}`)).toBe('Invalid Input Error: (message withheld: it can quote values of the index)');
    expect(errorTextWithoutValues(new Error('Constraint Error: Duplicate key "id: 1" violates primary key constraint'))).toBe('Constraint Error: (message withheld: it can quote values of the index)');
    expect(errorTextWithoutValues(new Error('Binder Error: Referenced column "nope" not found in FROM clause!\nCandidate bindings: …'))).toBe('Binder Error: Referenced column "nope" not found in FROM clause!');
    expect(errorTextWithoutValues(new Error('Catalog Error: Table with name x does not exist!'))).toBe('Catalog Error: Table with name x does not exist!');
    expect(errorTextWithoutValues(new Error('/data/x.csv:3: the header is not valid utf-8'))).toBe('/data/x.csv:3: the header is not valid utf-8');
  });

  it('the run summary shows a failed run by its error kind when the error can quote a value', () => {
    const failed = {
      runId: 'r000002', pipeline: 'staff', system: 's', status: 'failed', errorCode: 'internal_error',
      error: `Conversion Error: Could not convert string '${ID},陈明' to JSON`, durationMs: 1,
      rowsRead: 0, loaded: 0, duplicates: 0, quarantined: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, events: 0, linked: 0, unlinked: 0, relinked: 0,
    } as RunSummary;
    const text = formatRunSummary([failed], 0);
    expect(text).toContain('staff: failed (internal_error): Conversion Error: (message withheld: it can quote values of the index)\n');
    expect(text).not.toContain(ID);
    expect(text).not.toContain('陈明');
  });
});
