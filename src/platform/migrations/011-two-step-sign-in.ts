import { type Kysely, sql } from "kysely";

// R-MFA: two-step sign-in. A session is first a half session (password given, second factor due),
// then a full one; it records how the person signed in (amr, level) for the e-services (R-SSO).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("sessions")
    // 'second_factor': only the second-factor routes answer it; 'full': the person is signed in.
    .addColumn("stage", "text", (c) =>
      c.notNull().defaultTo("full").check(sql`stage in ('second_factor', 'full')`),
    )
    // RFC 8176 methods of this sign-in (pwd, sms, otp, hwk, swk, user, mfa).
    .addColumn("amr", "jsonb", (c) => c.notNull().defaultTo(sql`'["pwd"]'::jsonb`))
    // 1: one factor; 2: two factors (a remembered browser counts); 3: phishing-resistant (a passkey).
    .addColumn("aal", "smallint", (c) => c.notNull().defaultTo(1))
    // When the person last proved themselves (password or passkey): max_age and prompt=login.
    .addColumn("auth_time", "timestamptz")
    .execute();
  await sql`update sessions set auth_time = created_at`.execute(db);

  await db.schema
    .alterTable("accounts")
    // A holder with a passkey or an app may switch SMS off as a second factor.
    .addColumn("sms_second_factor", "boolean", (c) => c.notNull().defaultTo(true))
    // SECOND_FACTOR=optional: only holders who turned two-step sign-in on are asked.
    .addColumn("second_factor_on", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();

  // The SMS code of a half session: one mechanism with every other code (src/platform/one-time-codes.ts).
  await db.schema
    .createTable("sign_in_codes")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("session_hash", "text", (c) => c.notNull())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sign_in_codes_session").on("sign_in_codes").column("session_hash").execute();
  await db.schema
    .createIndex("sign_in_codes_account")
    .on("sign_in_codes")
    .columns(["account_id", "created_at"])
    .execute();

  // Authenticator apps (TOTP, secret sealed under SECRET_KEY) of a citizen.
  await db.schema
    .createTable("totp_factors")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("secret_sealed", "text", (c) => c.notNull())
    // Null until a first code proved the enrolment.
    .addColumn("confirmed_at", "timestamptz")
    .addColumn("last_step", "bigint")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("totp_factors_account").on("totp_factors").column("account_id").execute();

  // Passkeys (WebAuthn credentials) of citizens and of staff: one table, one code path.
  await db.schema
    .createTable("passkeys")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("owner_kind", "text", (c) => c.notNull().check(sql`owner_kind in ('account', 'staff')`))
    .addColumn("owner_id", "uuid", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("credential_id", "text", (c) => c.notNull().unique())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("sign_count", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("transports", "jsonb")
    .addColumn("device_type", "text")
    .addColumn("backed_up", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("passkeys_owner").on("passkeys").columns(["owner_kind", "owner_id"]).execute();

  // WebAuthn challenges, single use, shared by every instance.
  await db.schema
    .createTable("webauthn_challenges")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("challenge", "text", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("owner_kind", "text")
    .addColumn("owner_id", "uuid")
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();

  // Single-use backup codes, hashed at rest; a new set replaces the old one.
  await db.schema
    .createTable("backup_codes")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("backup_codes_account").on("backup_codes").column("account_id").execute();

  // «این مرورگر را به خاطر بسپار»: the hoviat_device cookie's token, stored hashed, 30 days.
  await db.schema
    .createTable("remembered_browsers")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema
    .createIndex("remembered_browsers_account")
    .on("remembered_browsers")
    .column("account_id")
    .execute();

  // A holder who lost every factor: a 24-hour wait with notices, cancelled by any sign-in of theirs.
  await db.schema
    .createTable("account_resets")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('waiting', 'cancelled', 'ready', 'used')`),
    )
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("ready_at", "timestamptz", (c) => c.notNull())
    .addColumn("ended_at", "timestamptz")
    .execute();
  await db.schema.createIndex("account_resets_account").on("account_resets").column("account_id").execute();

  // Staff: a passkey is required of administrators (an admin without one enrols at the next sign-in).
  await db.schema
    .alterTable("staff_sessions")
    .addColumn("amr", "jsonb", (c) => c.notNull().defaultTo(sql`'["pwd","otp"]'::jsonb`))
    .execute();
}
