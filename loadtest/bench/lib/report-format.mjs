// Formatting shared by the report's sections: Markdown tables, latency cells, units, and the noise column.
import { ms } from './stats.mjs';

/** MiB → MB (10^6 bytes), the unit of the memory target. */
export const MB = 1024 ** 2 / 1e6;
const row = (cells) => `| ${cells.join(' | ')} |`;
export const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
export const lat = (l) => `${ms(l.p50)} / ${ms(l.p99)}`;

/** Share of the machine's CPU that processes outside the bench used during a run: the noise. */
export function noise(r, cpu) {
  if (!cpu) return '–';
  return `${((cpu.otherMs / (cpu.wallMs * r.machine.cpus)) * 100).toFixed(0)}%`;
}
