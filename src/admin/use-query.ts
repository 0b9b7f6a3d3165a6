import { useCallback, useEffect, useState } from 'react';
import { SignInNeeded, request } from './api';
import type { TypedDocumentString } from './gql/graphql';

export interface QueryState<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/** Runs a query when the component shows and on reload(); a refused key signs out through onSignInNeeded. */
export function useQuery<Result, Variables>(
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
  onSignInNeeded: () => void,
): QueryState<Result> {
  const [state, setState] = useState<{ data: Result | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [round, setRound] = useState(0);
  const text = JSON.stringify(variables);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    request(document, JSON.parse(text) as Variables).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: Error) => {
        if (!current) return;
        if (error instanceof SignInNeeded) onSignInNeeded();
        else setState({ data: null, error, loading: false });
      },
    );
    return () => {
      current = false;
    };
  }, [document, text, round, onSignInNeeded]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...state, reload };
}
