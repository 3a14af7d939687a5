// One of two identical files (smoke-a, smoke-b): vitest runs them in two processes at once, so
// both take a lease on the same local servers, and the last one out stops them.
import { serverSmokeTests } from './smoke.ts';

serverSmokeTests('a');
