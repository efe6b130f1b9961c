// Kysely table types. The migrations under ./migrations create exactly these columns.
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | null | undefined, string | null>;

export type RegistrationStatus =
  | "pending"
  | "active"
  | "awaiting_branch_activation"
  | "identity_mismatch"
  | "expired"
  // Internal: the national ID already had an account; shown as pending, then expired (no enumeration).
  | "duplicate";

export type StoredAnswer = { questionId: string; hash: string };

export interface RegistrationRequestTable {
  id: string;
  national_id: string;
  mobile: string;
  first_name: string;
  last_name: string;
  gender: "male" | "female";
  birth_certificate_number: string;
  birth_date: string;
  email: string;
  /** Cleared once the request has an outcome: secrets live on the account only. */
  password_hash: string | null;
  security_answers: Json<StoredAnswer[] | null>;
  status: RegistrationStatus;
  mismatch_fields: Json<string[] | null>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  decided_at: Timestamp | null;
  client_ip: string | null;
}

export type AccountStatus = "active" | "awaiting_branch_activation" | "locked";

export interface AccountTable {
  id: string;
  national_id: string;
  mobile: string;
  /** Null once a branch activation dropped the registrant's choice; trusted only once confirmed. */
  email: string | null;
  /** Set when a code sent to the email came back: only then is it used for password recovery. */
  email_confirmed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  first_name: string;
  last_name: string;
  gender: "male" | "female";
  birth_date: string;
  birth_certificate_number: string;
  status: AccountStatus;
  password_hash: string;
  registration_request_id: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  activated_at: Timestamp | null;
  /** Raised by a trigger whenever the password, mobile, email or status changes: voids older proofs. */
  credential_version: Generated<number>;
  /** After a reset by security questions alone, mobile and email cannot change until then. */
  contact_hold_until: Timestamp | null;
  /** A holder with a passkey or an app may switch SMS off as a second factor (R-MFA). */
  sms_second_factor: Generated<boolean>;
  /** SECOND_FACTOR=optional: only holders who turned two-step sign-in on are asked. */
  second_factor_on: Generated<boolean>;
}

export interface SecurityAnswerTable {
  account_id: string;
  question_id: string;
  answer_hash: string;
}

export type MessageStatus = "queued" | "sent" | "abandoned";

/** Outgoing SMS and email (the courier): one row per message, sent by a job, retried, never twice. */
export interface MessageTable {
  id: string;
  channel: "sms" | "email";
  recipient: string;
  template: string;
  body: string;
  /** One message per business event, e.g. `registration:<id>:outcome`. */
  dedupe_key: string;
  status: MessageStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  provider: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  /** The body holds a one-time code until the message is sent or abandoned, then only dots. */
  contains_code: Generated<boolean>;
  /** While a send is under way: until when (database clock) no other process may post it. */
  sending_until: Timestamp | null;
  /** Which send holds that claim (a fresh id per attempt). */
  sending_claim: string | null;
  /** A code's message: when its code expires; it is abandoned rather than posted after that. */
  expires_at: Timestamp | null;
}

/**
 * Every dedupe key of `messages` (migration 018): partitioned by month, `messages` cannot keep a key
 * unique across months; this table does, and forgets a key after RETENTION_MESSAGES_DAYS.
 */
export interface MessageKeyTable {
  dedupe_key: string;
  created_at: Timestamp;
}

/** What the `outbox` SMS/email provider "delivered": the development stand-in for a gateway. */
export interface OutboxTable {
  message_id: string;
  channel: "sms" | "email";
  recipient: string;
  body: string;
  created_at: Timestamp;
  /** Delivery order, for messages of the same instant (the outbox lists newest first). */
  seq: Generated<string>;
}

export interface SessionTable {
  /** SHA-256 of the cookie's token: a database leak yields no usable session. */
  id_hash: string;
  account_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
  /** Shown to the account holder to list and revoke sessions; not a credential. */
  public_id: Generated<string>;
  /** 'second_factor': a half session, answered only by the second-factor routes (R-MFA). */
  stage: ColumnType<SessionStage, SessionStage | undefined, SessionStage>;
  /** RFC 8176 methods of this sign-in. */
  amr: ColumnType<string[], string | undefined, string>;
  /** 1 one factor, 2 two factors, 3 phishing-resistant (src/domain/authentication-level.ts). */
  aal: ColumnType<number, number | undefined, number>;
  /** When the person last proved themselves with a password or a passkey (max_age, prompt=login). */
  auth_time: Timestamp | null;
}

export type SessionStage = "second_factor" | "full";

/** Counters for attempt limits and per-address volume, shared by every instance. */
export interface ThrottleTable {
  key: string;
  count: number;
  window_ends_at: Timestamp;
  locked_until: Timestamp | null;
}

/** Solved ALTCHA challenges (by signature), remembered until they expire: each is accepted once. */
export interface UsedChallengeTable {
  id: string;
  expires_at: Timestamp;
}

export type RecoveryMethod = "sms" | "email" | "security_questions";
/** pending (code or answers awaited) → verified (reset token issued) → used; or dead (tries spent, refused). */
export type RecoveryStatus = "pending" | "verified" | "used" | "dead";

/** A password recovery (R-REC), shaped like a Kratos flow: one row, its state, its expiry. */
export interface PasswordRecoveryTable {
  id: string;
  national_id: string;
  account_id: string | null;
  method: RecoveryMethod;
  /** HMAC-SHA256 of the code under SECRET_KEY; null for security questions. */
  code_hash: string | null;
  attempts: Generated<number>;
  status: RecoveryStatus;
  expires_at: Timestamp;
  /** SHA-256 of the reset token, set once the code or answers were proved. */
  reset_token_hash: string | null;
  reset_expires_at: Timestamp | null;
  created_at: Timestamp;
  client_ip: string | null;
  /** The account's credential_version when the recovery began; a later change voids the recovery. */
  credential_version: number | null;
}

/** pending_code → applied, or pending_branch (mobile not owned: a branch decides), or dead. */
export type AccountChangeStatus = "pending_code" | "pending_branch" | "applied" | "dead";

/** A change of mobile or email waiting for the code sent to the new address. */
export interface AccountChangeTable {
  id: string;
  account_id: string;
  kind: "mobile" | "email";
  new_value: string;
  code_hash: string;
  attempts: Generated<number>;
  status: AccountChangeStatus;
  expires_at: Timestamp;
  created_at: Timestamp;
  decided_at: Timestamp | null;
}

/** Append-only record of security-relevant events of an account (a trigger refuses update/delete). */
export interface SecurityEventTable {
  id: string;
  account_id: string | null;
  national_id: string | null;
  type: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  /** Done by staff: the holder sees the branch, never the operator's address or browser. */
  by_staff: Generated<boolean>;
  branch_id: string | null;
  /** How many sessions an event ended at once (a password change, a lock); null for others. */
  count: number | null;
}

/**
 * Failed password sign-ins of an account, one row per hour (`window_start`): the count is raised in
 * place, so a stranger's guesses write no more than a row an hour. `ip`/`user_agent`: the latest.
 */
export interface SignInFailureTable {
  account_id: string;
  /** `password` (the first step) or `code` (an SMS, app or backup code at the second). */
  step: Generated<SignInStep>;
  window_start: Timestamp;
  count: number;
  first_at: Timestamp;
  last_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export type SignInStep = "password" | "code";

export type StaffRole = "branch_operator" | "admin";

/** Branch staff and administrators (R-BRANCH): separate from citizens' accounts. */
export interface StaffTable {
  id: string;
  username: string;
  name: string;
  role: StaffRole;
  branch_id: string | null;
  status: "active" | "locked";
  password_hash: string;
  /** Set for a password handed over by an admin or the CLI: it must be changed at the first sign-in. */
  password_must_change: Generated<boolean>;
  /** The TOTP secret, AES-GCM-sealed under SECRET_KEY; set at the first login, proved by a first code. */
  totp_secret: string | null;
  totp_enrolled_at: Timestamp | null;
  /** The last accepted TOTP time-step: a code is good once within its window. */
  totp_last_step: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BranchTable {
  id: string;
  code: string;
  name: string;
  created_at: Timestamp;
}

/** `totp`: the password was right and a code is awaited; `full`: signed in. */
export interface StaffSessionTable {
  id_hash: string;
  staff_id: string;
  stage: "totp" | "full";
  /** RFC 8176 methods of the staff sign-in (an administrator's needs a passkey). */
  amr: ColumnType<string[], string | undefined, string>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

/** pending_code (a corrected mobile awaits its code) → pending_approval (four eyes) → done; or dead. */
export type BranchActivationStatus = "pending_code" | "pending_approval" | "done" | "dead";

export interface BranchActivationTable {
  id: string;
  account_id: string;
  branch_id: string;
  requested_by: string;
  approved_by: string | null;
  new_mobile: string | null;
  code_hash: string | null;
  attempts: Generated<number>;
  status: BranchActivationStatus;
  expires_at: Timestamp;
  created_at: Timestamp;
  decided_at: Timestamp | null;
}

/** Append-only record of staff actions (a trigger refuses update/delete). */
export interface AuditLogTable {
  id: string;
  seq: Generated<number>;
  actor_id: string | null;
  actor_username: string | null;
  actor_role: string | null;
  branch_id: string | null;
  action: string;
  target_national_id: string | null;
  created_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  result: "ok" | "refused" | "failed";
  details: Json<Record<string, unknown> | null>;
}

/** One row per oidc-provider model instance (R-SSO); see src/flows/oidc/adapter.ts. */
export interface OidcPayloadTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  account_id: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface OidcClientTable {
  client_id: string;
  metadata: Json<Record<string, unknown>>;
  source: "file" | "cli" | "console";
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OidcKeyTable {
  kid: string;
  alg: "ES256" | "RS256";
  private_jwk: Json<Record<string, unknown>>;
  created_at: Timestamp;
  /** Unused since migration 013: a key is retired when a newer one of its algorithm is active. */
  retired_at: Timestamp | null;
  /** When it starts signing (migration 013); published from its creation. */
  active_at: Timestamp;
}

/** Installation-wide salts that never rotate (migration 009): `pairwise` keys the subjects. */
export interface OidcSaltTable {
  name: string;
  value: string;
  created_at: Timestamp;
}

export interface OidcConsentTable {
  account_id: string;
  client_id: string;
  scopes: Json<string[]>;
  granted_at: Timestamp;
  last_used_at: Timestamp;
}

/** pending (code sent) → proved (proof issued) → used (a registration was accepted); or dead. */
export type MobileVerificationStatus = "pending" | "proved" | "used" | "dead";

/** Proof that the registrant holds the mobile (R-REG step 1), bound to a national ID + mobile pair. */
export interface MobileVerificationTable {
  id: string;
  national_id: string;
  mobile: string;
  /** HMAC-SHA256 of the code under SECRET_KEY, bound to this id. */
  code_hash: string;
  attempts: Generated<number>;
  status: MobileVerificationStatus;
  expires_at: Timestamp;
  /** SHA-256 of the mobileProof handed out once the code was right. */
  proof_hash: string | null;
  proof_expires_at: Timestamp | null;
  created_at: Timestamp;
  client_ip: string | null;
}

/** pending (code sent) → done; or dead (tries spent, or replaced by a newer code). */
export type AccountCodeStatus = "pending" | "done" | "dead";

/** A code sent to an account's email, to confirm the person reads that mailbox. */
export interface EmailConfirmationTable {
  id: string;
  account_id: string;
  email: string;
  code_hash: string;
  attempts: Generated<number>;
  status: AccountCodeStatus;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** A code sent to the mobile proved at a branch: the person sets their first password with it. */
export interface PasswordSetupTable {
  id: string;
  account_id: string;
  code_hash: string;
  attempts: Generated<number>;
  status: AccountCodeStatus;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** The SMS code of a half session (R-MFA); one mechanism with every other code. */
/** Issue 21: a code to see which fields of a mismatched registration differed from the registry. */
export interface MismatchLookTable {
  id: string;
  national_id: string;
  mobile: string;
  request_id: string | null;
  code_hash: string;
  attempts: Generated<number>;
  status: "pending" | "viewed" | "dead";
  expires_at: Timestamp;
  created_at: Timestamp;
  viewed_at: Timestamp | null;
}

export interface SignInCodeTable {
  id: string;
  session_hash: string;
  account_id: string;
  code_hash: string;
  attempts: Generated<number>;
  status: AccountCodeStatus;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** A citizen's authenticator app; the secret is AES-GCM-sealed under SECRET_KEY. */
export interface TotpFactorTable {
  id: string;
  account_id: string;
  name: string;
  secret_sealed: string;
  /** Null until a first code proved the enrolment. */
  confirmed_at: Timestamp | null;
  /** The last accepted time-step: a code is good once. */
  last_step: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

/** A WebAuthn credential of a citizen ('account') or a staff member ('staff'). */
export interface PasskeyTable {
  id: string;
  owner_kind: "account" | "staff";
  owner_id: string;
  name: string;
  /** base64url */
  credential_id: string;
  /** base64url of the COSE public key */
  public_key: string;
  sign_count: ColumnType<number, number | undefined, number>;
  transports: Json<string[] | null>;
  device_type: string | null;
  backed_up: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface WebauthnChallengeTable {
  id: string;
  challenge: string;
  purpose: string;
  owner_kind: "account" | "staff" | null;
  owner_id: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface BackupCodeTable {
  id: string;
  account_id: string;
  code_hash: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

/** «این مرورگر را به خاطر بسپار»: the hoviat_device cookie, stored hashed. */
export interface RememberedBrowserTable {
  id: string;
  account_id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

/** waiting (24 hours, notices sent) → ready (one sign-in by password leads to a new mobile) → used; or cancelled. */
export interface AccountResetTable {
  id: string;
  account_id: string;
  status: "waiting" | "cancelled" | "ready" | "used";
  created_at: Timestamp;
  ready_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface Database {
  sign_in_codes: SignInCodeTable;
  mismatch_looks: MismatchLookTable;
  totp_factors: TotpFactorTable;
  passkeys: PasskeyTable;
  webauthn_challenges: WebauthnChallengeTable;
  backup_codes: BackupCodeTable;
  remembered_browsers: RememberedBrowserTable;
  account_resets: AccountResetTable;
  mobile_verifications: MobileVerificationTable;
  email_confirmations: EmailConfirmationTable;
  password_setups: PasswordSetupTable;
  registration_requests: RegistrationRequestTable;
  accounts: AccountTable;
  security_answers: SecurityAnswerTable;
  messages: MessageTable;
  message_keys: MessageKeyTable;
  outbox: OutboxTable;
  sessions: SessionTable;
  throttles: ThrottleTable;
  used_challenges: UsedChallengeTable;
  password_recoveries: PasswordRecoveryTable;
  account_changes: AccountChangeTable;
  security_events: SecurityEventTable;
  sign_in_failures: SignInFailureTable;
  staff: StaffTable;
  branches: BranchTable;
  staff_sessions: StaffSessionTable;
  branch_activations: BranchActivationTable;
  audit_log: AuditLogTable;
  oidc_payloads: OidcPayloadTable;
  oidc_clients: OidcClientTable;
  oidc_keys: OidcKeyTable;
  oidc_salts: OidcSaltTable;
  oidc_consents: OidcConsentTable;
}
