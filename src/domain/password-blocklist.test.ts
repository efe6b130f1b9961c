import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { commonPasswords, commonPasswordsText } from "./common-passwords.ts";
import {
  blocklistFromText,
  blocklistKey,
  blocklistToText,
  buildBlocklist,
  dateTokens,
  isCommonOrPersonal,
  isCommonPassword,
  withoutPersonalData,
} from "./password-blocklist.ts";

// The first demo person (README): علی رضایی, born 1365/04/12 (1986-07-03).
const ali = {
  nationalId: "0012345679",
  firstName: "علی",
  lastName: "رضایی",
  birthDate: "1365/04/12",
  mobile: "09121234567",
};
const list = commonPasswords();

describe("common passwords", () => {
  test("the listed passwords and their usual dressings are refused", () => {
    for (const p of [
      "Password1",
      "PASSWORD123",
      "P4ssw0rd",
      "P@ssword".replace("@", "4"),
      "1Password",
      "2024Dragon",
      "Iloveyou1",
      "1L0veY0u",
      "Qwerty123",
      "Abc12345",
      "Sunshine2026",
      "Letmein99",
      "Trustno1",
    ])
      assert.ok(isCommonPassword(p, list), p);
  });

  test("the Iranian additions and the service's own names", () => {
    for (const p of [
      "Tehran1404",
      "Iran1234",
      "Esteghlal1",
      "Persepolis98",
      "Yazahra110",
      "Tamin1404",
      "Hoviat123",
    ])
      assert.ok(isCommonPassword(p, list), p);
  });

  test("a leetspeak letter at the end is not taken for a digit (found by the property test)", () => {
    assert.ok(isCommonPassword("Kimi4", list), "kimia");
    assert.ok(isCommonPassword("Kimi41365", list));
    assert.ok(isCommonPassword("1365Dr4gon", list));
  });

  test("passwords that are not listed pass", () => {
    for (const p of ["Hoviat2026x", "Kavir1404", "Tazeh2027Ramz", "Kar2026abc", "Gh7kLm2pQ", "Sib4Zard9Kuh"])
      assert.equal(isCommonPassword(p, list), false, p);
  });

  test("keys: case, digits at the ends, leetspeak; short cores keep the whole password", () => {
    assert.equal(blocklistKey("Password1"), "password");
    assert.equal(blocklistKey("p4ssw0rd"), "password");
    assert.equal(blocklistKey("1qaz2wsx"), "qaz2wsx");
    assert.equal(blocklistKey("abc12345"), "abci2eas");
    assert.equal(blocklistKey("123456"), undefined, "no letters: never a valid password anyway");
    assert.equal(blocklistKey("abc1"), undefined, "too short for a valid password whatever its ends");
    assert.equal(
      isCommonPassword("Abc98765", buildBlocklist(["abc12345"])),
      false,
      "a short core does not bar all",
    );
  });

  test("the browser's text gives back the same keys, and is small", () => {
    const text = commonPasswordsText();
    assert.deepEqual(blocklistFromText(text), new Set(list));
    assert.deepEqual(
      [...blocklistFromText(blocklistToText(new Set(["ab", "abc", "abd", "b"])))],
      ["ab", "abc", "abd", "b"],
    );
    assert.ok(list.size > 30_000, `${list.size} keys`);
    assert.ok(text.length < 200_000, `${text.length} characters`);
  });
});

describe("personal data", () => {
  test("names in Latin letters, with the birth date or the mobile", () => {
    for (const p of [
      "Ali13650412",
      "AliRezaei1",
      "alirezaei65",
      "Rezaei1986",
      "REZAIE1365",
      "Rezayi19860703",
      "Ali03071986",
      "A1iReza1e1365",
      "Ali9121234567",
      "Rezaei4567xy",
      "Aliali2020",
    ])
      assert.ok(isCommonOrPersonal(p, ali), p);
  });

  test("a name and a common word together are refused with the blocklist", () => {
    assert.ok(isCommonOrPersonal("AliDragon1", ali, list));
    assert.equal(
      isCommonOrPersonal("AliDragon1", ali),
      false,
      "without the list only the personal half runs",
    );
  });

  test("enough of the person's own beyond the data passes", () => {
    for (const p of [
      "Quality9x",
      "Malik2024x",
      "Rezaei2026Bxqf",
      "Hoviat2026x",
      "Sib4Zard9Kuh",
      "Alibaba77x",
    ])
      assert.equal(isCommonOrPersonal(p, ali, list), false, p);
  });

  test("the same password is fine for someone else", () => {
    const zahra = { firstName: "زهرا", lastName: "کریمی", birthDate: "1370/05/21", mobile: "09351234567" };
    assert.equal(isCommonOrPersonal("AliRezaei1", zahra, list), false);
    assert.ok(isCommonOrPersonal("ZahraKarimi70", zahra, list));
    assert.ok(isCommonOrPersonal("Karimi13700521", zahra, list));
  });

  test("the mobile: six digits in a row of it, any accepted spelling", () => {
    const person = { mobile: "+98 912 765 4321" };
    assert.ok(isCommonOrPersonal("Xy9127654321", person));
    assert.ok(isCommonOrPersonal("Ab7654321", person));
    assert.equal(isCommonOrPersonal("Abcd7654321", person), false, "four letters of one's own");
  });

  test("a staff member's username and Persian name", () => {
    const staff = { username: "op.karimi2", names: ["سارا کریمی"] };
    assert.ok(isCommonOrPersonal("Karimi2024", staff));
    assert.ok(isCommonOrPersonal("SaraKarimi1", staff));
    assert.ok(isCommonOrPersonal("Opkarimi22", staff));
  });

  test("what is taken out", () => {
    assert.equal(withoutPersonalData("AliDragon1", ali), "dragon1");
    assert.equal(withoutPersonalData("Quality9x", ali), "Quality9x", "«علی» only where a word begins");
    assert.equal(withoutPersonalData("QuAli9x", ali), "qu9x");
    assert.equal(withoutPersonalData("Hoviat2026x", ali), "Hoviat2026x", "unchanged");
  });

  test("birth date tokens, Jalali and Gregorian, Persian digits too", () => {
    const tokens = dateTokens("۱۳۶۵/۰۴/۱۲");
    for (const t of [
      "1365",
      "13650412",
      "650412",
      "12041365",
      "0412",
      "1204",
      "1986",
      "19860703",
      "03071986",
      "860703",
    ])
      assert.ok(tokens.includes(t), t);
    assert.ok(tokens.every((t) => t.length >= 4));
    assert.deepEqual(dateTokens("not a date"), []);
    assert.deepEqual(dateTokens(undefined), []);
  });

  test("no data, nothing personal", () => {
    assert.equal(isCommonOrPersonal("AliRezaei1", {}), false);
  });
});
