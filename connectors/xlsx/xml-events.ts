import type { Readable } from 'node:stream';
import sax from 'sax';

/**
 * A part's XML as a stream of events, parsed by `sax` in strict mode (well-formed XML 1.0, the
 * predefined entities and character references decoded, no DTD entities expanded). Element names
 * are given without their namespace prefix (`x:row` → `row`): SpreadsheetML parts are written
 * with a default namespace by Excel and LibreOffice but with a prefix by some libraries, and no
 * two SpreadsheetML elements read here differ only by namespace. Attributes are given as
 * written (`r:id` keeps its prefix; SpreadsheetML's own attributes have none).
 */
export interface XmlHandlers {
  open?(name: string, attributes: Readonly<Record<string, string>>): void;
  close?(name: string): void;
  /** Character data (text and CDATA sections), in pieces: a text node may arrive in several calls. */
  text?(text: string): void;
}

const localName = (name: string): string => {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
};

/** Thrown for XML that does not parse: the part's name and the parser's words, never its text. */
export class XmlPartError extends Error {
  constructor(readonly part: string, reason: string) {
    super(`${part}: not well-formed XML (${reason})`);
    this.name = 'XmlPartError';
  }
}

/**
 * Parses `stream` (the part `part` of the package, UTF-8), calling `handlers` as it goes, and
 * yields after each chunk, so that a caller can pass on what the handlers gathered before more
 * is read: memory stays at one chunk plus what the handlers keep.
 * @throws XmlPartError when the XML is not well formed.
 */
export async function* xmlChunks(stream: Readable, part: string, handlers: XmlHandlers): AsyncGenerator<void> {
  // No position tracking: it costs a fifth of the parse, and the XML is machine-written.
  const parser = sax.parser(true, { trim: false, normalize: false, position: false });
  let failure: Error | undefined;
  parser.onerror = (e) => {
    failure ??= new XmlPartError(part, e.message.split('\n')[0] ?? 'parse error');
  };
  const { open, close, text } = handlers;
  if (open) {
    parser.onopentag = (tag) => open(localName(tag.name), tag.attributes as Record<string, string>);
  }
  if (close) parser.onclosetag = (name) => close(localName(name));
  if (text) {
    parser.ontext = text;
    parser.oncdata = text;
  }
  stream.setEncoding('utf8');
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      parser.write(first ? chunk.replace(/^\uFEFF/, '') : chunk);
      first = false;
      if (failure) throw failure;
      yield;
    }
    parser.close();
    if (failure) throw failure;
  } finally {
    stream.destroy();
  }
}

/** Parses the whole of `stream` with `handlers` (xmlChunks without the pauses). */
export async function readXml(stream: Readable, part: string, handlers: XmlHandlers): Promise<void> {
  for await (const _ of xmlChunks(stream, part, handlers));
}
