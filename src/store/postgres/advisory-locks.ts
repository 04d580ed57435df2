/**
 * The advisory lock keys the appliance takes (one 64-bit key space per database; the values
 * spell "mpegflow" plus a number, unlikely to meet another application's keys).
 */
export const advisoryLocks = {
  /** Held for the whole of every write transaction: the audit chain head (one linear chain). */
  auditChain: 0x6d70_6567_0001n.toString(),
  /** Held while migrating, so that nodes starting at once migrate once. */
  migrate: 0x6d70_6567_0002n.toString(),
} as const;
