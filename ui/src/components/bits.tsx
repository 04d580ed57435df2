import type { ComponentChildren } from 'preact';
import { percent } from '../format';

export function ProgressBar({ value, label, small }: { value: number; label: string; small?: boolean }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div
      class={`progress${small ? ' small' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      data-value={pct}
    >
      <div class="progress-fill" style={{ width: `${pct}%` }} />
      {!small && <span class="progress-text">{percent(value)}</span>}
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}>{state}</span>;
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const e = error as { code?: string; message?: string };
  return (
    <div class="error-box" role="alert">
      <strong>{e.code ?? 'ERROR'}</strong> {e.message ?? String(error)}
      {retry && (
        <button type="button" class="link" onClick={retry}>
          try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Section({ title, id, children, actions }: { title: string; id?: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const hid = `${id ?? title.toLowerCase().replace(/\W+/g, '-')}-h`;
  return (
    <section class="card" id={id} aria-labelledby={hid}>
      <header class="card-head">
        <h2 id={hid}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** What was loaded, in its four states: the error (with retry), loading, empty, or `children(data)`. */
export function Loaded<T>({
  load,
  what,
  isEmpty,
  empty,
  children,
}: {
  load: { data: T | undefined; error: unknown; reload: () => void };
  what: string;
  isEmpty: (data: T) => boolean;
  empty: ComponentChildren;
  children: (data: T) => ComponentChildren;
}) {
  if (load.error !== undefined) return <ErrorBox error={load.error} retry={load.reload} />;
  if (load.data === undefined) return <Loading what={what} />;
  if (isEmpty(load.data)) return <Empty>{empty}</Empty>;
  return <>{children(load.data)}</>;
}

/** A table's header row: one column header per name. */
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
