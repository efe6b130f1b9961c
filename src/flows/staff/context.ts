// The staff member a console rule admitted to a request. In a module of its own so that the audit
// (which records who acted) and the rules (which admit, and record refusals) need not import each other.
import type { FastifyRequest } from "fastify";
import type { StaffRole } from "../../platform/schema.ts";

export type StaffContext = {
  id: string;
  username: string;
  name: string;
  role: StaffRole;
  branchId: string | null;
  stage: "totp" | "full";
  mustChangePassword: boolean;
  /** An administrator without a passkey: every route but enrolment's answers 403 until one is added. */
  passkeyRequired: boolean;
  /** RFC 8176 methods of this session's sign-in. */
  amr: string[];
  /** When the session began: a sign-in in the last minutes stands in for the password. */
  createdAt: Date;
  idHash: string;
};

const contexts = new WeakMap<FastifyRequest, StaffContext>();
/** Whose session a rule looked at, admitted or not: a refusal is audited under their name. */
const sessions = new WeakMap<FastifyRequest, StaffContext>();

export function noteSession(request: FastifyRequest, staff: StaffContext): void {
  sessions.set(request, staff);
}

export function sessionOf(request: FastifyRequest): StaffContext | undefined {
  return sessions.get(request);
}

export function admit(request: FastifyRequest, staff: StaffContext): void {
  contexts.set(request, staff);
}

export function admittedStaff(request: FastifyRequest): StaffContext | undefined {
  return contexts.get(request);
}
