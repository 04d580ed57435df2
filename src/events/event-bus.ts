import type { ApplianceEvent } from './events.js';

export type Listener = (event: ApplianceEvent) => void;

/** In-process fan-out of live events; a listener that throws never stops the others. */
export class EventBus {
  readonly #listeners = new Set<Listener>();
  readonly #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void = () => undefined) {
    this.#onError = onError;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: ApplianceEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
