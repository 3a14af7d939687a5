/**
 * Input normalisation shared by every identifier classifier: the faults real exports carry
 * (padding, spaces typed inside the value, full-width characters from Chinese input methods
 * and Excel, lower case) are repaired, and each repair is reported as a note.
 */
import { reason } from './reason-codes.ts';
import type { Reason } from './types.ts';

/** The normalised value and one note per kind of repair made. */
export interface NormalizedInput {
  value: string;
  notes: Reason[];
}

/** Whitespace: everything `\s` matches (incl. U+3000 ideographic space, U+00A0, U+FEFF) and zero-width spaces/joiners. */
const WHITESPACE = /[\s\u200B-\u200D\u2060]/u;
const LEADING_TRAILING = /^[\s\u200B-\u200D\u2060]+|[\s\u200B-\u200D\u2060]+$/gu;
const INNER = /[\s\u200B-\u200D\u2060]+/gu;
/** Full-width ０-９, Ａ-Ｚ, ａ-ｚ and the full-width hyphen－ (U+FF0D, used in organisation codes). */
const FULLWIDTH = /[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF0D]/gu;
const FULLWIDTH_OFFSET = 0xfee0;
const ASCII_LOWER = /[a-z]/g;

/**
 * Normalises a raw identifier value, in this order:
 * 1. trim leading/trailing whitespace (note `whitespace_trimmed`);
 * 2. remove whitespace inside the value (note `whitespace_removed`);
 * 3. full-width ０-９Ａ-Ｚａ-ｚ－ → ASCII (note `fullwidth_normalised`);
 * 4. ASCII a-z → A-Z (note `lowercase_normalised`); other characters are left alone, so the
 *    length never changes because of case.
 * It never rejects anything: the classifiers judge the result.
 */
export function normalizeInput(input: string): NormalizedInput {
  const notes: Reason[] = [];
  let value = input;

  const trimmed = value.replace(LEADING_TRAILING, '');
  if (trimmed !== value) notes.push(reason('whitespace_trimmed', 'leading or trailing whitespace was removed'));
  value = trimmed;

  if (WHITESPACE.test(value)) {
    value = value.replace(INNER, '');
    notes.push(reason('whitespace_removed', 'whitespace inside the value was removed'));
  }

  const halfWidth = value.replace(FULLWIDTH, (ch) => String.fromCharCode(ch.charCodeAt(0) - FULLWIDTH_OFFSET));
  if (halfWidth !== value) notes.push(reason('fullwidth_normalised', 'full-width characters were converted to ASCII'));
  value = halfWidth;

  const upper = value.replace(ASCII_LOWER, (ch) => ch.toUpperCase());
  if (upper !== value) notes.push(reason('lowercase_normalised', 'lower-case letters were converted to upper case'));
  value = upper;

  return { value, notes };
}
