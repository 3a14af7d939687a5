/**
 * Checks real HTTP answers against the OpenAPI document the server publishes (/openapi.json): the
 * bytes received are parsed and validated with ajv (JSON Schema 2020-12, as OpenAPI 3.1 takes
 * it) against the schema the document gives for the path, method, status and media type.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.1 document the checker reads. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

/** An answer the checker has seen and found documented and valid. */
export interface SeenAnswer {
  /** `get /api/v1/pipelines/{name}/runs` */
  operation: string;
  status: number;
}

/** See {@link createOpenApiChecker}. */
export interface OpenApiChecker {
  /** Checks one answer; a mismatch is added to `problems`, a valid answer to `seen`. */
  check(method: string, path: string, response: Response, label: string): Promise<void>;
  problems: string[];
  seen: SeenAnswer[];
}

/** A checker over `doc`. */
export function createOpenApiChecker(doc: OpenApiDocument): OpenApiChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const templateOf = (path: string) => Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  const problems: string[] = [];
  const seen: SeenAnswer[] = [];
  return {
    problems,
    seen,
    async check(method, path, response, label) {
      const bytes = await response.text();
      const template = templateOf(path.split('?')[0]!);
      const where = `${label} → ${response.status}`;
      if (template === undefined) return void problems.push(`${where}: no path of the document matches`);
      const documented = doc.paths[template]![method.toLowerCase()]?.responses[String(response.status)];
      if (documented === undefined) return void problems.push(`${where}: status not documented`);
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
      const content = documented.content?.[mediaType];
      if (content === undefined) return void problems.push(`${where}: media type ${mediaType} not documented (${Object.keys(documented.content ?? {}).join(', ')})`);
      const value = mediaType === 'application/json' ? (JSON.parse(bytes) as unknown) : bytes;
      if (!ajv.validate(content.schema, value)) return void problems.push(`${where}: ${ajv.errorsText(ajv.errors, { separator: '; ' })}`);
      seen.push({ operation: `${method.toLowerCase()} ${template}`, status: response.status });
    },
  };
}
