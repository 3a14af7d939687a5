/**
 * The synthetic population every export draws from: persons, organisations and the links
 * between them (employer, legal representative), so that one person or legal person turns up
 * in several source systems under the same identifier.
 */
import { generateOrganisations, type Organisation } from './organisations.ts';
import { generatePersons, type Person } from './people.ts';
import type { Prng } from './prng.ts';
import { fujianCounties } from './regions.ts';

/** Sizes at scale 1; each is multiplied by the scale and rounded. */
export const SIZES_AT_SCALE_1 = {
  /** All persons. */
  persons: 2000,
  /** Persons in the accounting registry (the first ones). */
  accountingStaff: 1500,
  /** All organisations. */
  organisations: 450,
  /** Bookkeeping agencies (the first organisations). */
  agencies: 300,
  /** Procurement suppliers (the last organisations, so 250 of them are also agencies). */
  suppliers: 400,
  /** Subsidy payment records. */
  subsidyPayments: 3000,
} as const;

/** Share of agencies whose legal representative is in the accounting registry. */
export const AGENCY_REPRESENTATIVES_IN_REGISTRY = 0.9;
/**
 * Share of agencies whose licence row carries their 15-digit business registration number
 * (工商注册号) beside the USCC; the count is exactly `Math.round(share × agencies)`.
 */
export const AGENCY_LICENCES_WITH_REGISTRATION_NUMBER = 0.3;
/** Share of subsidy payments that go to persons in the accounting registry. */
export const SUBSIDY_RECIPIENTS_IN_REGISTRY = 0.5;

export interface Population {
  persons: Person[];
  /** Persons in the accounting registry. */
  accountingStaff: Person[];
  /** Persons not in the accounting registry. */
  others: Person[];
  organisations: Organisation[];
  agencies: Organisation[];
  suppliers: Organisation[];
  /**
   * Indices of the agencies whose licence row carries their business registration number
   * (see {@link AGENCY_LICENCES_WITH_REGISTRATION_NUMBER}).
   */
  licenceRegistrationNumbers: ReadonlySet<number>;
  /** Legal representative of each organisation, by organisation index. */
  legalRepresentatives: Person[];
  /** Employer of each registry person, by person index. */
  employers: Map<number, Organisation>;
  /** Number of subsidy payment records to write. */
  subsidyPayments: number;
  /** True if the person is in the accounting registry. */
  inRegistry(person: Person): boolean;
}

const scaled = (n: number, scale: number): number => Math.round(n * scale);

/**
 * Builds the population for a scale.
 * @throws RangeError if the scale leaves no person or organisation.
 */
export function createPopulation(rng: Prng, scale: number): Population {
  const size = Object.fromEntries(Object.entries(SIZES_AT_SCALE_1).map(([k, v]) => [k, scaled(v, scale)])) as Record<
    keyof typeof SIZES_AT_SCALE_1,
    number
  >;
  if (size.accountingStaff < 1 || size.agencies < 1) {
    throw new RangeError(`scale ${scale} is too small: use a scale of at least 0.01`);
  }
  const counties = fujianCounties();
  const persons = generatePersons(rng.fork('persons'), size.persons, counties);
  const accountingStaff = persons.slice(0, size.accountingStaff);
  const others = persons.slice(size.accountingStaff);
  const organisations = generateOrganisations(rng.fork('organisations'), {
    count: size.organisations,
    agencies: size.agencies,
    counties,
  });
  const agencies = organisations.slice(0, size.agencies);
  const suppliers = rng.fork('supplier-order').shuffle(organisations.slice(size.organisations - size.suppliers));
  const licenceRegistrationNumbers = new Set(
    rng
      .fork('licence-registration-numbers')
      .shuffle(agencies.map((org) => org.index))
      .slice(0, Math.round(AGENCY_LICENCES_WITH_REGISTRATION_NUMBER * agencies.length)),
  );

  const links = rng.fork('links');
  const legalRepresentatives: Person[] = [];
  const registryReps = links.shuffle([...accountingStaff]);
  const otherReps = links.shuffle([...others]);
  const repsFromRegistry = Math.round(AGENCY_REPRESENTATIVES_IN_REGISTRY * agencies.length);
  for (const org of organisations) {
    if (org.agency) {
      const fromRegistry = org.index < repsFromRegistry || otherReps.length === 0;
      legalRepresentatives.push((fromRegistry ? registryReps.pop() : otherReps.pop()) ?? links.pick(persons));
    } else {
      legalRepresentatives.push(links.pick(persons));
    }
  }

  const employers = new Map<number, Organisation>();
  for (const org of agencies) {
    const rep = legalRepresentatives[org.index]!;
    if (rep.index < accountingStaff.length) employers.set(rep.index, org);
  }
  for (const person of accountingStaff) {
    if (!employers.has(person.index)) employers.set(person.index, links.pick(organisations));
  }

  return {
    persons,
    accountingStaff,
    others,
    organisations,
    agencies,
    suppliers,
    licenceRegistrationNumbers,
    legalRepresentatives,
    employers,
    subsidyPayments: size.subsidyPayments,
    inRegistry: (person) => person.index < accountingStaff.length,
  };
}
