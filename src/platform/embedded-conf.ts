/**
 * PostgreSQL settings of the embedded database, for one session on a developer's machine or a small
 * office: PGlite's defaults (shared_buffers 160 MB, maintenance_work_mem 64 MB) are sized for more.
 */
export const EMBEDDED_CONF = [
  "shared_buffers=16MB",
  "work_mem=2MB",
  "maintenance_work_mem=16MB",
  "temp_buffers=4MB",
  "wal_buffers=1MB",
];
