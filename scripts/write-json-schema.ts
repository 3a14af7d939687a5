/**
 * Writes docs/change-event.schema.json (JSON Schema draft 2020-12, with a definition per entity) from
 * the zod schema in schemas/change-event.ts (npm run docs:schema).
 */
import { writeFile } from 'node:fs/promises';
import { changeEventJsonSchema } from '../schemas/change-event.ts';

const target = new URL('../docs/change-event.schema.json', import.meta.url);
await writeFile(target, JSON.stringify(changeEventJsonSchema(), null, 2) + '\n');
console.log(`wrote ${target.pathname}`);
