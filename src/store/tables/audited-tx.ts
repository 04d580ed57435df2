import { ApplianceError } from '../../errors/appliance-error.js';
import type { AuditEvent, AuditInput, StoreTx } from '../store.js';
import { storeWrites } from './store-writes.js';
import type { TableDb } from './table-db.js';

/**
 * The write API of one transaction. `append` stores one chained event (the driver's: it
 * holds the chain head); `assertAudited` refuses a commit that wrote state without one.
 */
export function auditedTx(w: TableDb, nowIso: () => string, append: (input: AuditInput) => Promise<AuditEvent>) {
  let wrote = false;
  let events = 0;
  const tx: StoreTx = {
    ...storeWrites(w, nowIso, () => {
      wrote = true;
    }),
    audit: async (input) => {
      const event = await append(input);
      events++;
      return event;
    },
  };
  return {
    tx,
    assertAudited(): void {
      if (wrote && events === 0) {
        throw new ApplianceError('AUDIT_REQUIRED', 'a state change was attempted without an audit event; nothing was written');
      }
    },
  };
}
