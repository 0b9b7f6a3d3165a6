import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';

/** Asks for an API key; `notice` says why the last one was refused. */
export function SignIn({ notice, onKey }: { notice: string | null; onKey: (key: string) => void }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) onKey(key.trim());
  };
  return (
    <main className="sign-in">
      <h1>{t.appName}</h1>
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">{t.signInTitle}</h2>
        <p>{t.signInHelp}</p>
        {notice && (
          <p role="alert" className="notice">
            {notice}
          </p>
        )}
        <label>
          {t.apiKey}
          <input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} name="apiKey" autoFocus />
        </label>
        <button type="submit" disabled={!key.trim()}>
          {t.signIn}
        </button>
      </form>
    </main>
  );
}
