/**
 * Writes the examples of docs/feed-contract.md and README.md from a real run of the feed scenario
 * (scripts/feed-examples/scenario.ts; npm run docs:examples). Every ```json block of those docs is
 * marked `<!-- feed-example NAME [value] -->` and rewritten here; tests/e2e/push-feed-examples.test.ts
 * checks them against what a consumer receives from a real broker.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { messagesOf, runScenario, writeDocExamples } from './feed-examples/scenario.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dir = await mkdtemp(path.join(os.tmpdir(), 'onecode-feed-examples-'));
try {
  const { index, events, codes } = await runScenario(dir);
  index.close();
  const messages = messagesOf(events, { codes });
  for (const doc of ['docs/feed-contract.md', 'README.md']) {
    const changed = await writeDocExamples(path.join(repo, doc), messages);
    console.log(`${doc}: ${changed ? 'examples rewritten' : 'unchanged'}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
