import type { Config } from '../config/schema.js';
import { commandNode, type NodeCommand } from '../http/node-commands.js';
import { nodeLive, type NodeRecord } from '../store/nodes.js';
import type { Print } from './commands.js';
import { withStore } from './with-store.js';

/** Run on a host of the appliance by its operator: the audit trail records the CLI as the actor. */
const ACTOR = 'system:cli';

/** How long ago, in the largest whole unit: `4s`, `3m12s`, `2h05m`, `3d04h`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** `live`, `lost` (not stopped, but silent too long), or `-` for a stopped node (it is not expected to beat). */
export function liveness(node: NodeRecord, now: number): string {
  if (node.state === 'stopped') return '-';
  return nodeLive(node, now) ? 'live' : 'lost';
}

/** Rows as columns padded to their widest cell (the last column unpadded). */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

/** `mpegflow nodes` (`nodes list`): every node that joined, with its liveness at this moment. */
export async function nodesListCommand(print: Print, cfg: Config, now: () => number = Date.now): Promise<number> {
  const nodes = await withStore(cfg, (store) => store.nodes.list());
  if (nodes.length === 0) {
    print('no nodes');
    return 0;
  }
  const at = now();
  const rows = [['ID', 'HOST', 'ROLES', 'STATE', 'LIVE', 'HEARTBEAT', 'TASKS', 'VERSION']];
  for (const n of nodes) {
    rows.push([n.id, n.host, n.roles.join(',') || '-', n.state, liveness(n, at), `${age(at - n.heartbeatAt)} ago`, String(n.load.running.length), n.version]);
  }
  for (const line of table(rows)) print(line);
  return 0;
}

/** `mpegflow nodes drain ID` / `nodes resume ID`: the same rule, events and codes as the API. */
export async function nodesCommand(print: Print, cfg: Config, id: string, command: NodeCommand): Promise<number> {
  const { node, previousState, changed } = await withStore(cfg, (store) => commandNode(store, id, command, ACTOR));
  if (!changed) print(`Node ${node.id} is already ${node.state}; nothing changed`);
  else if (command === 'drain') print(`Node ${node.id}: draining (was ${previousState}); it finishes its running tasks and leases nothing new`);
  else print(`Node ${node.id}: running (was ${previousState}); it leases tasks again`);
  return 0;
}
