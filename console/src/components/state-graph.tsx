import { layoutStateGraph, type StateGraphLayout, type StateStatus } from './state-graph-layout';

export type { StateStatus };

const NODE_WIDTH = 210;
const NODE_HEIGHT = 34;
const COLUMN_GAP = 24;
const RANK_GAP = 30;

const LABEL: Record<StateStatus, string> = {
  failed: 'failed',
  current: 'current',
  visited: 'visited',
  'not-visited': 'not visited',
};

/**
 * The state machine drawn as in the Step Functions console: failed states red, the current
 * state outlined in blue, visited states green. The SVG is a picture; the table below it
 * says the same in words for screen readers and for copying.
 */
export function StateGraph({ definition, statusOf }: { definition: string; statusOf: (name: string) => StateStatus }) {
  let layout: StateGraphLayout;
  try {
    layout = layoutStateGraph(definition);
  } catch (error) {
    return (
      <p className="state state-error" role="alert">
        The state machine definition cannot be drawn: {error instanceof Error ? error.message : String(error)}
      </p>
    );
  }
  const widest = Math.max(1, ...layout.nodes.map((node) => node.column + 1));
  const ranks = Math.max(1, ...layout.nodes.map((node) => node.rank + 1));
  const width = widest * (NODE_WIDTH + COLUMN_GAP) + COLUMN_GAP;
  const height = ranks * (NODE_HEIGHT + RANK_GAP) + RANK_GAP;
  const position = new Map(
    layout.nodes.map((node) => [
      node.name,
      { x: COLUMN_GAP + node.column * (NODE_WIDTH + COLUMN_GAP), y: RANK_GAP + node.rank * (NODE_HEIGHT + RANK_GAP) },
    ]),
  );
  const highlighted = layout.nodes.filter((node) => statusOf(node.name) !== 'not-visited');
  return (
    <figure className="graph">
      <div className="graph-scroll" tabIndex={0} role="region" aria-label="State machine graph, scrollable">
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={`State machine graph: ${highlighted
            .map((node) => `${node.name} ${LABEL[statusOf(node.name)]}`)
            .join(', ')}`}
        >
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" fill="#4b5563" />
            </marker>
          </defs>
          {layout.edges.map((edge) => {
            const from = position.get(edge.from);
            const to = position.get(edge.to);
            if (!from || !to) return null;
            const x1 = from.x + NODE_WIDTH / 2;
            const y1 = from.y + NODE_HEIGHT;
            const x2 = to.x + NODE_WIDTH / 2;
            const y2 = to.y;
            const path =
              y2 > y1
                ? `M${x1},${y1} C${x1},${y1 + RANK_GAP / 2} ${x2},${y2 - RANK_GAP / 2} ${x2},${y2}`
                : `M${from.x + NODE_WIDTH},${from.y + NODE_HEIGHT / 2} C${from.x + NODE_WIDTH + 40},${from.y} ${to.x + NODE_WIDTH + 40},${to.y + NODE_HEIGHT} ${to.x + NODE_WIDTH},${to.y + NODE_HEIGHT / 2}`;
            return (
              <path
                key={`${edge.from}->${edge.to}-${edge.kind}`}
                d={path}
                className={`edge edge-${edge.kind}`}
                markerEnd="url(#arrow)"
              />
            );
          })}
          {layout.nodes.map((node) => {
            const at = position.get(node.name) ?? { x: 0, y: 0 };
            const status = statusOf(node.name);
            return (
              <g key={node.name} className={`node node-${status}`} data-state={node.name} data-status={status}>
                <rect x={at.x} y={at.y} width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
                <text x={at.x + NODE_WIDTH / 2} y={at.y + NODE_HEIGHT / 2 + 4} textAnchor="middle">
                  {node.name.length > 28 ? `${node.name.slice(0, 27)}…` : node.name}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <figcaption>
        <span className="legend legend-failed">failed</span> <span className="legend legend-current">current</span>{' '}
        <span className="legend legend-visited">visited</span>{' '}
        <span className="legend legend-not-visited">not visited</span>
      </figcaption>
      <details>
        <summary>States as a table</summary>
        <table>
          <caption className="visually-hidden">Every state and how it fared</caption>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Type</th>
              <th scope="col">In this execution</th>
            </tr>
          </thead>
          <tbody>
            {layout.nodes.map((node) => (
              <tr key={node.name}>
                <td>{node.name}</td>
                <td>{node.type}</td>
                <td>{LABEL[statusOf(node.name)]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
