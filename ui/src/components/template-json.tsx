// The ladder editor's JSON view: the template's JSON beside the appliance's refusal, each problem
// with its path and its line in the JSON.
import type { Ref } from 'preact';
import type { Problems } from '../ladder-form';

/** The appliance's answer to a refused save: its code and message, and each problem with its path (and its line in the JSON). */
export function Refusal({
  error,
  problems,
  lineOf,
  goTo,
}: {
  error: unknown;
  problems: Problems;
  lineOf?: (path: string) => number | null;
  goTo?: (path: string) => void;
}) {
  const e = error as { code?: string; message?: string };
  return (
    <div class="error-box refusal" role="alert" aria-label="The appliance refused this template">
      <strong>{e.code ?? 'ERROR'}</strong> {e.message ?? String(error)}
      {problems.length > 0 && (
        <ul class="problems">
          {problems.map((p) => {
            const line = lineOf?.(p.path) ?? null;
            return (
              <li key={`${p.path}:${p.message}`} data-path={p.path}>
                <code>{p.path}</code> {p.message}
                {line !== null && (
                  <button type="button" class="link" onClick={() => goTo?.(p.path)} aria-label={`Go to line ${line} (${p.path})`}>
                    line {line}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The template's JSON (name and description are above it), and beside it the appliance's problems, by field and line. */
export function JsonView({
  jsonText,
  onText,
  textarea,
  problems,
  error,
  lineOf,
  goTo,
}: {
  jsonText: string;
  onText: (text: string) => void;
  textarea: Ref<HTMLTextAreaElement>;
  problems: Problems;
  error: unknown;
  lineOf: (path: string) => number | null;
  goTo: (path: string) => void;
}) {
  return (
    <div class="json-editor">
      <label>
        Template JSON (name and description above)
        <textarea
          ref={textarea}
          class="mono"
          spellcheck={false}
          rows={Math.min(40, Math.max(16, jsonText.split('\n').length + 1))}
          value={jsonText}
          aria-invalid={problems.length > 0}
          onInput={(e) => onText(e.currentTarget.value)}
        />
      </label>
      <div class="json-side">
        {error !== undefined ? (
          <Refusal error={error} problems={problems} lineOf={lineOf} goTo={goTo} />
        ) : (
          <p class="small muted">The appliance's problems with the template appear here, by field and line.</p>
        )}
      </div>
    </div>
  );
}
