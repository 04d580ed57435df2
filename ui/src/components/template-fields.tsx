// The ladder editor's labelled controls, each with the problems the appliance named for its field.
import type { ComponentChildren } from 'preact';
import { at, num, type Problems } from '../ladder-form';

/** The problems the appliance named for one field, beside it. */
export function FieldProblems({ problems, path }: { problems: Problems; path: string }) {
  const mine = at(problems, path);
  if (mine.length === 0) return null;
  return (
    <span class="field-problem" data-problem-path={path}>
      {mine.map((p) => p.message).join('; ')}
    </span>
  );
}

/** A labelled control with its problems. */
export function Field({ label, path, problems, children }: { label: string; path: string; problems: Problems; children: ComponentChildren }) {
  return (
    <label class={at(problems, path).length ? 'invalid' : undefined}>
      {label}
      {children}
      <FieldProblems problems={problems} path={path} />
    </label>
  );
}

export function NumberField(props: { label: string; path: string; problems: Problems; value: number; onChange: (n: number) => void; step?: number }) {
  return (
    <Field label={props.label} path={props.path} problems={props.problems}>
      <input
        type="number"
        aria-label={props.label}
        step={props.step ?? 1}
        value={Number.isNaN(props.value) ? '' : props.value}
        aria-invalid={at(props.problems, props.path).length > 0}
        onInput={(e) => props.onChange(num(e))}
      />
    </Field>
  );
}

export function SelectField<T extends string>(props: {
  label: string;
  path: string;
  problems: Problems;
  value: T;
  options: readonly (readonly [T, string])[];
  onChange: (v: T) => void;
}) {
  return (
    <Field label={props.label} path={props.path} problems={props.problems}>
      <select
        aria-label={props.label}
        value={props.value}
        aria-invalid={at(props.problems, props.path).length > 0}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
      >
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </Field>
  );
}
