/** The API key lives in this tab's sessionStorage only: never in a URL, gone with the tab. */
const KEY = 'strata.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string): void => sessionStorage.setItem(KEY, key),
  signOut: (): void => sessionStorage.removeItem(KEY),
};
