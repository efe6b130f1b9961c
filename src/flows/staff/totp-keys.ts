// Sealed TOTP secrets across a SECRET_KEY rotation: opened under the first key that authenticates
// them (AES-GCM refuses every other), and sealed again under the current key once opened with an
// older one, so that the old key can be removed after every member has signed in once. A secret no
// key of the ring opens is a clear refusal (an admin resets the enrolment), never a 500.
import type { Db } from "../../platform/database.ts";
import { Problem } from "../../platform/problems.ts";
import { openWithRing, sealSecret } from "../../platform/totp.ts";

export async function openStaffSecret(
  deps: { db: Db; secretKeys: readonly string[] },
  staff: { id: string; totp_secret: string },
  now: Date,
): Promise<string> {
  const opened = openWithRing(deps.secretKeys, staff.totp_secret);
  if (!opened) throw new Problem(409, "staff.totpKeyUnknown");
  if (!opened.current) {
    await deps.db
      .updateTable("staff")
      .set({ totp_secret: sealSecret(deps.secretKeys[0]!, opened.secret), updated_at: now })
      .where("id", "=", staff.id)
      .where("totp_secret", "=", staff.totp_secret)
      .execute();
  }
  return opened.secret;
}
