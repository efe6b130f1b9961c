// The mobile-ownership registry («شاهکار»-style): is this number registered to this national ID?
export interface MobileOwnership {
  /** Throws RegistryUnavailable (from ./civil-registry.ts) when the service cannot answer. */
  isOwner(nationalId: string, mobile: string): Promise<boolean>;
}
