export { type AdminDeps, AdminError, adminRouter, toAdminError } from './router';
