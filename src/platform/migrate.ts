// Append-only, numbered migrations, run at start by every instance (Kysely's migrator takes a lock).
import { type Migration, type MigrationProvider, Migrator } from "kysely";
import type { Db } from "./database.ts";
import * as m001 from "./migrations/001-registration-core.ts";
import * as m002 from "./migrations/002-recovery-account.ts";
import * as m003 from "./migrations/003-branch-staff.ts";
import * as m004 from "./migrations/004-message-codes.ts";
import * as m005 from "./migrations/005-mobile-proof.ts";
import * as m006 from "./migrations/006-challenges.ts";
import * as m007 from "./migrations/007-hardening.ts";
import * as m008 from "./migrations/008-oidc.ts";
import * as m009 from "./migrations/009-oidc-salt.ts";
import * as m010 from "./migrations/010-message-claim.ts";
import * as m011 from "./migrations/011-two-step-sign-in.ts";
import * as m012 from "./migrations/012-code-expiry.ts";
import * as m013 from "./migrations/013-oidc-key-activation.ts";
import * as m014 from "./migrations/014-mismatch-looks.ts";
import * as m015 from "./migrations/015-outbox-order.ts";
import * as m016 from "./migrations/016-security-event-details.ts";
import * as m017 from "./migrations/017-sign-in-failure-steps.ts";
import * as m018 from "./migrations/018-time-partitions.ts";

/** Every migration by name; Kysely applies them in name order. */
export const migrations: Record<string, Migration> = {
  "001-registration-core": m001,
  "002-recovery-account": m002,
  "003-branch-staff": m003,
  "004-message-codes": m004,
  "005-mobile-proof": m005,
  "006-challenges": m006,
  "007-hardening": m007,
  "008-oidc": m008,
  "009-oidc-salt": m009,
  "010-message-claim": m010,
  "011-two-step-sign-in": m011,
  "012-code-expiry": m012,
  "013-oidc-key-activation": m013,
  "014-mismatch-looks": m014,
  "015-outbox-order": m015,
  "016-security-event-details": m016,
  "017-sign-in-failure-steps": m017,
  "018-time-partitions": m018,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrate(db: Db): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ""} failed: ${String(error)}`);
  }
}
