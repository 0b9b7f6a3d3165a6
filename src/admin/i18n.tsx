import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { numberFormatter } from './format';
import { LABELS, type Labels, type Language } from './labels';

export type { Language };

const STORAGE = 'strata.language';

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Labels;
  /** 500,000 in English, 50万 in Chinese (see numberFormatter). */
  number: (n: number) => string;
  percent: (share: number) => string;
  /** An instant as the chosen locale writes it, in the browser's time zone. */
  dateTime: (iso: string) => string;
}

const I18nContext = createContext<I18n | null>(null);

/** Labels in English or Simplified Chinese, the choice remembered per browser; numbers formatted for it. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setStored] = useState<Language>(() => (localStorage.getItem(STORAGE) === 'zh-CN' ? 'zh-CN' : 'en'));
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo<I18n>(() => {
    const number = numberFormatter(language);
    const percents = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
    const dateTimes = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
    return {
      language,
      setLanguage: (next) => {
        localStorage.setItem(STORAGE, next);
        setStored(next);
      },
      t: LABELS[language],
      number,
      percent: (share) => percents.format(share),
      dateTime: (iso) => dateTimes.format(new Date(iso)),
    };
  }, [language]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
