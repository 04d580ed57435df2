/** Ladder template versions as the store keeps them (docs/ladders.md). The store does not read `template`: the runtime validated it before saving. */
export interface LadderTemplateRecord {
  name: string;
  version: number;
  /** The template, parsed from its canonical JSON. */
  template: unknown;
  /** sha256 of the canonical JSON. */
  sha256: string;
  createdAt: string;
  createdBy: string;
}

export type NewLadderTemplate = Omit<LadderTemplateRecord, 'createdAt'>;

export interface LadderReads {
  /** The newest version of every stored template, by name. */
  list(): Promise<LadderTemplateRecord[]>;
  /** The newest version of one template. */
  latest(name: string): Promise<LadderTemplateRecord | undefined>;
  get(name: string, version: number): Promise<LadderTemplateRecord | undefined>;
  /** Every version of one template, oldest first, without the template bodies. */
  versions(name: string): Promise<Omit<LadderTemplateRecord, 'template'>[]>;
}

export interface LadderWrites {
  /** Saves a version (the next one for its name; a duplicate (name, version) fails the transaction). */
  insert(record: NewLadderTemplate): Promise<void>;
  latest(name: string): Promise<LadderTemplateRecord | undefined>;
}
