import { createContext, useContext } from 'react';
import type { OperationsClient } from './api/client';

/** Who acts, and the API client that acts for them. */
export interface Session {
  readonly client: OperationsClient;
  /** The directory user acting (locally the picked identity; in AWS the signed-in user's entry). */
  readonly userId: string;
}

/** The session of the signed-in (or picked) user. */
export const SessionContext = createContext<Session | undefined>(undefined);

/** The current session; pages render only inside one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session: pages render inside <SessionContext.Provider>');
  return session;
}
