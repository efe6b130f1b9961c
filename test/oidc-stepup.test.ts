// R-SSO + R-MFA through openid-client: what an e-service asks in acr_values (the identity proof, the
// authentication level), prompt=login, max_age and prompt=none are held on every path — a fresh
// sign-in, an existing session, a remembered consent, a second e-service — and the ID token says how
// the person signed in (acr, amr, aal). Sessions with the proof a case needs are opened directly
// (openSession), as the sign-in routes would leave them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as client from "openid-client";
import { AAL_NAMES, AAL_VALUES } from "../src/domain/authentication-level.ts";
import type { SessionProof } from "../src/flows/login/sessions.ts";
import { ACR } from "../src/flows/oidc/claims.ts";
import { createAccount } from "./helpers/accounts.ts";
import {
  Agent,
  authorizationRequest,
  authorize,
  type Flow,
  giveSmsCode,
  openSession,
  outboxTexts,
  rp,
  SECRET,
  signIn,
  startOidcSystem,
} from "./helpers/oidc.ts";
import { abdollah, ali, zahra } from "./helpers/people.ts";

/** Someone of their own for the remembered browser (the per-account SMS caps of the others are spent). */
const reza = { ...ali, nationalId: "0071234561", mobile: "09127654321", email: "reza@example.com" };

import type { TestSystem } from "./helpers/system.ts";

const TAX = "http://127.0.0.1:4101/cb";
const CLINIC = "http://localhost:4102/cb";
let sys: TestSystem & { issuer: string };
let tax: client.Configuration;
let clinic: client.Configuration;
const ids: Record<string, string> = {};

before(async () => {
  sys = await startOidcSystem([
    {
      client_id: "tax",
      client_secret: SECRET,
      client_name: "سامانه مالیات",
      redirect_uris: [TAX],
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      client_id: "clinic",
      client_secret: SECRET,
      client_name: "نوبت‌دهی درمانگاه",
      redirect_uris: [CLINIC],
      token_endpoint_auth_method: "client_secret_basic",
      allowed_scopes: ["profile", "phone"],
    },
  ]);
  ids.ali = await createAccount(sys, ali);
  ids.zahra = await createAccount(sys, zahra);
  ids.abdollah = await createAccount(sys, abdollah);
  ids.reza = await createAccount(sys, reza);
  tax = await rp(sys.issuer, "tax", client.ClientSecretBasic(SECRET));
  clinic = await rp(sys.issuer, "clinic", client.ClientSecretBasic(SECRET));
});
after(async () => {
  await sys.stop();
});

const exchange = (config: client.Configuration, callback: URL, flow: Flow) =>
  client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });

const PASSWORD_ONLY: SessionProof = { stage: "full", amr: ["pwd"], aal: 1 };
const PASSWORD_SMS: SessionProof = { stage: "full", amr: ["mfa", "pwd", "sms"], aal: 2 };
// A remembered browser stands in for the second factor: the password alone, at level 2.
const PASSWORD_REMEMBERED: SessionProof = { stage: "full", amr: ["pwd"], aal: 2 };
const PASSKEY: SessionProof = { stage: "full", amr: ["hwk", "mfa", "user"], aal: 3 };

/** The interaction's state as Hoviat's page reads it. */
const stateOf = async (agent: Agent, interaction: string) =>
  (await agent.json("GET", `${interaction}/state`)).body as Record<string, unknown>;

/** Through the interaction (state, then consent if asked) once the session is enough: the callback. */
async function finishInteraction(agent: Agent, interaction: string): Promise<URL> {
  let base = interaction;
  for (let step = 0; step < 3; step++) {
    const state = await stateOf(agent, base);
    const next = state.redirectTo
      ? (state as { redirectTo: string })
      : state.prompt === "consent"
        ? ((await agent.json("POST", `${base}/consent`)).body as { redirectTo: string })
        : assert.fail(`unexpected state ${JSON.stringify(state)}`);
    const hop = await agent.follow(next.redirectTo);
    const location = new URL(hop.location!);
    if (!location.pathname.startsWith("/oidc/interaction/")) return location;
    base = location.pathname;
  }
  throw new Error("interaction did not end");
}

/** A browser that signed in to `tax` once (its consent remembered) with a session of `proof`. */
async function signedInBrowser(person: string, proof: SessionProof) {
  const agent = new Agent(sys.issuer);
  await openSession(sys, agent, ids[person]!, proof);
  const flow = await authorizationRequest(tax, TAX);
  const { interaction } = await authorize(agent, flow);
  const tokens = await exchange(tax, await finishInteraction(agent, interaction!), flow);
  return { agent, tokens };
}

describe("acr_values, amr and the authentication level", () => {
  test("discovery: both identity values and both authentication values; amr and aal in claims_supported", () => {
    const m = tax.serverMetadata();
    assert.deepEqual(m.acr_values_supported, [
      ACR.REGISTRY_MOBILE,
      ACR.BRANCH_DOCUMENTS,
      AAL_VALUES[2],
      AAL_VALUES[3],
    ]);
    assert.ok(m.claims_supported?.includes("amr"));
    assert.ok(m.claims_supported?.includes("aal"));
  });

  test("the defect of issue 19: a browser signed in by password gets no code for branch documents", async () => {
    const agent = new Agent(sys.issuer);
    const first = await authorizationRequest(tax, TAX);
    await exchange(tax, await signIn(agent, first, zahra), first);
    // The same browser, its SSO session and the consent remembered: refused all the same.
    const flow = await authorizationRequest(tax, TAX, { acr_values: ACR.BRANCH_DOCUMENTS });
    const { interaction, callback } = await authorize(agent, flow);
    const back = callback ?? (await finishInteraction(agent, interaction!));
    assert.equal(back.searchParams.get("error"), "unmet_authentication_requirements");
    assert.equal(back.searchParams.get("code"), null);
    // Silently too.
    const none = await authorizationRequest(tax, TAX, { acr_values: ACR.BRANCH_DOCUMENTS, prompt: "none" });
    const silent = await authorize(agent, none);
    assert.equal(silent.callback?.searchParams.get("error"), "unmet_authentication_requirements");
    // And from a second e-service of the same browser.
    const other = await authorizationRequest(clinic, CLINIC, { acr_values: ACR.BRANCH_DOCUMENTS });
    const second = await authorize(agent, other);
    const otherBack = second.callback ?? (await finishInteraction(agent, second.interaction!));
    assert.equal(otherBack.searchParams.get("error"), "unmet_authentication_requirements");
  });

  test("the ID token carries acr (identity), amr and aal; a refreshed ID token keeps them", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX);
    const password = (await exchange(tax, await signIn(agent, flow, ali), flow)).claims()!;
    assert.equal(password.acr, ACR.REGISTRY_MOBILE);
    assert.deepEqual(password.amr, ["mfa", "pwd", "sms"], "password + SMS code (SECOND_FACTOR=required)");
    assert.equal(password.aal, AAL_VALUES[2]);

    const browser = new Agent(sys.issuer);
    await openSession(sys, browser, ids.ali!, PASSWORD_SMS);
    const offline = await authorizationRequest(tax, TAX, {
      scope: "openid offline_access",
      prompt: "consent",
    });
    const { interaction } = await authorize(browser, offline);
    const tokens = await exchange(tax, await finishInteraction(browser, interaction!), offline);
    const claims = tokens.claims()!;
    assert.equal(claims.acr, ACR.REGISTRY_MOBILE);
    assert.deepEqual(claims.amr, ["mfa", "pwd", "sms"]);
    assert.equal(claims.aal, AAL_VALUES[2]);
    assert.equal(claims.auth_time, Math.floor(sys.clock.now().getTime() / 1000));
    const refreshed = await client.refreshTokenGrant(tax, tokens.refresh_token!);
    assert.equal(refreshed.claims()!.aal, AAL_VALUES[2]);
    assert.deepEqual(refreshed.claims()!.amr, ["mfa", "pwd", "sms"]);
    // Never in userinfo: it describes the sign-in, not the person.
    const info = await client.fetchUserInfo(tax, tokens.access_token, claims.sub);
    assert.equal(info.aal, undefined);
  });

  test("fresh sign-in asking aal:2: the password, then the SMS code on the same page, then the code", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2] });
    const { interaction } = await authorize(agent, flow);
    assert.equal((await stateOf(agent, interaction!)).prompt, "login");
    const seen = await outboxTexts(agent, ali.mobile);
    const login = await agent.json("POST", `${interaction}/login`, {
      nationalId: ali.nationalId,
      password: ali.password,
    });
    assert.equal(login.status, 200);
    assert.equal(login.body.prompt, "second_factor");
    assert.equal(login.body.method, "sms");
    assert.equal(login.body.redirectTo, undefined, "no code before the second factor");
    // Reloaded before the code: still the second factor, never a code.
    const reloaded = await stateOf(agent, interaction!);
    assert.equal(reloaded.prompt, "second_factor");
    assert.ok((reloaded.methods as string[]).includes("sms"));
    await giveSmsCode(agent, ali.mobile, seen);
    const tokens = await exchange(tax, await finishInteraction(agent, interaction!), flow);
    assert.equal(tokens.claims()!.aal, AAL_VALUES[2]);
    assert.deepEqual(tokens.claims()!.amr, ["mfa", "pwd", "sms"]);
  });

  test("existing session at level 1, e-service asks aal:2: step-up asked, no code, until the session has it", async () => {
    const { agent } = await signedInBrowser("ali", PASSWORD_ONLY);
    const flow = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2] });
    const { interaction, callback } = await authorize(agent, flow);
    assert.equal(callback, undefined, "the remembered consent does not give a code straight away");
    const state = await stateOf(agent, interaction!);
    assert.equal(state.prompt, "step_up");
    assert.equal(state.need, "aal2");
    assert.ok((state.methods as string[]).includes("sms"));
    assert.equal(state.service, "سامانه مالیات");
    // Asking again changes nothing: never silently more.
    assert.equal((await stateOf(agent, interaction!)).prompt, "step_up");

    // The second factor given (as /api/login/second-factor leaves it): the code, saying so.
    await openSession(sys, agent, ids.ali!, PASSWORD_SMS);
    const tokens = await exchange(tax, await finishInteraction(agent, interaction!), flow);
    assert.equal(tokens.claims()!.aal, AAL_VALUES[2]);
    assert.deepEqual(tokens.claims()!.amr, ["mfa", "pwd", "sms"]);
    assert.equal(tokens.claims()!.acr, ACR.REGISTRY_MOBILE, "acr stays the identity's");
  });

  test("a second e-service asking aal:2 in a browser signed in by password: step-up before its consent", async () => {
    const { agent } = await signedInBrowser("ali", PASSWORD_ONLY);
    const flow = await authorizationRequest(clinic, CLINIC, {
      scope: "openid profile",
      acr_values: `${ACR.REGISTRY_MOBILE} ${AAL_VALUES[2]}`,
    });
    const { interaction } = await authorize(agent, flow);
    const state = await stateOf(agent, interaction!);
    assert.equal(state.prompt, "step_up");
    assert.equal(state.service, "نوبت‌دهی درمانگاه");
    await openSession(sys, agent, ids.ali!, PASSWORD_SMS);
    const tokens = await exchange(clinic, await finishInteraction(agent, interaction!), flow);
    assert.equal(tokens.claims()!.aal, AAL_VALUES[2]);
  });

  test("a session stepped up elsewhere: the next code of every e-service says so (no stale amr)", async () => {
    const { agent, tokens } = await signedInBrowser("ali", PASSWORD_ONLY);
    assert.equal(tokens.claims()!.aal, AAL_NAMES[1]);
    await openSession(sys, agent, ids.ali!, PASSWORD_SMS);
    const flow = await authorizationRequest(tax, TAX);
    const { callback } = await authorize(agent, flow);
    assert.ok(callback?.searchParams.get("code"), "consent remembered: straight back");
    const claims = (await exchange(tax, callback!, flow)).claims()!;
    assert.equal(claims.aal, AAL_VALUES[2]);
    assert.deepEqual(claims.amr, ["mfa", "pwd", "sms"]);
  });

  test("aal:2 with a remembered browser: it counts, and the token says level 2 with the password alone", async () => {
    const { agent } = await signedInBrowser("ali", PASSWORD_REMEMBERED);
    const flow = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2] });
    const { callback } = await authorize(agent, flow);
    assert.ok(callback?.searchParams.get("code"));
    const claims = (await exchange(tax, callback!, flow)).claims()!;
    assert.equal(claims.aal, AAL_VALUES[2]);
    assert.deepEqual(claims.amr, ["pwd"]);
  });

  test("prompt=none with too little: login_required, never a code; with enough: a code", async () => {
    const { agent } = await signedInBrowser("ali", PASSWORD_ONLY);
    const flow = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2], prompt: "none" });
    const { callback } = await authorize(agent, flow);
    assert.equal(callback?.searchParams.get("error"), "login_required");
    assert.equal(callback?.searchParams.get("code"), null);
    assert.equal(callback?.searchParams.get("state"), flow.state);

    const none = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[3], prompt: "none" });
    assert.equal((await authorize(agent, none)).callback?.searchParams.get("error"), "login_required");

    await openSession(sys, agent, ids.ali!, PASSWORD_SMS);
    const enough = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2], prompt: "none" });
    const back = await authorize(agent, enough);
    assert.ok(back.callback?.searchParams.get("code"));
    assert.equal((await exchange(tax, back.callback!, enough)).claims()!.aal, AAL_VALUES[2]);

    const stranger = new Agent(sys.issuer);
    const nobody = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2], prompt: "none" });
    assert.equal((await authorize(stranger, nobody)).callback?.searchParams.get("error"), "login_required");
  });

  test("phishing-resistant asks a passkey even of a browser signed in with two factors", async () => {
    const { agent } = await signedInBrowser("abdollah", PASSWORD_SMS);
    const flow = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[3] });
    // Without a passkey the account cannot meet it at all.
    const { interaction } = await authorize(agent, flow);
    const refused = await finishInteraction(agent, interaction!);
    assert.equal(refused.searchParams.get("error"), "unmet_authentication_requirements");

    await sys.db
      .insertInto("passkeys")
      .values({
        id: crypto.randomUUID(),
        owner_kind: "account",
        owner_id: ids.abdollah!,
        name: "کلید",
        credential_id: "Y3JlZA",
        public_key: "cGs",
        transports: JSON.stringify(["internal"]),
        device_type: "singleDevice",
        backed_up: false,
        created_at: sys.clock.now(),
      })
      .execute();
    const again = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[3] });
    const second = await authorize(agent, again);
    assert.ok(second.interaction, "signed in with two factors and the consent remembered: still no code");
    const state = await stateOf(agent, second.interaction!);
    assert.equal(state.prompt, "step_up");
    assert.equal(state.need, "phishing_resistant");
    assert.deepEqual(state.methods, ["passkey"]);

    await openSession(sys, agent, ids.abdollah!, PASSKEY);
    const claims = (
      await exchange(tax, await finishInteraction(agent, second.interaction!), again)
    ).claims()!;
    assert.equal(claims.aal, AAL_VALUES[3]);
    assert.deepEqual(claims.amr, ["hwk", "mfa", "user"]);
  });

  test("prompt=login asks the password again, whatever the session; a new sign-in then passes", async () => {
    const { agent } = await signedInBrowser("zahra", PASSWORD_SMS);
    const flow = await authorizationRequest(tax, TAX, { prompt: "login" });
    const { interaction } = await authorize(agent, flow);
    const state = await stateOf(agent, interaction!);
    assert.equal(state.prompt, "login");
    assert.equal(state.fresh, true);
    // A step-up of the old session is no new sign-in (its auth_time stays).
    await openSession(sys, agent, ids.zahra!, {
      ...PASSKEY,
      authTime: new Date(sys.clock.now().getTime() - 1),
    });
    assert.equal((await stateOf(agent, interaction!)).prompt, "login");
    // A new sign-in (the test clock stands still: in the same millisecond as the old one).
    await openSession(sys, agent, ids.zahra!, PASSWORD_SMS);
    const claims = (await exchange(tax, await finishInteraction(agent, interaction!), flow)).claims()!;
    assert.equal(claims.auth_time, Math.floor(sys.clock.now().getTime() / 1000));
  });

  test("max_age: a session older than asked is asked the password again; a recent one passes", async () => {
    const { agent } = await signedInBrowser("zahra", PASSWORD_SMS);
    const recent = await authorizationRequest(tax, TAX, { max_age: "300" });
    assert.ok((await authorize(agent, recent)).callback?.searchParams.get("code"), "within max_age");

    sys.clock.advance(120_000);
    const flow = await authorizationRequest(tax, TAX, { max_age: "60" });
    const { interaction } = await authorize(agent, flow);
    assert.ok(interaction, "older than max_age: no code");
    const state = await stateOf(agent, interaction!);
    assert.equal(state.prompt, "login");
    assert.equal(state.fresh, true);
    const none = await authorizationRequest(tax, TAX, { max_age: "60", prompt: "none" });
    assert.equal((await authorize(agent, none)).callback?.searchParams.get("error"), "login_required");

    // Through the page: the password and a fresh SMS code, then the code.
    const seen = await outboxTexts(agent, zahra.mobile);
    const login = await agent.json("POST", `${interaction}/login`, {
      nationalId: zahra.nationalId,
      password: zahra.password,
    });
    assert.equal(login.body.prompt, "second_factor");
    await giveSmsCode(agent, zahra.mobile, seen);
    const claims = (await exchange(tax, await finishInteraction(agent, interaction!), flow)).claims()!;
    assert.equal(claims.auth_time, Math.floor(sys.clock.now().getTime() / 1000));
  });

  test("a remembered browser counts for aal:2, but not for prompt=login, which asks a fresh code", async () => {
    const agent = new Agent(sys.issuer);
    // The browser was remembered at an earlier sign-in with the SMS code.
    const first = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2] });
    await exchange(tax, await signIn(agent, first, reza, { rememberBrowser: true }), first);
    assert.ok(agent.cookies.get("hoviat_device"), "remembered");
    await agent.json("POST", "/api/logout");

    // Password alone in a remembered browser (SECOND_FACTOR=required): level 2, the code at once.
    const flow = await authorizationRequest(tax, TAX, { acr_values: AAL_VALUES[2] });
    const { interaction } = await authorize(agent, flow);
    const login = await agent.json("POST", `${interaction}/login`, {
      nationalId: reza.nationalId,
      password: reza.password,
    });
    assert.ok(login.body.redirectTo, JSON.stringify(login.body));
    const back = new URL((await agent.follow(login.body.redirectTo)).location!);
    const claims = (await exchange(tax, back, flow)).claims()!;
    assert.equal(claims.aal, AAL_VALUES[2]);
    assert.deepEqual(claims.amr, ["pwd"]);

    // prompt=login: the password and a fresh second factor, the remembered browser notwithstanding.
    const fresh = await authorizationRequest(tax, TAX, { prompt: "login", acr_values: AAL_VALUES[2] });
    const again = await authorize(agent, fresh);
    assert.equal((await stateOf(agent, again.interaction!)).prompt, "login");
    const seen = await outboxTexts(agent, reza.mobile);
    const password = await agent.json("POST", `${again.interaction}/login`, {
      nationalId: reza.nationalId,
      password: reza.password,
    });
    assert.equal(password.body.prompt, "second_factor");
    await giveSmsCode(agent, reza.mobile, seen);
    const renewed = (
      await exchange(tax, await finishInteraction(agent, again.interaction!), fresh)
    ).claims()!;
    assert.deepEqual(renewed.amr, ["mfa", "pwd", "sms"]);
  });

  test("a half session (second factor due) is asked for it, never given a code", async () => {
    const agent = new Agent(sys.issuer);
    await openSession(sys, agent, ids.ali!, { stage: "second_factor", amr: ["pwd"], aal: 1 });
    const flow = await authorizationRequest(tax, TAX);
    const { interaction } = await authorize(agent, flow);
    const state = await stateOf(agent, interaction!);
    assert.equal(state.prompt, "second_factor");
    assert.ok((state.methods as string[]).includes("sms"));
  });
});

// SECOND_FACTOR=optional: a holder who did not turn it on signs in by password alone (level 1), so
// the whole step-up runs through the real routes: /api/login/step-up, the SMS code, the state again.
describe("step-up through the sign-in routes (SECOND_FACTOR=optional)", () => {
  let opt: TestSystem & { issuer: string };
  let rpOpt: client.Configuration;
  before(async () => {
    opt = await startOidcSystem(
      [
        {
          client_id: "tax",
          client_secret: SECRET,
          client_name: "سامانه مالیات",
          redirect_uris: [TAX],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      { SECOND_FACTOR: "optional" },
    );
    await createAccount(opt, ali);
    rpOpt = await rp(opt.issuer, "tax", client.ClientSecretBasic(SECRET));
  });
  after(async () => {
    await opt.stop();
  });

  test("signed in by password, an e-service asks aal:2: step-up by SMS, then a code saying so", async () => {
    const agent = new Agent(opt.issuer);
    const first = await authorizationRequest(rpOpt, TAX);
    const one = (await exchange(rpOpt, await signIn(agent, first, ali), first)).claims()!;
    assert.equal(one.aal, AAL_NAMES[1]);
    assert.deepEqual(one.amr, ["pwd"]);

    const flow = await authorizationRequest(rpOpt, TAX, { acr_values: AAL_VALUES[2] });
    const { interaction, callback } = await authorize(agent, flow);
    assert.equal(callback, undefined, "consent remembered, yet no code at level 1");
    const state = await stateOf(agent, interaction!);
    assert.equal(state.prompt, "step_up");
    assert.equal(state.need, "aal2");
    // prompt=none meanwhile: the standard error, no code.
    const none = await authorizationRequest(rpOpt, TAX, { acr_values: AAL_VALUES[2], prompt: "none" });
    assert.equal((await authorize(agent, none)).callback?.searchParams.get("error"), "login_required");

    const seen = await outboxTexts(agent, ali.mobile);
    const up = await agent.json("POST", "/api/login/step-up");
    assert.equal(up.status, 200);
    assert.equal(up.body.method, "sms");
    // Half-way (the code not typed yet): the page is told to ask the code, and a code is refused.
    assert.equal((await stateOf(agent, interaction!)).prompt, "second_factor");
    await giveSmsCode(agent, ali.mobile, seen, true);
    const claims = (await exchange(rpOpt, await finishInteraction(agent, interaction!), flow)).claims()!;
    assert.equal(claims.aal, AAL_VALUES[2]);
    assert.deepEqual(claims.amr, ["mfa", "pwd", "sms"]);
    assert.equal(claims.acr, ACR.REGISTRY_MOBILE);
  });
});
