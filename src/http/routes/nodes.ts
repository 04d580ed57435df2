import { Hono, type Context } from 'hono';
import type { Store } from '../../store/store.js';
import type { HttpEnv } from '../http-env.js';
import { actorOf, requireRole } from '../middleware/auth.js';
import { commandNode, nodeView, type NodeCommand } from '../node-commands.js';
import type { ClusterNode, NodeList } from '../schemas/nodes.js';

const anyRole = requireRole('admin', 'operator', 'viewer', 'auditor');
/** The roles that may cancel or retry a job may drain and resume a node. */
const writers = requireRole('admin', 'operator');

/**
 * `/api/v1/nodes`: the cluster's nodes with their liveness (any role); drain and resume
 * (operator, admin), audited `node.drain_requested` / `node.resumed`.
 */
export function nodeRoutes(store: Store, now: () => Date = () => new Date()) {
  const run = async (c: Context<HttpEnv>, command: NodeCommand) => {
    const at = now();
    const { node } = await commandNode(store, c.req.param('id') ?? '', command, actorOf(c.get('principal')), at);
    return c.json(nodeView(node, at.getTime()) satisfies ClusterNode);
  };
  return new Hono<HttpEnv>()
    .get('/nodes', anyRole, async (c) => {
      const at = now().getTime();
      return c.json({ items: (await store.nodes.list()).map((n) => nodeView(n, at)) } satisfies NodeList);
    })
    .post('/nodes/:id/drain', writers, (c) => run(c, 'drain'))
    .post('/nodes/:id/resume', writers, (c) => run(c, 'resume'));
}
