import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';

type InputAttributes = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'label'>;

/** A text (or number) input that reports its value as typed. */
export function TextInput({
  onValue,
  ...input
}: InputAttributes & { id: string; value: string; onValue: (value: string) => void }) {
  return <input {...input} onInput={(e) => onValue(e.currentTarget.value)} />;
}

/** A form's field: its label above its control. */
export function Field({ id, label, children }: { id: string; label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}

export function InputField({
  label,
  ...input
}: InputAttributes & { id: string; label: string; value: string; onValue: (value: string) => void }) {
  return (
    <Field id={input.id} label={label}>
      <TextInput {...input} />
    </Field>
  );
}

/** An option: its value, or its value and the words shown for it. */
export type Choice<T extends string> = T | { value: T; label: string };

export function Select<T extends string>({
  id,
  value,
  choices,
  onValue,
}: {
  id: string;
  value: T;
  choices: readonly Choice<T>[];
  onValue: (value: T) => void;
}) {
  return (
    <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value as T)}>
      {choices.map((choice) => {
        const { value: option, label } =
          typeof choice === 'string' ? { value: choice, label: choice } : choice;
        return (
          <option key={option} value={option}>
            {label}
          </option>
        );
      })}
    </select>
  );
}

export function SelectField<T extends string>({
  label,
  ...select
}: {
  id: string;
  label: string;
  value: T;
  choices: readonly Choice<T>[];
  onValue: (value: T) => void;
}) {
  return (
    <Field id={select.id} label={label}>
      <Select {...select} />
    </Field>
  );
}

/** One text field of a FilterForm: `name` is the query parameter it sets. */
export type FilterField<K extends string> = Omit<InputAttributes, 'name'> & {
  name: K;
  id: string;
  label: string;
};

/**
 * A list's filter: what is typed takes effect on "Apply filter", as `onApply` with every field's
 * value by name ('' for an empty one).
 */
export function FilterForm<K extends string>({
  fields,
  onApply,
}: {
  fields: FilterField<K>[];
  onApply: (filters: Record<K, string>) => void;
}) {
  const [draft, setDraft] = useState(() => emptyFilters(fields.map((field) => field.name)));
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <fieldset class="grid-form">
        <legend>Filter</legend>
        {fields.map(({ name, ...input }) => (
          <InputField
            key={name}
            {...input}
            value={draft[name]}
            onValue={(value) => setDraft({ ...draft, [name]: value })}
          />
        ))}
        <button type="submit">Apply filter</button>
      </fieldset>
    </form>
  );
}

export function emptyFilters<K extends string>(names: readonly K[]): Record<K, string> {
  return Object.fromEntries(names.map((name) => [name, ''])) as Record<K, string>;
}

/** The query of a filtered list: its limit, then each filter that is not empty. */
export function filterQuery(limit: number, filters: Record<string, string>): URLSearchParams {
  const query = new URLSearchParams({ limit: String(limit) });
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  return query;
}
