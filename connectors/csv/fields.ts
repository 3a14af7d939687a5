/**
 * Splits the decoded text of one well-formed record into its field values (RFC 4180 §2.4-2.7):
 * a field that starts with `"` is quoted and `""` inside it stands for one quote; a quote
 * anywhere else is data. The record must have been framed without a quote error (framer.ts).
 * @param hasQuote whether the record holds a quote at all; without one it is a plain split.
 */
export function splitFields(text: string, delimiter: string, hasQuote: boolean): string[] {
  if (!hasQuote) return text.split(delimiter);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 0x22) {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          // Only an unterminated record gets here; it is never a row.
          value += text.slice(i);
          i = text.length;
          break;
        }
        value += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 0x22) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i >= text.length) return fields;
      i++; // the delimiter after the closing quote
    } else {
      const d = text.indexOf(delimiter, i);
      if (d < 0) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, d));
      i = d + 1;
    }
  }
}
