// The one internal module of oidc-provider that Hoviat calls (keys.ts): it builds the provider's
// keystore and public JWKS from a private JWKS, on the provider it is called on.
declare module "oidc-provider/lib/helpers/initialize_keystore.js" {
  export default function initializeKeystore(this: unknown, jwks: { keys: Record<string, unknown>[] }): void;
}
