/** The typed payloads of tasks: what each kind of task holds in its `input` and `output` columns. */

/** One encoded rendition in the intermediate bucket, as an encode task's output records it. */
export interface StoredRendition {
  name: string;
  kind: 'video' | 'audio';
  rungIndex: number | null;
  key: string;
  sha256: string;
  size: number;
}
