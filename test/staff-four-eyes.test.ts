// Four eyes (BRANCH_FOUR_EYES=true) under national scope: an activation waits for a second operator,
// who must be someone else and may work in another branch.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loginCookie, messageMatching } from "./helpers/accounts.ts";
import { mohammadreza } from "./helpers/people.ts";
import {
  activationCode,
  createBranch,
  createMember,
  get,
  type Member,
  post,
  register,
  resetStaffTables,
  setFirstPassword,
  signIn,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const DOCS = { nationalCardSeen: true, birthCertificateSeen: true };

describe("four eyes, national scope", () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ BRANCH_FOUR_EYES: "true", BRANCH_SCOPE: "national" });
    await resetStaffTables(sys);
  });
  after(async () => sys?.stop());

  test("an activation waits for a different operator, who may work in another branch", async () => {
    const first = await createMember(sys, "op1", "branch_operator", await createBranch(sys, "A"));
    const second: Member = await createMember(sys, "op2", "branch_operator", await createBranch(sys, "B"));
    const c1 = await signIn(sys, first);
    const c2 = await signIn(sys, second);
    await register(sys, mohammadreza, "awaiting_branch_activation");
    const started = await post(sys, `/api/staff/people/${mohammadreza.nationalId}/activation`, c1, DOCS);
    assert.equal(started.status, 202);
    // The desk proves the number on record too: the person tells the code sent to it.
    assert.equal(started.body.status, "pending_code");
    const code = await activationCode(sys, started.body.activationId);
    const proved = await post(sys, `/api/staff/activations/${started.body.activationId}/verify`, c1, {
      code,
    });
    assert.equal(proved.body.status, "pending_approval");
    const url = `/api/staff/activations/${started.body.activationId}/approve`;
    const self = await post(sys, url, c1);
    assert.equal(self.status, 403);
    assert.equal(self.body.code, "staff.sameOperator");
    const refused = await sys.app.inject({
      method: "POST",
      url: "/api/login",
      payload: { nationalId: mohammadreza.nationalId, password: mohammadreza.password },
    });
    assert.equal(refused.statusCode, 403, "not active before the second approval");
    const seen = await get(sys, `/api/staff/people/${mohammadreza.nationalId}`, c2);
    assert.equal(seen.body.pendingActivation.requestedBy, "op1");
    assert.equal((await post(sys, url, c2)).status, 200);
    await setFirstPassword(sys, mohammadreza);
    assert.ok(await loginCookie(sys, mohammadreza));
    // Waited for by its text: a count of texts would also be met by the sign-in and first-password codes.
    assert.ok(await messageMatching(sys, mohammadreza.mobile, /حساب کاربری شما در شعبه فعال گردید/));
  });
});
