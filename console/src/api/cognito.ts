import * as z from 'zod';
import type { ConsoleConfig } from './config';

type CognitoConfig = Extract<ConsoleConfig, { mode: 'cognito' }>;

const TOKEN_KEY = 'psflow.console.token';
const VERIFIER_KEY = 'psflow.console.pkce';
const StoredToken = z.object({ token: z.string(), expiresAt: z.number() });
const PendingSignIn = z.object({ verifier: z.string(), state: z.string() });
const TokenAnswer = z.object({ access_token: z.string(), expires_in: z.number() });

/** The access token of this tab's session, if signed in and not expired. */
export function currentToken(): string | undefined {
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (!stored) return undefined;
  const parsed = StoredToken.safeParse(JSON.parse(stored));
  return parsed.success && Date.now() < parsed.data.expiresAt ? parsed.data.token : undefined;
}

/** Sends the browser to the user pool's hosted UI (authorization code with PKCE, no client secret). */
export async function signIn(config: CognitoConfig): Promise<void> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(VERIFIER_KEY, JSON.stringify({ verifier, state }));
  const url = new URL('/oauth2/authorize', config.cognitoDomain);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid email profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  window.location.assign(url.toString());
}

/** Completes a sign-in when the hosted UI sent the browser back with a code; true when it did. */
export async function completeSignIn(config: CognitoConfig): Promise<boolean> {
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  if (!code) return false;
  const pending = PendingSignIn.safeParse(JSON.parse(sessionStorage.getItem(VERIFIER_KEY) ?? '{}'));
  if (!pending.success || pending.data.state !== params.get('state'))
    throw new Error('the sign-in answer does not match the sign-in this tab started; sign in again');
  const response = await fetch(new URL('/oauth2/token', config.cognitoDomain), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: config.redirectUri,
      code_verifier: pending.data.verifier,
    }),
  });
  if (!response.ok) throw new Error(`the user pool refused the sign-in (HTTP ${response.status})`);
  const tokens = TokenAnswer.parse(await response.json());
  sessionStorage.setItem(
    TOKEN_KEY,
    JSON.stringify({ token: tokens.access_token, expiresAt: Date.now() + tokens.expires_in * 1000 }),
  );
  sessionStorage.removeItem(VERIFIER_KEY);
  window.history.replaceState(null, '', window.location.pathname + window.location.hash);
  return true;
}

/** Forgets the token and ends the hosted UI session. */
export function signOut(config: CognitoConfig): void {
  sessionStorage.removeItem(TOKEN_KEY);
  const url = new URL('/logout', config.cognitoDomain);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: config.redirectUri }).toString();
  window.location.assign(url.toString());
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
