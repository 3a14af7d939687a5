import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { splitFields } from '../../connectors/csv/fields.ts';
import { gbDecodable, rawText } from '../../connectors/csv/raw-text.ts';

describe('CSV raw text and decoding', () => {
  it('GBK validity from the byte structure agrees with iconv-lite on every two-byte sequence and every single byte', () => {
    for (const encoding of ['gbk', 'gb18030'] as const) {
      const disagreements: string[] = [];
      for (let a = 0; a <= 0xff; a++) {
        for (let b = -1; b <= 0xff; b++) {
          const bytes = Buffer.from(b < 0 ? [a] : [a, b]);
          const decoded = iconv.decode(bytes, encoding);
          // iconv-lite writes U+FFFD for what does not decode.
          if (gbDecodable(bytes, 0, bytes.length, encoding) === decoded.includes('\uFFFD')) disagreements.push(bytes.toString('hex'));
        }
      }
      expect(disagreements).toEqual([]);
    }
  });

  it('GB18030 four-byte sequences: decodable ones pass, unmapped ones do not', () => {
    const supplementary = iconv.encode('𠀀', 'gb18030'); // U+20000, four bytes
    expect(supplementary.length).toBe(4);
    expect(gbDecodable(supplementary, 0, 4, 'gb18030')).toBe(true);
    expect(gbDecodable(supplementary, 0, 4, 'gbk')).toBe(false);
    expect(gbDecodable(Buffer.from([0x84, 0x31, 0xa5, 0x30]), 0, 4, 'gb18030')).toBe(false); // past the BMP ranges
  });

  it('raw text keeps what decodes and writes each undecodable byte as \\xNN; a cut character of a preview is dropped', () => {
    expect(rawText(Buffer.concat([Buffer.from('陈,'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(',x')]), 'utf-8')).toBe('陈,\\xC3(\\xFF,x');
    expect(rawText(Buffer.from([0xed, 0xa0, 0x80]), 'utf-8')).toBe('\\xED\\xA0\\x80'); // a surrogate is no UTF-8
    expect(rawText(Buffer.concat([iconv.encode('陈明,', 'gbk'), Buffer.from([0x81, 0x20, 0xff])]), 'gbk')).toBe('陈明,\\x81 \\xFF');
    const cut = Buffer.from('陈明').subarray(0, 4);
    expect(rawText(cut, 'utf-8', true)).toBe('陈');
    expect(rawText(cut, 'utf-8', false)).toBe('陈\\xE6');
    expect(rawText(iconv.encode('陈明', 'gbk').subarray(0, 3), 'gbk', true)).toBe('陈');
  });

  it('fields: quoted delimiters, doubled quotes, quoted line ends, empty fields', () => {
    expect(splitFields('a,"b,c","d""e","f\r\ng",,"",h', ',', true)).toEqual(['a', 'b,c', 'd"e', 'f\r\ng', '', '', 'h']);
    expect(splitFields('a,b"c,', ',', true)).toEqual(['a', 'b"c', '']);
    expect(splitFields('a|b', '|', false)).toEqual(['a', 'b']);
  });
});
