import { useState } from 'react';
import { ValueEditor, type ValueEditorProps } from 'react-querybuilder';
import { useI18n } from '../i18n';

const LIST_OPERATORS = new Set(['in', 'notIn']);

/** The builder's value editor, with a list of chips for `in` / `notIn` instead of comma-separated text. */
export function ConditionValueEditor(props: ValueEditorProps) {
  if (!LIST_OPERATORS.has(props.operator)) return <ValueEditor {...props} />;
  return <ListValueEditor {...props} />;
}

function ListValueEditor({ value, handleOnChange, inputType, disabled, className }: ValueEditorProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const items: unknown[] = Array.isArray(value) ? value : value === '' || value == null ? [] : [value];
  const numeric = inputType === 'number';
  const add = () => {
    const text = draft.trim();
    if (!text) return;
    const item = numeric ? Number(text) : text;
    if (numeric && !Number.isFinite(item)) return;
    if (!items.includes(item)) handleOnChange([...items, item]);
    setDraft('');
  };
  return (
    <span className={`list-editor ${className ?? ''}`}>
      {items.map((item, i) => (
        <span key={`${String(item)}-${i}`} className="chip">
          {String(item)}
          {!disabled && (
            <button type="button" className="link" aria-label={`${t.remove} ${String(item)}`} onClick={() => handleOnChange(items.filter((_, j) => j !== i))}>
              ×
            </button>
          )}
        </span>
      ))}
      {!disabled && (
        <input
          type={inputType === 'date' ? 'date' : numeric ? 'number' : 'text'}
          aria-label={t.addListValue}
          placeholder={t.addListValue}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',') {
              e.preventDefault();
              add();
            }
          }}
          onBlur={add}
        />
      )}
    </span>
  );
}
