// The ladder template editor: a copy of any version under a new name (POST /api/v1/ladders), or a
// new version of a stored template (PUT /api/v1/ladders/{name}). A form (rungs row by row, the
// settings beside them) or the template's JSON; the appliance checks it, and each problem it
// names (`details.problems[].path`) is shown at its field, and beside the JSON at its line.
import { useRef, useState } from 'preact/hooks';
import { api, fieldProblems, may, type LadderDetail, type LadderTemplate, type LadderVersionView, type Me } from '../api';
import { ErrorBox, Loading, Section } from '../components/bits';
import { JsonView, Refusal } from '../components/template-json';
import { Field } from '../components/template-fields';
import { TemplateForm } from '../components/template-settings';
import { useLoad } from '../components/use-load';
import { spotOfPath } from '../json-lines';
import { at, body, copyName, FORM_KEYS, OPTIONAL_FORM_KEYS, type Problems } from '../ladder-form';
import { inSchemaOrder } from '../ladder-summary';
import { ladderHref } from './ladder-links';

const enc = encodeURIComponent;

function EditorForm({ mode, from, base, latest }: { mode: 'create' | 'version'; from: string; base: LadderVersionView; latest: number }) {
  const [draft, setDraft] = useState<LadderTemplate>(() => inSchemaOrder({ ...base.template, name: mode === 'create' ? copyName(from) : from }));
  const [tab, setTab] = useState<'form' | 'json'>('form');
  const [jsonText, setJsonText] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problems>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);

  const change = (t: LadderTemplate, structural?: boolean) => {
    setDraft(t);
    // Rungs moved, added or removed: the problems' rung indexes no longer point where they did.
    if (structural) setProblems(problems.filter((p) => !p.path.startsWith('rungs')));
  };
  const showJson = () => {
    setJsonText(JSON.stringify(body(draft), null, 2));
    setJsonError(null);
    setTab('json');
  };
  const showForm = () => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(jsonText) as Record<string, unknown>;
    } catch (err) {
      return setJsonError(`not JSON: ${(err as Error).message}`);
    }
    const missing = FORM_KEYS.filter((k) => !(k in parsed) && !OPTIONAL_FORM_KEYS.includes(k));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return setJsonError('the template must be a JSON object');
    if (missing.length) return setJsonError(`the form needs every field; missing: ${missing.join(', ')} (or save from the JSON: the appliance fills defaults)`);
    setDraft({ ...(parsed as unknown as LadderTemplate), name: draft.name, description: draft.description });
    setJsonError(null);
    setTab('form');
  };
  /** Where a problem points in the JSON text (name and description are not in it). */
  const spot = (path: string) => (path === 'name' || path === 'description' ? null : spotOfPath(jsonText, path === '(template)' ? '' : path));
  const goTo = (path: string) => {
    const s = spot(path);
    const ta = textarea.current;
    if (!s || !ta) return;
    // The whole line (its key too), without its indentation.
    const lineStart = jsonText.lastIndexOf('\n', s.offset - 1) + 1;
    const start = lineStart + (/^\s*/.exec(jsonText.slice(lineStart))?.[0].length ?? 0);
    const end = jsonText.indexOf('\n', s.offset);
    ta.focus();
    ta.setSelectionRange(start, end < 0 ? jsonText.length : end);
    ta.scrollTop = Math.max(0, ((s.line - 4) * ta.scrollHeight) / Math.max(1, jsonText.split('\n').length));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setProblems([]);
    let sent: unknown = draft;
    if (tab === 'json') {
      try {
        sent = { ...(JSON.parse(jsonText) as object), name: draft.name, description: draft.description };
      } catch (err) {
        return setJsonError(`not JSON: ${(err as Error).message}`);
      }
    }
    setBusy(true);
    try {
      const saved =
        mode === 'create'
          ? await api<LadderVersionView>('/ladders', { method: 'POST', body: sent })
          : await api<LadderVersionView>(`/ladders/${enc(from)}`, { method: 'PUT', body: sent });
      location.hash = `${ladderHref(saved.name, saved.version)}?${mode === 'version' && saved.version === latest ? 'unchanged' : 'saved'}=1`;
    } catch (err) {
      setProblems(fieldProblems(err));
      setError(err);
      setBusy(false);
    }
  };

  const title = mode === 'create' ? `New template from ${from} v${base.version}` : `New version of ${from} (from v${base.version})`;
  return (
    <>
      <h1>{title}</h1>
      <p class="muted">
        {mode === 'create'
          ? 'A copy under a new name: it is saved as version 1 of a new template.'
          : `Saved as version ${latest + 1} (jobs that ran with earlier versions keep them); an unchanged template stays at v${latest}.`}
      </p>
      <form class="card editor" onSubmit={save} aria-label="Ladder template">
        <div class="name-row">
          <Field label="Name" path="name" problems={problems}>
            <input
              value={draft.name}
              readOnly={mode === 'version'}
              aria-invalid={at(problems, 'name').length > 0}
              pattern="[a-z0-9][a-z0-9_\-]{0,63}"
              title="lowercase letters, digits, - and _, at most 64"
              required
              onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
            />
          </Field>
          <Field label="Description" path="description" problems={problems}>
            <input value={draft.description} maxLength={500} onInput={(e) => setDraft({ ...draft, description: e.currentTarget.value })} />
          </Field>
        </div>
        <div class="tabs" role="group" aria-label="Edit as">
          <button type="button" class={tab === 'form' ? '' : 'secondary'} aria-pressed={tab === 'form'} onClick={() => tab === 'json' && showForm()}>
            Form
          </button>
          <button type="button" class={tab === 'json' ? '' : 'secondary'} aria-pressed={tab === 'json'} onClick={() => tab === 'form' && showJson()}>
            JSON
          </button>
        </div>
        {jsonError && (
          <div class="error-box" role="alert">
            <strong>JSON</strong> {jsonError}
          </div>
        )}
        {tab === 'form' ? (
          <>
            <TemplateForm draft={draft} problems={problems} onChange={change} />
            {error !== undefined && <Refusal error={error} problems={problems} />}
          </>
        ) : (
          <JsonView
            jsonText={jsonText}
            onText={setJsonText}
            textarea={textarea}
            problems={problems}
            error={error}
            lineOf={(p) => spot(p)?.line ?? null}
            goTo={goTo}
          />
        )}
        <div class="buttons">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : mode === 'create' ? 'Create template' : 'Save new version'}
          </button>
          <a class="button secondary" href={ladderHref(from, base.version)}>
            Cancel
          </a>
        </div>
      </form>
    </>
  );
}

export function LadderEditor({ me, mode, from, version }: { me: Me; mode: 'create' | 'version'; from: string; version: number | undefined }) {
  const detail = useLoad(() => api<LadderDetail>(`/ladders/${enc(from)}`), [from]);
  const exact = useLoad(
    () => (version === undefined ? Promise.resolve(null) : api<LadderVersionView>(`/ladders/${enc(from)}/versions/${version}`)),
    [from, version],
  );
  if (!may.write(me.role)) return <ErrorBox error={{ code: 'FORBIDDEN', message: `your role (${me.role}) may not change ladder templates` }} />;
  const error = detail.error ?? exact.error;
  if (error !== undefined) return <ErrorBox error={error} retry={() => (detail.reload(), exact.reload())} />;
  if (!detail.data || exact.data === undefined) return <Loading what={`ladder template ${from}`} />;
  if (mode === 'version' && detail.data.builtin) {
    return (
      <Section title={`${from} is built in`}>
        <ErrorBox error={{ code: 'LADDER_READ_ONLY', message: `${from} is built into the appliance and read-only` }} />
        <p>
          <a class="button" href={ladderHref(from, detail.data.version, 'copy')}>
            Copy it to a new template
          </a>
        </p>
      </Section>
    );
  }
  return <EditorForm mode={mode} from={from} base={exact.data ?? detail.data} latest={detail.data.version} />;
}
