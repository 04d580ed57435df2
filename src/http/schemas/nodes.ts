import { z } from 'zod';

/** A node's roles and states (the store's `NodeRole`, `NodeState`; test/http/nodes holds them equal). */
export const nodeRoleNames = ['api', 'worker'] as const;
export const nodeStates = ['running', 'draining', 'stopped'] as const;

/** `GET /api/v1/nodes`: one node of the cluster (one `mpegflow start` process) as its heartbeats report it. */
export const nodeSchema = z.object({
  id: z.string(),
  host: z.string(),
  roles: z.array(z.enum(nodeRoleNames)),
  pools: z.array(z.object({ name: z.string(), cores: z.array(z.number().int()), slots: z.number().int() })),
  version: z.string().describe('the appliance version it runs'),
  images: z.array(z.string()).describe('encoder image ids (manifest sha256) it verified at start'),
  state: z.enum(nodeStates).describe('draining: it finishes what it runs and leases nothing new'),
  live: z.boolean().describe('not stopped and its last heartbeat at most 20 s before this answer; false for a lost node'),
  startedAt: z.string(),
  heartbeatAt: z.string().describe('its last heartbeat (ISO 8601)'),
  load: z.object({
    running: z.array(z.object({ taskId: z.string(), jobId: z.string(), kind: z.string() })).describe('the tasks it ran at its last heartbeat'),
    loadAverage: z.number().describe('1-minute load average of its host'),
  }),
  stoppedAt: z.string().nullable(),
});
export const nodeList = z.object({ items: z.array(nodeSchema) });

/** Named ClusterNode (not Node) so that the UI's DOM `Node` stays what it is. */
export type ClusterNode = z.infer<typeof nodeSchema>;
export type NodeList = z.infer<typeof nodeList>;
