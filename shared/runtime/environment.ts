/**
 * Reads a required environment variable once, failing fast with the variable's name
 * so that a mis-wired function fails on its first cold start, not on some later path.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is not set; the function's construct must bind it`);
  }
  return value;
}
