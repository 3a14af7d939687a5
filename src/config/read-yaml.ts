/**
 * Reading a pipeline file's YAML defensively. A pipeline file is a small mapping of keys; anything
 * else is refused with one line naming the file (and the line where it can), before it can cost
 * much time or memory:
 *
 * - not a regular file (a FIFO would block the read for ever), or larger than {@link YAML_LIMITS}.bytes;
 * - not UTF-8 text;
 * - nested deeper than {@link YAML_LIMITS}.depth (measured on the parser's tokens without recursion,
 *   before the composer, which recurses, sees them);
 * - a syntax error, several documents, a duplicate key, or a tag the YAML 1.2 core schema does not
 *   know (`!!js/function`, `!!binary`, `!!set`, `!custom`: never resolved to a string, a Buffer or a
 *   Set and accepted);
 * - aliases that expand beyond {@link YAML_LIMITS}.aliases nodes ("billion laughs");
 * - a document that is not a mapping (a scalar, a list, or empty).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { Composer, isMap, isScalar, LineCounter, Parser, type CST, type Document, type Node } from 'yaml';
import { ConfigError } from '../errors.ts';

/** Limits on a pipeline file. A real one is a few hundred bytes to a few KiB, nested 3 deep. */
export const YAML_LIMITS = {
  /** Largest file read, in bytes. */
  bytes: 32 * 1024,
  /** Deepest nesting of mappings and lists. */
  depth: 20,
  /** Most nodes that aliases may expand to (the `yaml` package's maxAliasCount). */
  aliases: 100,
} as const;

/** A parsed pipeline file: its top-level mapping and where each key is. */
export interface YamlMapping {
  /** The mapping as plain JavaScript values. */
  value: Record<string, unknown>;
  /** The line (1-based) of the value at a field path (`['connector', 'path']`), or of its nearest parent. */
  lineOf(fieldPath: readonly (string | number)[]): number | undefined;
  /** The line of every key of the mapping and of mappings inside it, by dotted path (`connector.path`). */
  fieldLines: Record<string, number>;
}

/**
 * Reads a pipeline file's text: a regular UTF-8 file of at most {@link YAML_LIMITS}.bytes.
 * @param file the path as the user gave it (used in messages).
 * @throws ConfigError `config_unreadable` (exit 2), one line naming the file.
 */
export async function readPipelineText(file: string): Promise<string> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new ConfigError('config_unreadable', `${file}: cannot read pipeline file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ConfigError('config_unreadable', `${file}: not a regular file`);
    if (info.size > YAML_LIMITS.bytes) {
      throw new ConfigError('config_invalid', `${file}: ${info.size} bytes is too large for a pipeline file (at most ${YAML_LIMITS.bytes})`);
    }
    const buffer = Buffer.alloc(YAML_LIMITS.bytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > YAML_LIMITS.bytes) throw new ConfigError('config_invalid', `${file}: too large for a pipeline file (at most ${YAML_LIMITS.bytes} bytes)`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, bytesRead));
    } catch {
      throw new ConfigError('config_invalid', `${file}: not UTF-8 text`);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Parses a pipeline file's text into its top-level mapping.
 * @throws ConfigError `config_invalid` (exit 2) with one line `file:line: YAML …` naming the first
 *   problem; never a value of the file beyond a tag name.
 */
export function parseYamlMapping(text: string, file: string): YamlMapping {
  const lineCounter = new LineCounter();
  const refuse = (offset: number | undefined, message: string): never => {
    const line = offset === undefined ? 1 : lineCounter.linePos(offset).line;
    throw new ConfigError('config_invalid', `${file}:${line}: ${message}`);
  };
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deep = tooDeep(tokens);
  if (deep !== undefined) refuse(deep, `YAML nested deeper than ${YAML_LIMITS.depth} levels: a pipeline file is a flat mapping`);

  const documents = [...new Composer({ prettyErrors: false, uniqueKeys: true, resolveKnownTags: false }).compose(tokens, true, text.length)];
  if (documents.length > 1) refuse(documents[1]!.range[0], 'YAML holds several documents (---): a pipeline file is one mapping');
  const doc = documents[0] as Document.Parsed | undefined;
  if (doc === undefined) return refuse(undefined, 'empty: a pipeline file is a mapping (system, entity, connector, mapping, source_key, …)');
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const what = problem.code === 'TAG_RESOLVE_FAILED' ? 'YAML tag not allowed' : 'YAML syntax error';
    refuse(problem.pos[0], `${what}: ${withoutFileText(problem.message.split('\n')[0]!)}`);
  }
  if (!isMap(doc.contents)) {
    refuse(doc.contents?.range?.[0], 'the document is not a mapping: a pipeline file is a mapping (system, entity, connector, mapping, source_key, …)');
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: YAML_LIMITS.aliases });
  } catch (error) {
    if (error instanceof ReferenceError && /^Unresolved alias/.test(error.message)) {
      return refuse(undefined, 'YAML alias (*name) to an anchor (&name) not defined before it');
    }
    if (error instanceof ReferenceError || error instanceof RangeError) {
      return refuse(undefined, `YAML aliases expand to more than ${YAML_LIMITS.aliases} nodes: refused as a resource exhaustion attack ("billion laughs")`);
    }
    throw error;
  }
  const lineOf = (fieldPath: readonly (string | number)[]): number | undefined => {
    for (let n = fieldPath.length; n >= 0; n--) {
      const node = doc.getIn(fieldPath.slice(0, n), true) as Node | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { value: value as Record<string, unknown>, lineOf, fieldLines: keyLines(doc, lineCounter) };
}

/**
 * Whether a piece of a file's text may be quoted in a message: a short run of printable ASCII (a
 * key, a tag, an escape) without six digits in a row. Anything else (non-ASCII text such as a name,
 * a number that could be an ID or phone number, a long fragment) may be a value of a data file
 * mistaken for a pipeline file, and is never echoed.
 */
export function quotable(text: string): boolean {
  return text.length <= 40 && /^[\x20-\x7e]*$/.test(text) && !/\d{6}/.test(text);
}

/**
 * A `yaml` package message with the file's text it quotes (after the last `: `, or in `Unexpected
 * <text> in …`) withheld unless {@link quotable}.
 */
function withoutFileText(message: string): string {
  const unexpected = /^Unexpected (.*) in (.*)$/.exec(message);
  if (unexpected && !quotable(unexpected[1]!)) return `Unexpected text (withheld) in ${unexpected[2]}`;
  const at = message.lastIndexOf(': ');
  if (at >= 0) return quotable(message.slice(at + 2)) ? message : `${message.slice(0, at)}: (text withheld)`;
  // The package's fixed sentences are ASCII; anything else in one is the file's text.
  return /^[\x20-\x7e]*$/.test(message) && !/\d{6}/.test(message) ? message : 'YAML the parser cannot read (message withheld: it quotes the file)';
}

/** Offset of a token nested deeper than the limit, or undefined. Iterative: no recursion on hostile input. */
function tooDeep(tokens: CST.Token[]): number | undefined {
  const stack: Array<[CST.Token | undefined, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token === undefined) continue;
    if (depth > YAML_LIMITS.depth) return 'offset' in token ? token.offset : 0;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

/** Lines of the keys of the top-level mapping and of the mappings nested in it, by dotted path. */
function keyLines(doc: Document.Parsed, lineCounter: LineCounter): Record<string, number> {
  const lines: Record<string, number> = {};
  const walk = (node: unknown, prefix: string, depth: number): void => {
    if (!isMap(node) || depth > 3) return;
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const key = `${prefix}${String(pair.key.value)}`;
      const at = isScalar(pair.value) && pair.value.range ? pair.value.range[0] : pair.key.range[0];
      lines[key] = lineCounter.linePos(at).line;
      walk(pair.value, `${key}.`, depth + 1);
    }
  };
  walk(doc.contents, '', 0);
  return lines;
}
