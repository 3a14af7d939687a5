/**
 * Why each class of disagreement with python-stdnum is right, or what was fixed. Matched against
 * the class signature `kind: onecode STATUS [SUBTYPE] [REASONS] / stdnum ANSWER`. A class that
 * matches nothing is reported UNEXPLAINED and fails the run: fix it or add its reason here.
 */
const JUSTIFICATIONS: ReadonlyArray<{ match: RegExp; verdict: 'justified' | 'fixed'; text: string }> = [
  {
    match: /^resident_id: onecode valid citizen.* \/ stdnum InvalidComponent \(county not in force in the birth year\)$/,
    verdict: 'justified',
    text:
      'stdnum requires the county of the address code to have existed in the birth year (its Wikipedia-based table carries ' +
      'years). The address code is that of the place of permanent residence when the number was assigned (GB 11643-1999 §5.2): ' +
      'first cards from 1984, 18-digit numbers from 1999, later registrations and moves, so people born before a county was ' +
      'created or renumbered carry its newer code. onecode checks that the code was in force at some time since 1980 ' +
      '(src/identifiers/tables/gb-t-2260-history.tsv), not that it was in force at birth.',
  },
  {
    match: /^resident_id: onecode valid citizen.* \/ stdnum crash:KeyError$/,
    verdict: 'justified',
    text:
      'A python-stdnum bug: for codes its table holds without a county entry (市辖区 codes such as 620201, 460321 西沙群岛, ' +
      '330113 临平区 of 2021) `validate` raises KeyError instead of a ValidationError. The codes are in the GB/T 2260 table.',
  },
  {
    match: /^resident_id: onecode valid citizen \[whitespace_removed.*\] \/ stdnum InvalidLength$/,
    verdict: 'justified',
    text:
      'onecode removes spaces typed inside a value (with the note `whitespace_removed`, see normalize-input.ts); ' +
      "stdnum.cn.ric's compact() strips only the ends, so the spaced number has the wrong length.",
  },
  {
    match: /^resident_id: onecode invalid \[birth_date_in_future\] \/ stdnum valid$/,
    verdict: 'justified',
    text: 'A birth date after the run date cannot be right; stdnum checks only that the date exists (it accepts years like 5336).',
  },
  {
    match: /^resident_id: onecode invalid \[birth_date_too_early\] \/ stdnum valid$/,
    verdict: 'justified',
    text:
      'onecode rejects birth dates before 1880-01-01 (the earliest in GB 11643-1999 appendix A; an earlier one is a typing ' +
      'error such as 1085 for 1985); stdnum accepts any real date.',
  },
  {
    match: /^resident_id: onecode nonconforming citizen.*\[region_code_unknown.*\] \/ stdnum valid$/,
    verdict: 'justified',
    text:
      'A code in stdnum\'s Wikipedia-based table that no list of GB/T 2260 codes since 1980 in onecode\'s table holds ' +
      '(src/identifiers/tables/gb-t-2260-history.tsv: the Ministry of Civil Affairs\' year-end lists 1980-2024 and the 2021 ' +
      'NBS list). A county code never issued keeps the number as nonconforming with `region_code_unknown`, not invalid: ' +
      'it loads, flagged (issues 4 and 8).',
  },
  {
    match: /^resident_id: onecode valid hk_macao_residence_permit.* \/ stdnum InvalidComponent/,
    verdict: 'justified',
    text:
      'Residence permits for Hong Kong and Macao residents (2018) carry 810000/820000 whatever the birth year; stdnum reads the ' +
      'code as a county that must have existed at birth (python-stdnum is known to reject residence permits).',
  },
  {
    match: /^resident_id: onecode valid taiwan_residence_permit.* \/ stdnum InvalidComponent/,
    verdict: 'justified',
    text: '830000 is the address code of residence permits for Taiwan residents (2018); it is not a GB/T 2260 code, so stdnum rejects it.',
  },
  {
    match: /^resident_id: onecode valid foreign_permanent_resident.* \/ stdnum InvalidComponent/,
    verdict: 'justified',
    text:
      'The 2023 foreigner permanent residence number (National Immigration Administration) starts with 9, then the issuing ' +
      'province and the nationality; it follows GB 11643 otherwise. stdnum knows only citizens.',
  },
  {
    match: /^resident_id: onecode (valid|nonconforming) citizen.*\[.*upgraded_from_15_digits.*\] \/ stdnum InvalidLength$/,
    verdict: 'justified',
    text: 'stdnum.cn.ric validates only the 18-digit form; onecode upgrades a 15-digit GB 11643-1989 number and keeps it as an alias.',
  },
  {
    match: /^uscc: onecode valid.* \/ stdnum InvalidFormat$/,
    verdict: 'justified',
    text:
      'stdnum requires digits in positions 1-2, but GB 32100-2015 registration authority codes include letters (A, N, Y; e.g. ' +
      'N1/N2/N3 rural collective economic organisations, Y1 others). onecode checks only the 31-character alphabet there, ' +
      'because the authority and category lists have grown since 2015 (uscc.ts).',
  },
  {
    match: /^uscc: onecode invalid \[organization_code_check_mismatch\] \/ stdnum valid$/,
    verdict: 'justified',
    text:
      'Positions 9-17 of a USCC are a GB 11714 organisation code with its own check character (GB 32100-2015 §4); stdnum checks ' +
      'only the mod-31 character. From an authoritative registry onecode keeps such a code as nonconforming (`authoritative`).',
  },
  {
    match: /^uscc: onecode nonconforming \[region_code_unknown.*\] \/ stdnum valid$/,
    verdict: 'justified',
    text: 'stdnum does not check the registering office code (positions 3-8); onecode keeps an unknown one as nonconforming.',
  },
  {
    match: /^uscc: onecode invalid \[organization_code_check_mismatch, region_code_unknown\] \/ stdnum valid$/,
    verdict: 'justified',
    text:
      'Valid resident identity numbers in a USCC field that pass the mod-31 check by chance (about 1 in 31, as issue 4 warns): ' +
      'the embedded organisation-code check (1 in 11) and the office code catch them. classify() with kind `uscc` adds the ' +
      'note `also_valid_resident_id` to such values.',
  },
];

/** Changes made to onecode because of a disagreement found by this comparison (shown in the report). */
export const FIXED: readonly string[] = [
  'Citizen numbers with county codes abolished before 2021 (e.g. 362231) were nonconforming while stdnum, with its ' +
    'historical table, called them valid: the region table held only the codes of 2020-2021. It now holds every GB/T 2260 ' +
    'code in force since 1980 (scripts/generate-region-table.ts, issue 8), and the class is gone.',
  'Citizen numbers with 810001-810018 or 820001-820008 (districts of Hong Kong and Macao) were valid: the npm dataset lists ' +
    'them, but GB/T 2260 has only 810000/820000 there (stdnum crashed on them). region-codes.ts now leaves out district codes ' +
    'under 71/81/82, so such numbers are nonconforming (`region_code_unknown`); 810000/820000/830000 stay residence permits.',
];

/** The justification of a disagreement class, or undefined when none matches (UNEXPLAINED). */
export function justify(signature: string): { verdict: 'justified' | 'fixed'; text: string } | undefined {
  const found = JUSTIFICATIONS.find(({ match }) => match.test(signature));
  return found && { verdict: found.verdict, text: found.text };
}
