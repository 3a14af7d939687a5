import { CsvConnectorOptions } from '../schemas/pipeline.ts';
import { ExtractError } from '../src/errors.ts';
import { stageCsv } from './csv/bulk-stage.ts';
import { extractRows } from './csv/extract-rows.ts';
import { readHeader } from './csv/header.ts';
import type { CsvOptions } from './csv/options.ts';
import { describeFile, fileCapabilities, openChosenFile } from './file-source.ts';
import type { Connector } from './types.ts';

/**
 * The CSV connector: RFC 4180 quoting (quoted delimiters, quotes and newlines), encodings
 * utf-8, gbk and gb18030, a byte order mark stripped, every value a string (no type inference).
 * Lines are the file's physical lines, always. A record that cannot be read as a row (wrong
 * column count, a quote error, bytes that do not decode, a line over `max_line_bytes`, a line
 * of only spaces) is unreadable, with its raw text and reasons (csv/reasons.ts); it never stops
 * the run. Both `extract` and `stage` read records through one framer (csv/framer.ts), so they
 * agree on rows, lines and rejects. The file is one path or a glob (file-source.ts).
 */
export const csvConnector: Connector<CsvOptions> = {
  kind: 'csv',
  options: CsvConnectorOptions,
  capabilities: fileCapabilities,
  describe: (pipeline, options) => describeFile({ file: pipeline.file, connector: options }),

  open: (ctx, options) => openChosenFile(ctx, options, 'line', async (file) => {
    const layout = await readHeader(file, options);
    return {
      columns: layout.names.map((name) => ({ name })),
      extract: () => extractRows(file, options, layout),
      async stage(target) {
        const missing = target.projectColumns.filter((col) => !layout.names.includes(col));
        if (missing.length > 0) {
          // The header's size, not its names: a file without a header row would put a row's values there.
          throw new ExtractError('header_mismatch', `${file.sourcePath}:1: column(s) ${missing.map((m) => `'${m}'`).join(', ')} named in ${ctx.pipeline.file} (mapping/source_key) are not in the header (${layout.names.length} named columns)`);
        }
        return { via: await stageCsv({ ...file, ...target }, options, layout) };
      },
    };
  }),
};
