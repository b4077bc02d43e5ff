/**
 * Roles on the client. Screens written before managers and client contacts (issue #17) take the
 * three older roles; a manager uses them as a collector does and a client contact as a viewer
 * (read-only). The server decides every request anyway (server/auth/permissions.ts).
 */
export type RoleKey = 'admin' | 'manager' | 'collector' | 'viewer' | 'client_contact' | 'salesperson';

export function legacyRole(role: RoleKey): 'admin' | 'collector' | 'viewer' {
  return role === 'manager' ? 'collector' : role === 'client_contact' || role === 'salesperson' ? 'viewer' : role;
}
