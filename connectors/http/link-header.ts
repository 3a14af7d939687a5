/** One link-value of a `Link` header (RFC 8288 §3): its target as written and its parameters. */
export interface LinkValue {
  target: string;
  /** Parameter name (lower case) → value; the first occurrence of a name wins (RFC 8288 §3.3 for rel). */
  params: Map<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses a `Link` header field value (RFC 8288 §3: `#link-value`, link-value =
 * `"<" URI-Reference ">" *( OWS ";" OWS link-param )`, link-param = `token BWS [ BWS "=" BWS
 * ( token / quoted-string ) ]`). Several `Link` fields arrive joined by `, ` (RFC 9110 §5.3),
 * which the list syntax absorbs. A malformed link-value is skipped up to the next comma outside
 * `<...>` and quotes; parsing never throws.
 */
export function parseLinkHeader(text: string): LinkValue[] {
  const links: LinkValue[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const skipToNextValue = (): void => {
    let quoted = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === ',') break;
    }
  };
  const token = (): string => {
    const start = i;
    while (i < text.length && TOKEN.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    skipSpace();
    if (text[i] === ',') { i++; continue; }
    if (text[i] !== '<') { skipToNextValue(); continue; }
    const end = text.indexOf('>', i);
    if (end < 0) break;
    const link: LinkValue = { target: text.slice(i + 1, end).trim(), params: new Map() };
    i = end + 1;
    let wellFormed = true;
    for (skipSpace(); text[i] === ';'; skipSpace()) {
      i++;
      skipSpace();
      const name = token().toLowerCase();
      if (name === '') { wellFormed = false; break; }
      skipSpace();
      let value = '';
      if (text[i] === '=') {
        i++;
        skipSpace();
        if (text[i] === '"') {
          i++;
          for (; i < text.length && text[i] !== '"'; i++) value += text[i] === '\\' ? text[++i] ?? '' : text[i];
          if (text[i] !== '"') { wellFormed = false; break; }
          i++;
        } else value = token();
      }
      if (!link.params.has(name)) link.params.set(name, value);
    }
    skipSpace();
    if (wellFormed && (i >= text.length || text[i] === ',')) links.push(link);
    else skipToNextValue();
  }
  return links;
}

/**
 * The target of the first link whose `rel` holds relation type `next` (relation types are a
 * space-separated list compared case-insensitively, RFC 8288 §3.3 and §2.1.1), resolved against
 * `base`, the URL of the response that carried it (RFC 8288 §3.1, RFC 3986 §5). A link with an
 * `anchor` is about another resource (RFC 8288 §3.2) and is not followed. Undefined when there is
 * none or its target is no URL.
 */
export function nextLink(header: string | null, base: URL): URL | undefined {
  if (header === null) return undefined;
  for (const link of parseLinkHeader(header)) {
    if (link.params.has('anchor')) continue;
    const rel = link.params.get('rel') ?? '';
    if (!rel.split(/[ \t]+/).some((type) => type.toLowerCase() === 'next')) continue;
    try {
      return new URL(link.target, base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
