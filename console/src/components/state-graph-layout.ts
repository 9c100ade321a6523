import * as z from 'zod';

/** The parts of an Amazon States Language state that shape the graph. */
const AslState = z
  .object({
    Type: z.string(),
    Next: z.string().optional(),
    Default: z.string().optional(),
    Choices: z.array(z.object({ Next: z.string() }).loose()).optional(),
    Catch: z.array(z.object({ Next: z.string() }).loose()).optional(),
  })
  .loose();
const AslDefinition = z.object({ StartAt: z.string(), States: z.record(z.string(), AslState) }).loose();

/** How a state fared in the execution. */
export type StateStatus = 'failed' | 'current' | 'visited' | 'not-visited';

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'catch';
}

/** A state machine's states in drawing order with their ranks, and its transitions. */
export interface StateGraphLayout {
  readonly nodes: { name: string; type: string; rank: number; column: number }[];
  readonly edges: Edge[];
}

/**
 * Lays an ASL definition out top to bottom: each state's rank is its distance from StartAt,
 * states of one rank side by side. Map and Parallel branches are drawn as their one state.
 */
export function layoutStateGraph(definition: string): StateGraphLayout {
  const asl = AslDefinition.parse(JSON.parse(definition));
  const edges: Edge[] = [];
  for (const [name, state] of Object.entries(asl.States)) {
    const targets = [state.Next, state.Default, ...(state.Choices ?? []).map((choice) => choice.Next)];
    for (const target of targets) if (target) edges.push({ from: name, to: target, kind: 'next' });
    for (const handler of state.Catch ?? []) edges.push({ from: name, to: handler.Next, kind: 'catch' });
  }
  const rank = new Map<string, number>([[asl.StartAt, 0]]);
  const queue = [asl.StartAt];
  while (queue.length > 0) {
    const name = queue.shift() ?? '';
    for (const edge of edges)
      if (edge.from === name && !rank.has(edge.to)) {
        rank.set(edge.to, (rank.get(name) ?? 0) + 1);
        queue.push(edge.to);
      }
  }
  // States nothing reaches (none in a valid definition) still appear, below the rest.
  const deepest = Math.max(0, ...rank.values());
  for (const name of Object.keys(asl.States)) if (!rank.has(name)) rank.set(name, deepest + 1);
  const columns = new Map<number, number>();
  const nodes = Object.entries(asl.States)
    .map(([name, state]) => ({ name, type: state.Type, rank: rank.get(name) ?? 0 }))
    .sort((left, right) => left.rank - right.rank)
    .map((node) => {
      const column = columns.get(node.rank) ?? 0;
      columns.set(node.rank, column + 1);
      return { ...node, column };
    });
  return { nodes, edges };
}
