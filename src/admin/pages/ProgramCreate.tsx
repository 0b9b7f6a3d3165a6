import { useState } from 'react';
import { request } from '../api';
import { Field, messagesAt, unplaced } from '../components/Field';
import { ProgramCreateDocument, type ProgramCreateMutation } from '../gql/graphql';
import { useI18n } from '../i18n';
import { draftPath, navigate } from '../router';

type UserError = ProgramCreateMutation['tierProgramCreate']['userErrors'][number];

/**
 * A new program starts as the draft of its version 1, with one tier for everyone; the
 * draft page then shapes its ladder, and like any change it needs another key's approval.
 */
export function ProgramCreate() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [fields, setFields] = useState({ key: '', name: '', description: '', tierKey: 'STANDARD', tierName: '' });
  const [errors, setErrors] = useState<UserError[]>([]);
  if (!open)
    return (
      <p>
        <button onClick={() => setOpen(true)}>{t.newProgram}</button>
      </p>
    );
  const paths: Record<keyof typeof fields, string[]> = {
    key: ['input', 'key'],
    name: ['input', 'name'],
    description: ['input', 'description'],
    tierKey: ['input', 'tiers', '0', 'key'],
    tierName: ['input', 'tiers', '0', 'name'],
  };
  const input = (name: keyof typeof fields, label: string) => (
    <Field label={label} problems={messagesAt(errors, paths[name])}>
      <input value={fields[name]} onChange={(e) => setFields({ ...fields, [name]: e.target.value })} aria-invalid={messagesAt(errors, paths[name]).length > 0} />
    </Field>
  );
  const create = async () => {
    const { tierProgramCreate } = await request(ProgramCreateDocument, {
      input: {
        key: fields.key.trim(),
        name: fields.name.trim(),
        description: fields.description.trim() || null,
        tiers: [{ key: fields.tierKey.trim(), name: fields.tierName.trim() || fields.tierKey.trim(), rank: 1, conditions: { all: [] } }],
      },
    });
    setErrors(tierProgramCreate.userErrors);
    if (tierProgramCreate.draft) navigate(draftPath(tierProgramCreate.draft.id));
  };
  return (
    <form
      className="program-create"
      aria-label={t.newProgram}
      onSubmit={(e) => {
        e.preventDefault();
        void create().catch((error: Error) => setErrors([{ code: 'INVALID', field: null, message: error.message } as UserError]));
      }}
    >
      <h3>{t.newProgram}</h3>
      <p className="help">{t.newProgramHelp}</p>
      {input('key', t.programKey)}
      {input('name', t.programName)}
      {input('description', t.programDescription)}
      {input('tierKey', t.firstTierKey)}
      {input('tierName', t.firstTierName)}
      {unplaced(errors, Object.values(paths)).map((e) => (
          <p key={e.message} role="alert" className="notice">
            {e.message}
          </p>
        ))}
      <div className="tier-actions">
        <button>{t.createProgram}</button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          {t.cancel}
        </button>
      </div>
    </form>
  );
}
