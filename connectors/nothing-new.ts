import type { SourceDescription, SourceRead, SourceState } from './types.ts';

/** A read with nothing new to read (every file of a glob already loaded): no rows, the state kept. */
export function nothingToRead(source: SourceDescription, state: SourceState): SourceRead {
  return {
    source,
    nothingNew: true,
    async *extract() {},
    end: async () => ({ state }),
    close: async () => undefined,
  };
}
