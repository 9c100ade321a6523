import type { ReactNode } from 'react';

/** One labelled value of a chart. */
export interface Datum {
  readonly label: string;
  readonly value: number;
}

const WIDTH = 560;
const HEIGHT = 200;
const PAD = 36;

/** A chart with its numbers: the picture for the eye, the table for screen readers and for checking. */
function ChartFigure({
  title,
  unit,
  children,
  table,
}: {
  title: string;
  unit: string;
  children: ReactNode;
  table: { header: string[]; rows: (string | number)[][] };
}) {
  return (
    <figure className="chart panel">
      <figcaption>
        <h2>{title}</h2>
      </figcaption>
      {children}
      <table className="chart-numbers">
        <caption>
          The numbers behind “{title}” ({unit})
        </caption>
        <thead>
          <tr>
            {table.header.map((cell) => (
              <th scope="col" key={cell}>
                {cell}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, index) => (
            <tr key={`${row[0]}-${index}`}>
              {row.map((cell, column) => (
                <td key={column}>{typeof cell === 'number' ? formatNumber(cell) : cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** A line chart of values over ordered labels (days, weeks). */
export function LineChart({ title, unit, series }: { title: string; unit: string; series: readonly Datum[] }) {
  const max = Math.max(1, ...series.map((point) => point.value));
  const step = series.length > 1 ? (WIDTH - 2 * PAD) / (series.length - 1) : 0;
  const points = series.map((point, index) => ({
    x: PAD + index * step,
    y: HEIGHT - PAD - (point.value / max) * (HEIGHT - 2 * PAD),
    ...point,
  }));
  return (
    <ChartFigure
      title={title}
      unit={unit}
      table={{ header: ['When', unit], rows: series.map((p) => [p.label, p.value]) }}
    >
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: ${describe(series, unit)}`}>
        <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} className="axis" />
        <polyline points={points.map((p) => `${p.x},${p.y}`).join(' ')} className="line" />
        {points.map((p) => (
          <circle key={p.label} cx={p.x} cy={p.y} r={3.5} className="dot" data-value={p.value} />
        ))}
        {points.map((p, index) =>
          index === 0 || index === points.length - 1 ? (
            <text key={`label-${p.label}`} x={p.x} y={HEIGHT - PAD + 16} textAnchor="middle" className="tick">
              {p.label}
            </text>
          ) : null,
        )}
        <text x={PAD - 6} y={PAD} textAnchor="end" className="tick">
          {formatNumber(max)}
        </text>
      </svg>
    </ChartFigure>
  );
}

/** Horizontal bars, e.g. SLA performance per role or utilisation per practice. */
export function BarChart({
  title,
  unit,
  bars,
  max,
  labelHeader,
}: {
  title: string;
  unit: string;
  bars: readonly Datum[];
  max?: number;
  /** What the bars are, as the numbers table's first column header (e.g. `Role`). */
  labelHeader: string;
}) {
  const top = max ?? Math.max(1, ...bars.map((bar) => bar.value));
  const rowHeight = 26;
  const height = bars.length * rowHeight + 10;
  const labelWidth = 170;
  return (
    <ChartFigure
      title={title}
      unit={unit}
      table={{ header: [labelHeader, unit], rows: bars.map((b) => [b.label, b.value]) }}
    >
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${title}: ${describe(bars, unit)}`}>
        {bars.map((bar, index) => {
          const width = Math.max(0, (bar.value / top) * (WIDTH - labelWidth - 70));
          const y = 5 + index * rowHeight;
          return (
            <g key={bar.label} data-label={bar.label} data-value={bar.value}>
              <text x={labelWidth - 8} y={y + 16} textAnchor="end" className="tick">
                {bar.label}
              </text>
              <rect x={labelWidth} y={y + 3} width={width} height={rowHeight - 8} className="bar" />
              <text x={labelWidth + width + 6} y={y + 16} className="tick">
                {formatNumber(bar.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </ChartFigure>
  );
}

/** A heat map: rows × columns, darker for more (e.g. exceptions per workflow step and day). */
export function HeatMap({
  title,
  unit,
  rows,
  columns,
  value,
  rowHeader,
}: {
  title: string;
  unit: string;
  /** What the rows are, as the numbers table's first column header (e.g. `Step`). */
  rowHeader: string;
  rows: readonly string[];
  columns: readonly string[];
  value: (row: string, column: string) => number;
}) {
  const max = Math.max(1, ...rows.flatMap((row) => columns.map((column) => value(row, column))));
  const cell = 34;
  const labelWidth = 260;
  const width = labelWidth + columns.length * cell + 10;
  const height = 30 + rows.length * cell;
  return (
    <ChartFigure
      title={title}
      unit={unit}
      table={{
        header: [rowHeader, ...columns],
        rows: rows.map((row) => [row, ...columns.map((column) => value(row, column))]),
      }}
    >
      <svg
        style={{ width: `${width}px`, maxWidth: '100%' }}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${title}, ${rows.length} rows by ${columns.length} columns`}
      >
        {columns.map((column, index) => (
          <text key={column} x={labelWidth + index * cell + cell / 2} y={18} textAnchor="middle" className="tick">
            {column.length > 5 ? column.slice(-5) : column}
          </text>
        ))}
        {rows.map((row, rowIndex) => (
          <g key={row}>
            <text x={labelWidth - 8} y={30 + rowIndex * cell + cell / 2 + 4} textAnchor="end" className="tick">
              {row}
            </text>
            {columns.map((column, columnIndex) => {
              const amount = value(row, column);
              return (
                <rect
                  key={column}
                  x={labelWidth + columnIndex * cell}
                  y={30 + rowIndex * cell}
                  width={cell - 3}
                  height={cell - 3}
                  className="heat"
                  fillOpacity={amount === 0 ? 0.06 : 0.2 + (0.8 * amount) / max}
                  data-row={row}
                  data-column={column}
                  data-value={amount}
                />
              );
            })}
          </g>
        ))}
      </svg>
    </ChartFigure>
  );
}

function describe(data: readonly Datum[], unit: string): string {
  return data.map((datum) => `${datum.label} ${formatNumber(datum.value)} ${unit}`).join(', ');
}

function formatNumber(value: number): string {
  return Number.isInteger(value)
    ? value.toLocaleString('en')
    : value.toLocaleString('en', { maximumFractionDigits: 2 });
}
