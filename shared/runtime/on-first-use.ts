/**
 * A value computed on the first call and kept. For the checked policy tables and catalogues: each
 * is validated with zod, which at module load every cold start paid for, whether the function
 * used the table or not (about a third of some functions' module load, profiled).
 */
export function onFirstUse<T>(compute: () => T): () => T {
  let computed: { readonly value: T } | undefined;
  return () => (computed ??= { value: compute() }).value;
}
