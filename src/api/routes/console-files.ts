/**
 * The web console's files (src/console/, no build step): `GET /` answers index.html, and
 * `GET /console/<file>` a file of that folder. Only the regular files found in the folder when the
 * server starts are served (a name is looked up in that list, never joined to a path), read then
 * and kept in memory: no path from a request reaches the file system. The page asks for a token
 * itself; the files need none.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { OnecodeError } from '../../errors.ts';
import { packagePath } from '../../package-root.ts';
import { ERROR_BODY } from '../schemas.ts';

/** The console's folder in this repository (src/console/, also when the code runs from dist/). */
export const CONSOLE_DIR = packagePath('src', 'console');

/** Content types by extension; a file of another kind is not served. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/**
 * What the console's pages may load and where they may send: their own origin only (no inline
 * script, no framing). Sent with every file.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface ConsoleFile {
  type: string;
  bytes: Buffer;
}

/** Reads the console's files: regular files with a known extension directly in `dir`; none when the folder is absent. */
export async function readConsoleFiles(dir: string): Promise<Map<string, ConsoleFile>> {
  const files = new Map<string, ConsoleFile>();
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    const type = TYPES[path.extname(entry.name)];
    if (!entry.isFile() || type === undefined || entry.name.startsWith('.')) continue;
    files.set(entry.name, { type, bytes: await readFile(path.join(dir, entry.name)) });
  }
  return files;
}

/** Registers the routes over the files of `dir` (default {@link CONSOLE_DIR}). */
export async function consoleRoutes(app: FastifyInstance, dir: string = CONSOLE_DIR): Promise<void> {
  const files = await readConsoleFiles(dir);
  const send = (name: string) => {
    const file = files.get(name);
    if (file === undefined) throw new OnecodeError('not_found', name === 'index.html' ? 'the web console is not installed (src/console/index.html is missing)' : 'no such console file');
    return file;
  };
  const schema = (summary: string, params?: Record<string, unknown>) => ({
    tags: ['console'],
    summary,
    security: [],
    ...(params ? { params } : {}),
    response: {
      200: { description: 'the file', content: Object.fromEntries([...new Set(Object.values(TYPES))].map((type) => [type.split(';')[0]!, { schema: { type: 'string' } }])) },
      400: { ...ERROR_BODY, description: 'not a file name' },
      404: { ...ERROR_BODY, description: 'no such file (or the console is not installed)' },
    },
  });

  app.get('/', { config: { access: 'public' }, schema: schema('the web console (src/console/index.html)') }, async (_request, reply) => {
    const file = send('index.html');
    return reply.headers(CONSOLE_SECURITY_HEADERS).type(file.type).send(file.bytes);
  });
  app.get<{ Params: { file: string } }>('/console/:file', {
    config: { access: 'public' },
    schema: schema("a file of the web console's folder", { type: 'object', required: ['file'], properties: { file: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100 } } }),
  }, async (request, reply) => {
    const file = send(request.params.file);
    return reply.headers(CONSOLE_SECURITY_HEADERS).type(file.type).send(file.bytes);
  });
}
