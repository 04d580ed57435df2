/**
 * The states and kinds of jobs and tasks as the API shows them. Plain constants, no zod, so
 * the UI can import the values too (the store keeps its own list; test/http/api-schemas checks they agree).
 */
export const jobStates = ['queued', 'probing', 'encoding', 'packaging', 'completed', 'partial', 'failed', 'cancelled'] as const;
export const terminalJobStates = ['completed', 'partial', 'failed', 'cancelled'] as const;
export const taskStates = ['pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export const taskKinds = ['probe', 'encode', 'stitch', 'package'] as const;
export const roleNames = ['admin', 'operator', 'viewer', 'auditor'] as const;
