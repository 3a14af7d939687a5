/** Public surface of the normalisation rules: dates, person and organisation names, telephone numbers, and their SQL macros. */
export { normalizeDate, normalizeTimestamp } from './dates.ts';
export { normalizePersonName, personNameKey } from './names.ts';
export { normalizeOrgName, orgNameKey } from './org-names.ts';
export { normalizePhone } from './phones.ts';
export { NORMALIZE_SQL_MACROS } from './sql.ts';
