/**
 * The catalogue codes a pipeline's changes are delivered with (outbox `resource_code` and
 * `provider_code`, docs/feed-contract.md).
 */
import { CATALOGUE_PLACEHOLDER, type CatalogueEntry } from '../../schemas/catalogue-entry.ts';

/**
 * The resource and provider code of `entry`, or undefined when the pipeline has no entry or either
 * code is still the placeholder `onecode discover` wrote (schemas/catalogue-entry.ts
 * CATALOGUE_PLACEHOLDER: `onecode check` reports it): a platform is never sent `TODO` as a code, the
 * changes go without codes as a pipeline's without an entry do.
 */
export function deliveredCodes(entry: CatalogueEntry | undefined): { resourceCode: string; providerCode: string } | undefined {
  if (entry === undefined || entry.resource_code === CATALOGUE_PLACEHOLDER || entry.provider_code === CATALOGUE_PLACEHOLDER) return undefined;
  return { resourceCode: entry.resource_code, providerCode: entry.provider_code };
}
