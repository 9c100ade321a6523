import { KPIS_BENCHMARK } from './kpis-benchmark';
import { BILLING_BENCHMARK } from './billing-benchmark';
import { STAFFING_BENCHMARK } from './staffing-benchmark';

/**
 * The workflow benchmarks that `npm run bench` runs after the platform figures. Each
 * workflow registers one section here, so adding a workflow's benchmark touches one line.
 * `npm run bench -- --only NAME` runs one section and prints it without rewriting
 * docs/benchmarks.md, which only ever holds a full run.
 */
export interface WorkflowBenchmark {
  /** Short, unique, kebab-case: what `--only` matches. */
  readonly name: string;
  /** Runs the benchmark, reporting progress, and returns its Markdown section (starting with `## `). */
  readonly measure: (progress: (message: string) => void) => Promise<string[]>;
}

/** Every workflow benchmark, in report order. */
export const WORKFLOW_BENCHMARKS: readonly WorkflowBenchmark[] = [
  STAFFING_BENCHMARK,
  BILLING_BENCHMARK,
  KPIS_BENCHMARK,
];
