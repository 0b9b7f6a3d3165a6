import type { ReactNode } from 'react';

export interface FieldError {
  field?: readonly string[] | null;
  message: string;
}

/** The messages of the errors whose field starts with `path` (e.g. ["input", "key"]). */
export const messagesAt = (errors: readonly FieldError[], path: readonly string[]): string[] =>
  errors.filter((e) => path.every((step, i) => e.field?.[i] === step)).map((e) => e.message);

/** The errors no field of the form shows: said once above its buttons. */
export const unplaced = (errors: readonly FieldError[], placed: readonly (readonly string[])[]): FieldError[] =>
  errors.filter((e) => !placed.some((path) => path.every((step, i) => e.field?.[i] === step)));

/** A labelled input with the API's problems for it beneath, in words. */
export function Field({ label, problems, children }: { label: string; problems: readonly string[]; children: ReactNode }) {
  return (
    <label className="field" data-invalid={problems.length > 0 || undefined}>
      {label}
      {children}
      {problems.map((message) => (
        <span key={message} className="field-problem" role="alert">
          {message}
        </span>
      ))}
    </label>
  );
}
