/**
 * The pieces every settings form is built from: a labelled field with its hint and error, and a
 * destructive button that asks first.
 */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

/** What a {@link Field} hands its control: the id its label points at, and what describes it. */
export interface ControlProps {
  readonly id: string;
  readonly 'aria-describedby'?: string;
  readonly 'aria-invalid'?: true;
}

/**
 * A control with its label, an optional hint and an optional error. The label names the control
 * (`htmlFor`); hint and error describe it (`aria-describedby`), and an error marks it invalid and
 * is announced. `children` renders the control from the props it must carry:
 * `<Field label="Name">{(control) => <input {...control} value={name} … />}</Field>`.
 */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const errorId = error === undefined ? undefined : `${id}-error`;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        ...(describedBy && { 'aria-describedby': describedBy }),
        ...(error !== undefined && { 'aria-invalid': true }),
      })}
      {error !== undefined && (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      )}
      {hint !== undefined && (
        <span id={hintId} className="help">
          {hint}
        </span>
      )}
    </div>
  );
}

/**
 * A destructive action behind a confirmation: the first press asks ("Delete GitHub web?") with
 * the consequence spelled out; only the second, explicit press acts. Focus moves to Cancel, the
 * safe choice; Escape or Cancel backs out and puts focus back on the button.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void | Promise<void>;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (asking || !refocus.current) return;
    refocus.current = false;
    trigger.current?.focus();
  }, [asking]);
  const close = () => {
    refocus.current = true;
    setAsking(false);
  };

  if (!asking) {
    return (
      <button ref={trigger} type="button" className="danger-quiet" onClick={() => setAsking(true)} disabled={disabled}>
        {label}
      </button>
    );
  }
  return (
    <span
      className="confirm"
      role="alertdialog"
      aria-label={question}
      onKeyDown={(event) => {
        if (event.key === 'Escape') close();
      }}
    >
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className="danger"
        onClick={async () => {
          close();
          await onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      {/* biome-ignore lint/a11y/noAutofocus: the question appears on request; Cancel is the safe place for focus */}
      <button type="button" className="secondary" onClick={close} autoFocus>
        Cancel
      </button>
    </span>
  );
}
