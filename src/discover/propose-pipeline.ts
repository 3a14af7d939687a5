/**
 * Writes a guess (guess-mapping.ts) as a pipeline YAML proposal with comments: a header naming
 * the source and the sample, a table of every column with its evidence, and beside each proposed
 * key why it was proposed. What the user must fill is marked `TODO`; the proposal loads as a
 * pipeline (src/config/load-pipelines.ts) as it stands, TODOs included, whenever a one-code
 * column was found.
 *
 * Nothing in it is a value of the source: column names, type names, counts and shares, and
 * delete-flag words from a fixed list.
 */
import { Document, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { CATALOGUE_PLACEHOLDER, dataItemTypeOf } from '../../schemas/catalogue-entry.ts';
import { ONE_CODE_FIELDS, type CanonicalField } from '../../schemas/canonical.ts';
import { TO_FILL } from '../catalogue/entry-findings.ts';
import type { SourceDescription } from '../../connectors/types.ts';
import { kindOfConcept, percent } from './column-concepts.ts';
import { fieldFit, type ColumnGuess, type Guess } from './guess-mapping.ts';
import { PROFILED_KINDS } from './profile-columns.ts';

/** A placeholder the user must replace (the catalogue entry takes the same one). */
export const TODO = CATALOGUE_PLACEHOLDER;

/** What the proposal needs beside the guess. */
export interface ProposalInput {
  guess: Guess;
  source: SourceDescription;
  /** Rows sampled and records that could not be read among them. */
  sampled: { rows: number; unreadable: number };
  /** The departmental system's name; absent: `TODO`. */
  system?: string;
  description?: string;
  /** The connector block as it is to be written (`kind` first, a file path relative to the pipeline file). */
  connector: Record<string, unknown>;
  /** Where the proposal is meant to be saved (for the first comment line). */
  saveAs: string;
  /** Settings kept from an existing pipeline file, written as they are after the mode. */
  kept?: Record<string, unknown>;
  /** Lines comparing the proposal with an existing pipeline file, written under the header. */
  comparison?: string[];
  /** `comments` (default): the column table heads the file; `elsewhere`: the caller prints it ({@link columnTable}). */
  columnTable?: 'comments' | 'elsewhere';
}

/** The proposal as YAML text (module doc). */
export function proposePipeline(input: ProposalInput): string {
  const { guess } = input;
  const doc = new Document({});
  const root = doc.contents as YAMLMap;
  const table = input.columnTable === 'elsewhere' ? ['The column table is on stderr: with it this file would be too long for a pipeline file.'] : ['', ...columnTable(guess)];
  const heading = (todos: number) => [...headerLines(input, todos), ...table].map((l) => (l === '' ? '' : ` ${l}`)).join('\n');

  set(root, 'system', input.system ?? TODO, input.system === undefined ? `${TODO}: the departmental system's name, e.g. 会计人员管理系统 (--system)` : undefined);
  if (input.description !== undefined) set(root, 'description', input.description);
  set(root, 'entity', guess.entity.entity, guess.entity.why);
  root.add(doc.createPair('connector', input.connector));
  root.add({ key: new Scalar('mapping'), value: mappingNode(guess) });
  const key = new YAMLSeq();
  key.flow = true;
  for (const column of guess.sourceKey.columns) key.add(new Scalar(column));
  key.comment = ` ${oneLine(`${guess.sourceKey.todo ? `${TODO}: ${guess.sourceKey.todo}; ` : ''}${guess.sourceKey.why}`)}`;
  root.add({ key: new Scalar('source_key'), value: key });
  set(root, 'mode', guess.mode, modeComment(guess));
  const cast = castTodo(guess, input.connector);
  if (cast) (root.items[root.items.length - 1]!.key as Scalar).commentBefore = cast.map((l) => ` ${l}`).join('\n');
  if (guess.mode === 'cursor' && guess.cursor) {
    const cursor = doc.createPair('cursor', { column: guess.cursor.column, lag_seconds: 300 });
    (cursor.key as Scalar).commentBefore = ` ${oneLine(guess.cursor.why)}; lag_seconds: how late a change may commit`;
    root.add(cursor);
  }
  for (const [key, value] of Object.entries(input.kept ?? {})) root.add(doc.createPair(key, value));
  const trailing = addDeleteFlag(doc, root, guess);
  addClassification(root, guess);
  // an existing pipeline's entry is kept as written (check compares it with the new mapping)
  if (input.kept?.catalogue === undefined) addCatalogue(doc, root, guess);
  if (trailing.length > 0) doc.comment = trailing.map((l) => ` ${l}`).join('\n');
  // The heading says how many TODOs the rest holds (column names and the table are no TODO).
  doc.commentBefore = heading(0);
  const todos = countTodos(doc.toString(RENDER)) - countTodos(doc.commentBefore);
  doc.commentBefore = heading(todos);
  return doc.toString(RENDER);
}

const RENDER = { lineWidth: 0, flowCollectionPadding: false } as const;
const countTodos = (text: string) => text.match(/\bTODO\b/g)?.length ?? 0;

function set(map: YAMLMap, key: string, value: string, comment?: string): void {
  const node = new Scalar(value);
  if (comment) node.comment = ` ${oneLine(comment)}`;
  map.add({ key: new Scalar(key), value: node });
}

function headerLines(input: ProposalInput, todos: number): string[] {
  const { rows, unreadable } = input.sampled;
  return [
    `Proposed by onecode discover from the first ${rows} row(s) of ${oneLine(input.source.label)} (connector ${String(input.connector.kind)})${unreadable > 0 ? `; ${unreadable} more record(s) could not be read` : ''}.`,
    `Save as ${oneLine(input.saveAs)} and review every line${todos > 0 ? `; replace the ${todos} place(s) marked ${TODO}` : ''}.`,
    'Evidence is counts and shares of the sample: nothing here quotes a value of the source.',
    ...(input.comparison ?? []).map(oneLine),
  ];
}

/** One line per column: name | type | proposed field and class | evidence (no value of the source). */
export function columnTable(guess: Guess): string[] {
  const lines = ['column | type | proposed | evidence'];
  for (const g of guess.columns) {
    const proposed = [g.field ?? '-', g.classification ?? ''].filter(Boolean).join(', ');
    lines.push(`${oneLine(g.profile.name)} | ${oneLine(g.profile.type ?? '-')} | ${proposed} | ${evidence(g)}`);
  }
  return lines;
}

/**
 * A column's evidence: the dictionary name its header matched, how many sampled rows fill it,
 * how many distinct values it holds, the share of values that fit its field (or, for a column
 * with no field, every identifier kind and form holding a fifth of its values), and any remark.
 */
export function evidence(g: ColumnGuess): string {
  const p = g.profile;
  const parts: string[] = [];
  if (g.match) parts.push(g.match.how === 'exact' ? `header ${oneLine(g.match.name)}` : `header ends with ${oneLine(g.match.name)}`);
  else parts.push('header not in the dictionary');
  parts.push(`${p.nonEmpty}/${p.rows} filled (empty ${percent(p.rows === 0 ? 0 : (p.rows - p.nonEmpty) / p.rows)}), ${p.distinct} distinct`);
  const fit = fieldFit(g);
  if (fit) parts.push(`${fit.what} ${percent(fit.share)}`);
  else {
    const kind = kindOfConcept(g.concept);
    for (const k of PROFILED_KINDS) if (k === kind || p.identifiers[k] >= 0.2) parts.push(`valid ${k.replace(/_/g, ' ')} ${percent(p.identifiers[k])}`);
    if (p.phones >= 0.2) parts.push(`phone numbers ${percent(p.phones)}`);
    if (p.timestamps >= 0.2) parts.push(`timestamps ${percent(p.timestamps)}`);
    else if (p.dates >= 0.2) parts.push(`dates ${percent(p.dates)}`);
    if (p.flags) parts.push('yes/no words');
  }
  if (g.note) parts.push(g.note);
  if (g.unmappedWhy) parts.push(`not mapped: ${g.unmappedWhy}`);
  return parts.map(oneLine).join('; ');
}

function mappingNode(guess: Guess): YAMLMap {
  const map = new YAMLMap();
  const byColumn = new Map(guess.columns.map((g) => [g.profile.name, g]));
  for (const [field, column] of Object.entries(guess.mapping) as Array<[CanonicalField, string]>) {
    const g = byColumn.get(column)!;
    const fit = fieldFit(g);
    const by = g.by === 'values' ? 'by values' : g.match ? `header ${g.match.how === 'exact' ? '' : 'ends with '}${g.match.name}` : '';
    set(map, field, column, [by, fit ? `${fit.what} ${percent(fit.share)} of ${g.profile.nonEmpty}` : '', g.note ?? ''].filter(Boolean).join('; '));
  }
  const missing = missingOneCode(guess);
  if (missing !== undefined) {
    set(map, missing, TODO, `${TODO}: the column holding the one code (${ONE_CODE_FIELDS[guess.entity.entity].join(' or ')}): none was recognised`);
  }
  return map;
}

/** The one-code field the proposal maps to `TODO` because no column was recognised as one, or undefined. */
function missingOneCode(guess: Guess): CanonicalField | undefined {
  const oneCode = ONE_CODE_FIELDS[guess.entity.entity];
  return oneCode.some((f) => guess.mapping[f] !== undefined) ? undefined : oneCode[0];
}

/**
 * The `catalogue:` skeleton (schemas/catalogue-entry.ts, docs/catalogue.md): one data item per
 * mapped field (named as its column, typed by dataItemTypeOf, its code `TODO`), so that the entry
 * agrees with the mapping; `TODO` where only the user knows the value, each commented with what
 * to write (entry-findings.ts TO_FILL, the text `onecode check` reports it with); the sharing type
 * `conditional`, open attribute `not_open` and update cycle `irregular` as the cautious defaults
 * to review.
 */
function addCatalogue(doc: Document, root: YAMLMap, guess: Guess): void {
  const entry = new YAMLMap();
  const todo = (map: YAMLMap, key: string, path: string) => set(map, key, TODO, `write ${TO_FILL[path]!}`);
  for (const key of ['resource_name', 'resource_code', 'provider', 'provider_code', 'classification', 'abstract', 'format']) todo(entry, key, key);
  const items = new YAMLSeq();
  const missing = missingOneCode(guess);
  const fields = [...(missing === undefined ? [] : [[missing, TODO] as const]), ...(Object.entries(guess.mapping) as Array<[CanonicalField, string]>)];
  for (const [field, column] of fields) {
    const item = doc.createNode({ name: column, type: dataItemTypeOf(field), code: TODO, field }) as YAMLMap;
    item.flow = true;
    items.add(item);
  }
  const itemsPair = doc.createPair('data_items', items);
  (itemsPair.key as Scalar).commentBefore = ` one per mapped field, named as its column; write each item's code (数据元标识符, or the provider's own)`;
  entry.add(itemsPair);
  const sharing = new YAMLMap();
  set(sharing, 'type', 'conditional', 'review: unconditional, conditional or not_shared (共享类型)');
  todo(sharing, 'conditions', 'sharing.conditions');
  todo(sharing, 'method', 'sharing.method');
  entry.add({ key: new Scalar('sharing'), value: sharing });
  set(entry, 'open', 'not_open', 'review: open, conditional or not_open (开放属性)');
  set(entry, 'update_cycle', 'irregular', 'review: real_time, daily, weekly, monthly, quarterly, yearly or irregular (更新周期)');
  todo(entry, 'publish_date', 'publish_date');
  const pair = doc.createPair('catalogue', entry);
  (pair.key as Scalar).commentBefore = ' The resource catalogue entry (docs/catalogue.md): onecode check lists each placeholder left here';
  root.add(pair);
}

function modeComment(guess: Guess): string {
  const parts = [guess.modeWhy];
  const cursor = guess.cursor;
  if (cursor && !cursor.usable) {
    parts.push(cursor.refusedType === undefined
      ? `${cursor.column} could serve as a cursor (${cursor.why}), but this connector does not read by cursor`
      : `${cursor.column} is an update time (${cursor.why}), but its type ${cursor.refusedType} cannot bound a cursor read: see the comment above`);
  }
  return parts.join('; ');
}

/**
 * For an update time whose database type the connector refuses as a cursor (a time kept as
 * `text`): comment lines with a TODO showing the way, not YAML, since the cast fails the read
 * when a value is not a timestamp and only the user knows whether every one is: a `query` that
 * casts the column to a timestamp under a new name, and that name as `cursor.column` (a source
 * column, not a canonical field). Quoted for the connector's dialect: MySQL's backticks and
 * DATETIME, else SQL's double quotes and timestamp (PostgreSQL; SQL:2016 §6.13 <cast specification>).
 */
function castTodo(guess: Guess, connector: Record<string, unknown>): string[] | undefined {
  const refused = guess.cursor?.refusedType;
  if (refused === undefined) return undefined;
  const column = guess.cursor!.column;
  const mysql = connector.kind === 'mysql';
  const quote = (name: string) => (mysql ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`);
  const from = typeof connector.table === 'string' ? connector.table.split('.').map(quote).join('.') : '(the query now in connector.query) q';
  const select = `SELECT *, CAST(${quote(column)} AS ${mysql ? 'DATETIME' : 'timestamp'}) AS ${quote(`${column}_ts`)} FROM ${from}`;
  return [
    oneLine(`${TODO}: ${column} holds update times but is of type ${refused}, which cannot bound a cursor read. To read only what changed,`),
    oneLine(`  replace connector.${typeof connector.table === 'string' ? 'table' : 'query'} with query: ${select}`),
    oneLine(`  then set mode: cursor and cursor: { column: ${column}_ts, lag_seconds: 300 } (the read fails if a value is no timestamp).`),
  ];
}

/**
 * `deleted_when` when the delete flag's words are known and the mode takes it; otherwise a TODO
 * line for the end of the file.
 */
function addDeleteFlag(doc: Document, root: YAMLMap, guess: Guess): string[] {
  const flag = guess.deleteFlag;
  if (flag === undefined) return [];
  if (flag.values === undefined || guess.mode === 'snapshot') {
    const example = `deleted_when: { column: ${JSON.stringify(flag.column)}, values: [${TODO}] }`;
    return [oneLine(`${TODO}: ${example}`), `  (${oneLine(flag.why)}; ${flag.todo ?? 'use it with mode incremental or cursor'})`];
  }
  const pair = doc.createPair('deleted_when', { column: flag.column, values: flag.values });
  const value = pair.value as YAMLMap;
  (value.get('values', true) as unknown as YAMLSeq).flow = true;
  (pair.key as Scalar).commentBefore = ` ${oneLine(flag.why)}`;
  root.add(pair);
  return [];
}

function addClassification(root: YAMLMap, guess: Guess): void {
  const map = new YAMLMap();
  for (const g of guess.columns) {
    if (!g.classification) continue;
    const why = g.classification === 'secret' ? secretComment(g) : undefined;
    set(map, g.profile.name, g.classification, why);
  }
  if (map.items.length > 0) root.add({ key: new Scalar('classification'), value: map });
}

function secretComment(g: ColumnGuess): string {
  if (g.concept.kind === 'role' && g.concept.role === 'bank_account') {
    return 'a bank card or account number: sensitive personal information (PIPL Art. 28) that identifies no one in the index, so never stored; make it personal to keep it in the payload';
  }
  return 'a password or token: never stored';
}

/**
 * Text safe on one comment line: a line break or other control character (a column name can
 * hold one) is written as a `\\uXXXX` escape, so no name can end the comment and start YAML.
 */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f\u0085\u2028\u2029]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
