/**
 * The values of the differential run: valid identifiers, the ways they get corrupted, and the
 * edge cases where validators are known to differ. Deterministic for a given seed.
 */
import {
  isIsoNumeric,
  knownRegionCodes,
  NATIONAL_REGISTERING_OFFICE_CODE,
  organizationCodeCheckCharacter,
  PROVINCE_CODES,
  RESIDENCE_PERMIT_ADDRESS_CODES,
  residentIdCheckCharacter,
  USCC_ALPHABET,
  usccCheckCharacter,
} from '../../src/identifiers/index.ts';

/** One generated value: which validator pair judges it and which family it comes from. */
export interface Sample {
  kind: 'resident_id' | 'uscc';
  category: string;
  value: string;
}

/** mulberry32: a small seeded PRNG, enough for reproducible test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;

/**
 * Generates `perCategory` values of every category (a few categories are fixed lists).
 * `runDate` (`YYYY-MM-DD`) bounds the birth dates of the valid values.
 */
export function generateSamples({ seed, perCategory, runDate }: { seed: number; perCategory: number; runDate: string }): Sample[] {
  const random = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(values: readonly T[]): T => values[int(0, values.length - 1)]!;
  const chars = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[int(0, alphabet.length - 1)]).join('');
  const digits = (n: number) => chars('0123456789', n);
  const date = (from: string, to: string) =>
    new Date(int(Date.parse(from) / DAY_MS, Date.parse(to) / DAY_MS) * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
  const withCheck = (body: string) => body + residentIdCheckCharacter(body);
  const usccFrom = (head: string, office: string, orgBody: string) => {
    const first17 = head + office + orgBody + organizationCodeCheckCharacter(orgBody);
    return first17 + usccCheckCharacter(first17);
  };

  const known = [...knownRegionCodes()];
  const citizenCodes = known.filter((code) => !RESIDENCE_PERMIT_ADDRESS_CODES.has(code));
  const countyCodes = citizenCodes.filter((code) => !code.endsWith('00'));
  const unknownCodes: string[] = [];
  while (unknownCodes.length < 2000) {
    const code = pick([...PROVINCE_CODES]) + digits(4);
    if (!knownRegionCodes().has(code) && !RESIDENCE_PERMIT_ADDRESS_CODES.has(code)) unknownCodes.push(code);
  }
  const nationalities = Array.from({ length: 999 }, (_, i) => String(i + 1).padStart(3, '0')).filter((c) => isIsoNumeric(c) && c !== '156');

  const validCitizen = () => withCheck(pick(countyCodes) + date('1930-01-01', runDate) + digits(3));
  const validUscc = (head = pick(['91', '92', '93', '11', '12', '31', '51', '52', '53', '54', '55', '71', '72', '81', '91', '91', '91'])) =>
    usccFrom(head, pick(countyCodes.concat(known.filter((c) => c.endsWith('00')))), chars(USCC_ALPHABET, 8));

  const categories: Record<string, { kind: Sample['kind']; make: () => string }> = {
    'resident_id/valid': { kind: 'resident_id', make: validCitizen },
    'resident_id/valid, lower-case x or spaces': {
      kind: 'resident_id',
      make: () => {
        let id = validCitizen();
        while (!id.endsWith('X')) id = validCitizen();
        return pick([id.toLowerCase(), ` ${id} `, `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`]);
      },
    },
    'resident_id/wrong check character': {
      kind: 'resident_id',
      make: () => {
        const id = validCitizen();
        return id.slice(0, 17) + pick([...'0123456789X'].filter((c) => c !== id[17]));
      },
    },
    'resident_id/one character changed': {
      kind: 'resident_id',
      make: () => {
        const id = validCitizen();
        const i = int(0, 16);
        return id.slice(0, i) + pick([...'0123456789'].filter((c) => c !== id[i])) + id.slice(i + 1);
      },
    },
    'resident_id/right check, random digits': { kind: 'resident_id', make: () => withCheck(digits(17)) },
    'resident_id/right check, unknown county': { kind: 'resident_id', make: () => withCheck(pick(unknownCodes) + date('1930-01-01', runDate) + digits(3)) },
    'resident_id/right check, impossible or out-of-range date': {
      kind: 'resident_id',
      make: () => withCheck(pick(countyCodes) + pick(['19850230', '19850431', '19851301', '19000229', '18791231', '10850317', '20991231', '20230229']) + digits(3)),
    },
    'resident_id/residence permit (810000/820000/830000)': {
      kind: 'resident_id',
      make: () => withCheck(pick(['810000', '820000', '830000']) + date('1930-01-01', runDate) + digits(3)),
    },
    'resident_id/foreigner permanent residence 2023': {
      kind: 'resident_id',
      make: () => withCheck(`9${pick([...PROVINCE_CODES].filter((p) => p < '70'))}${pick(nationalities)}${date('1930-01-01', runDate)}${digits(3)}`),
    },
    'resident_id/15-digit (GB 11643-1989)': { kind: 'resident_id', make: () => pick(countyCodes) + date('1900-01-01', '1999-12-31').slice(2) + digits(3) },
    'resident_id/born 1880-1899': { kind: 'resident_id', make: () => withCheck(pick(countyCodes) + date('1880-01-01', '1899-12-31') + digits(3)) },
    'uscc/valid': { kind: 'uscc', make: () => validUscc() },
    'uscc/valid, check character 0': {
      kind: 'uscc',
      make: () => {
        let code = validUscc();
        while (!code.endsWith('0')) code = validUscc();
        return code;
      },
    },
    'uscc/valid, letter authority or category (A, N, Y)': { kind: 'uscc', make: () => validUscc(pick(['A1', 'A9', 'N1', 'N2', 'N3', 'N9', 'Y1', '9A'])) },
    'uscc/valid, national registering office 100000': { kind: 'uscc', make: () => usccFrom(pick(['51', '11', '12', '91']), NATIONAL_REGISTERING_OFFICE_CODE, chars(USCC_ALPHABET, 8)) },
    'uscc/wrong check character': {
      kind: 'uscc',
      make: () => {
        const code = validUscc();
        return code.slice(0, 17) + pick([...USCC_ALPHABET].filter((c) => c !== code[17]));
      },
    },
    'uscc/one character changed (incl. I, O, S, V, Z)': {
      kind: 'uscc',
      make: () => {
        const code = validUscc();
        const i = int(0, 17);
        return code.slice(0, i) + pick([...`${USCC_ALPHABET}IOSVZ`].filter((c) => c !== code[i])) + code.slice(i + 1);
      },
    },
    'uscc/embedded organisation code wrong, mod-31 right': {
      kind: 'uscc',
      make: () => {
        const orgBody = chars(USCC_ALPHABET, 8);
        const wrongCheck = pick([...'0123456789X'].filter((c) => c !== organizationCodeCheckCharacter(orgBody)));
        const first17 = `91${pick(countyCodes)}${orgBody}${wrongCheck}`;
        return first17 + usccCheckCharacter(first17);
      },
    },
    'uscc/unknown registering office': {
      kind: 'uscc',
      make: () => usccFrom('91', pick(unknownCodes), chars(USCC_ALPHABET, 8)),
    },
    'uscc/random alphabet characters': { kind: 'uscc', make: () => chars(USCC_ALPHABET, 18) },
    'uscc/valid resident id in a uscc field': { kind: 'uscc', make: validCitizen },
  };

  const samples: Sample[] = [];
  for (const [category, { kind, make }] of Object.entries(categories)) {
    for (let i = 0; i < perCategory; i++) samples.push({ kind, category, value: make() });
  }
  return samples;
}
