/**
 * Where a proposal differs from the pipeline file it was discovered from (`onecode discover
 * PIPELINE`): entity, mapping, source key, mode and classification. Column names and settings
 * only, never a value of the source.
 */
import type { Pipeline } from '../../schemas/pipeline.ts';
import type { Guess } from './guess-mapping.ts';

/** One difference: the key (`mapping.name`), what the file says and what is proposed (`-` for nothing). */
export interface PipelineDifference {
  key: string;
  file: string;
  proposed: string;
}

/** The differences between a pipeline and a guess, keys in a stable order. */
export function pipelineDifferences(pipeline: Pipeline, guess: Guess): PipelineDifference[] {
  const out: PipelineDifference[] = [];
  const add = (key: string, file: string | undefined, proposed: string | undefined) => {
    if ((file ?? '-') !== (proposed ?? '-')) out.push({ key, file: file ?? '-', proposed: proposed ?? '-' });
  };
  add('entity', pipeline.entity, guess.entity.entity);
  const fields = new Set([...Object.keys(pipeline.mapping), ...Object.keys(guess.mapping)]) as Set<keyof Pipeline['mapping']>;
  for (const field of [...fields].sort()) add(`mapping.${field}`, pipeline.mapping[field], guess.mapping[field]);
  add('source_key', pipeline.source_key.join(', '), guess.sourceKey.columns.join(', '));
  add('mode', pipeline.mode, guess.mode);
  const columns = new Set([...Object.keys(pipeline.classification), ...Object.keys(guess.classification)]);
  for (const column of [...columns].sort()) add(`classification.${column}`, pipeline.classification[column], guess.classification[column]);
  return out;
}

/** The differences as comment lines, headed by the file they compare with (named `fileLabel`, default its absolute path). */
export function compareWithPipeline(pipeline: Pipeline, guess: Guess, fileLabel: string = pipeline.file): string[] {
  const differences = pipelineDifferences(pipeline, guess);
  if (differences.length === 0) return [`Same entity, mapping, source key, mode and classification as ${fileLabel}.`];
  return [
    `Where this differs from ${fileLabel}:`,
    ...differences.map((d) => `  ${d.key}: the file has ${d.file}, proposed ${d.proposed}`),
  ];
}
