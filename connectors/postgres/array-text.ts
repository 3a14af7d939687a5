/**
 * PostgreSQL's text form of an array (`{1,NULL,"a b"}`, `{{1,2},{3,4}}`, `[0:1]={7,8}`) as JSON:
 * nested arrays of the elements' own text, `null` for an unquoted NULL. Elements are not
 * converted: a boolean array gives `["t","f"]`, a timestamp array the times as the server wrote
 * them. PostgreSQL 15 manual §8.15.6 (Array Input and Output Syntax): elements are separated by
 * the element type's delimiter (`,`; `;` for box), quoted with `"` when they hold a delimiter, a
 * brace, a quote, a backslash or white space or are empty or spell NULL, and backslash-escaped
 * inside quotes; a lower bound other than 1 is written as a `[lower:upper]=` decoration first.
 */

/** The array text as JSON text. @throws Error when the text is no array literal (the server never writes one). */
export function arrayTextToJson(text: string, delimiter = ','): string {
  let i = 0;
  if (text.startsWith('[')) i = text.indexOf('=') + 1;
  const malformed = () => new Error(`malformed array text at offset ${i}`);

  const quoted = (): string => {
    let value = '';
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\\') i++;
      value += text[i] ?? '';
    }
    if (i >= text.length) throw malformed();
    i++;
    return value;
  };
  const bare = (): string | null => {
    const start = i;
    while (i < text.length && text[i] !== delimiter && text[i] !== '}') i++;
    const value = text.slice(start, i);
    return value === 'NULL' ? null : value;
  };
  const array = (): unknown[] => {
    if (text[i] !== '{') throw malformed();
    i++;
    const items: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return items;
    }
    for (;;) {
      items.push(text[i] === '{' ? array() : text[i] === '"' ? quoted() : bare());
      if (text[i] === delimiter) i++;
      else if (text[i] === '}') {
        i++;
        return items;
      } else throw malformed();
    }
  };
  const result = array();
  if (i !== text.length) throw malformed();
  return JSON.stringify(result);
}
