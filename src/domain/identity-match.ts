// Which identity fields differ from the civil registry's record. Names compare after Persian
// normalisation, so «علي» matches «علی» and «عبد الله» matches «عبدالله».
import { normalizeName } from "./persian-text.ts";

export type IdentityClaim = {
  firstName: string;
  lastName: string;
  gender: "male" | "female";
  birthCertificateNumber: string;
  birthDate: string;
};

export type IdentityField = keyof IdentityClaim;

/** Birth-certificate numbers compare as numbers written in digits: "0123" and "123" are one number. */
const certificate = (s: string) => s.replace(/^0+(?=\d)/, "");

export function mismatchedFields(claim: IdentityClaim, record: IdentityClaim): IdentityField[] {
  const fields: IdentityField[] = [];
  if (normalizeName(claim.firstName) !== normalizeName(record.firstName)) fields.push("firstName");
  if (normalizeName(claim.lastName) !== normalizeName(record.lastName)) fields.push("lastName");
  if (claim.gender !== record.gender) fields.push("gender");
  if (certificate(claim.birthCertificateNumber) !== certificate(record.birthCertificateNumber)) {
    fields.push("birthCertificateNumber");
  }
  if (claim.birthDate !== record.birthDate) fields.push("birthDate");
  return fields;
}
