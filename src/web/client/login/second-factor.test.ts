// What the second step keeps of the server's answer, and how codes and secrets are read and shown:
// without a browser, on the pages' own functions.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cleanCode } from "../code-step.tsx";
import { groupSecret } from "../factors/totp.tsx";
import { secondFactorStart } from "./second-factor.tsx";

describe("the second step's start", () => {
  test("only an answer asking for the second factor starts it", () => {
    assert.equal(secondFactorStart({ next: "done" }), null);
    assert.equal(secondFactorStart({ redirectTo: "/x" }), null);
    assert.equal(secondFactorStart(null), null);
  });

  test("keeps the server's methods it knows, the default first if it was left out; the SMS time for the countdown", () => {
    const start = secondFactorStart(
      { next: "second_factor", method: "sms", methods: ["sms", "totp", "x"] },
      1000,
    );
    assert.deepEqual(start, { method: "sms", methods: ["sms", "totp"], smsSentAt: 1000 });
    const passkey = secondFactorStart({ next: "second_factor", method: "passkey", methods: ["backup_code"] });
    assert.deepEqual(passkey, { method: "passkey", methods: ["passkey", "backup_code"] });
    const unknown = secondFactorStart({ next: "second_factor", method: "carrier-pigeon", methods: ["totp"] });
    assert.equal(unknown?.method, "totp");
    assert.equal(unknown?.smsSentAt, undefined, "no SMS went: nothing to count down");
  });

  test("an SMS held back by the caps is counted down to its time, and not said to be sent", () => {
    const start = secondFactorStart(
      { next: "second_factor", method: "sms", methods: ["sms"], retryAfter: 90 },
      1000,
    );
    assert.deepEqual(start, { method: "sms", methods: ["sms"], smsHeldUntil: 91_000 });
  });

  test("the masked mobile is kept when the server tells it", () => {
    const start = secondFactorStart({
      next: "second_factor",
      method: "sms",
      methods: ["sms"],
      mobile: "0912***4567",
    });
    assert.equal(start?.mobile, "0912***4567");
  });
});

describe("codes and secrets", () => {
  test("a code typed in Persian or Arabic digits, with spaces or dashes, is compared as Latin digits", () => {
    assert.equal(cleanCode("۱۲۳ ۴۵۶"), "123456");
    assert.equal(cleanCode("١٢٣-٤٥٦"), "123456");
    assert.equal(cleanCode(" 123456 "), "123456");
  });

  test("an authenticator secret shows in groups of four for typing", () => {
    assert.deepEqual(groupSecret("JBSWY3DPEHPK3PXP"), ["JBSW", "Y3DP", "EHPK", "3PXP"]);
    assert.deepEqual(groupSecret("JBSW Y3DP EH"), ["JBSW", "Y3DP", "EH"]);
  });
});
