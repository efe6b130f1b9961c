// Solves a challenge_required answer the way a client must: altcha-lib's solver, then the X-Altcha
// header as base64(JSON {challenge, solution}).
import assert from "node:assert/strict";
import { type Challenge, solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";

export async function solveHeader(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  assert.ok(solution, "the challenge is solvable");
  return Buffer.from(JSON.stringify({ challenge, solution })).toString("base64");
}

/** The X-Altcha header answering a 429 challenge_required response. */
export async function answer(res: { statusCode: number; json(): unknown }): Promise<string> {
  assert.equal(res.statusCode, 429);
  const body = res.json() as { code: string; challenge: Challenge };
  assert.equal(body.code, "challenge_required");
  return solveHeader(body.challenge);
}
