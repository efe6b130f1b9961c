// The national civil registry (ثبت احوال): who a national ID belongs to.
export type CivilRecord = {
  nationalId: string;
  firstName: string;
  lastName: string;
  gender: "male" | "female";
  birthCertificateNumber: string;
  /** Jalali, "YYYY/MM/DD". */
  birthDate: string;
};

export interface CivilRegistry {
  /** The person's record, or null when the registry has no such national ID. Throws RegistryUnavailable. */
  findPerson(nationalId: string): Promise<CivilRecord | null>;
}

/** The service did not answer usefully (timeout, 5xx, bad payload): try again later, never conclude. */
export class RegistryUnavailable extends Error {
  override name = "RegistryUnavailable";
}
