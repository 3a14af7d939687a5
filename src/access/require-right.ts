import { OnecodeError } from '../errors.ts';
import { hasRight, type Right, type Role } from './roles.ts';

/** What a refusal of each right says the role may not do. */
const DOING: Record<Right, string> = {
  read_operations: 'read pipelines, runs and the outbox',
  operate: 'run pipelines or push',
  metrics: 'read metrics',
  lookup: 'look up codes',
  query: 'run SQL',
  read_quarantined_text: 'read the text of quarantined rows',
  audit: 'read the access log',
  export: 'export the index',
};

/**
 * Checks that `role` holds `right` (roles.ts), before anything is read: a refusal says nothing
 * about the index (issue 10: 403 reveals no code).
 * @throws OnecodeError `forbidden` (exit 2), naming the role and what it may not do.
 */
export function requireRight(role: Role, right: Right): void {
  if (!hasRight(role, right)) throw new OnecodeError('forbidden', `the ${role} role may not ${DOING[right]}`, { exitCode: 2 });
}
