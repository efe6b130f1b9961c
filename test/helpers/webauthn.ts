// A software authenticator for API tests: what a phone or a security key does with WebAuthn options,
// written from the specification (not with the library under test). ES256 keys from node:crypto, an
// attestationObject with fmt "none" CBOR-encoded here, authenticatorData with the UP and UV flags (and
// BE/BS for a synced passkey), clientDataJSON with the challenge and origin. Its answers have the JSON
// shape @simplewebauthn/browser sends, so a test posts them as a browser would.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

type Bytes = Uint8Array;
type Cbor = number | string | Bytes | boolean | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

function head(major: number, length: number): Bytes {
  if (length < 24) return Uint8Array.of((major << 5) | length);
  if (length < 0x100) return Uint8Array.of((major << 5) | 24, length);
  if (length < 0x10000) return Uint8Array.of((major << 5) | 25, length >> 8, length & 0xff);
  const out = new Uint8Array(5);
  out[0] = (major << 5) | 26;
  new DataView(out.buffer).setUint32(1, length);
  return out;
}

/** RFC 8949 CBOR, the subset WebAuthn needs: integers, byte and text strings, arrays, maps, booleans. */
export function cbor(value: Cbor): Bytes {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "boolean") return Uint8Array.of(value ? 0xf5 : 0xf4);
  if (typeof value === "string") {
    const text = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, text.length), text]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const b64url = (bytes: Bytes | string) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Bytes | string) => createHash("sha256").update(data).digest();

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 } as const;

export type SoftwareCredential = {
  id: Bytes;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
};

type CreationOptions = {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string };
  excludeCredentials?: { id: string }[];
  authenticatorSelection?: { userVerification?: string; residentKey?: string };
};
type RequestOptions = { challenge: string; rpId?: string; allowCredentials?: { id: string }[] };

export type Gesture = {
  /** The page's origin as the browser reports it (default: the authenticator's). */
  origin?: string;
  /** The person verified themselves (PIN, fingerprint); default true. */
  userVerified?: boolean;
  /** Which credential answers (default: the first the options allow). */
  credentialId?: string;
  /** The signature counter to report instead of the next one (a cloned authenticator's). */
  counter?: number;
};

export class SoftwareAuthenticator {
  readonly credentials: SoftwareCredential[] = [];

  readonly origin: string;
  readonly options: {
    /** A synced passkey (backup eligible and backed up): the server calls it `swk`. */
    synced?: boolean;
    /** Keeps no counter (always 0), as many platform authenticators do. */
    noCounter?: boolean;
  };
  constructor(
    origin: string,
    options: {
      /** A synced passkey (backup eligible and backed up): the server calls it `swk`. */
      synced?: boolean;
      /** Keeps no counter (always 0), as many platform authenticators do. */
      noCounter?: boolean;
    } = {},
  ) {
    this.origin = origin;
    this.options = options;
  }

  private flags(userVerified: boolean, extra = 0) {
    const synced = this.options.synced ? FLAGS.BE | FLAGS.BS : 0;
    return FLAGS.UP | (userVerified ? FLAGS.UV : 0) | synced | extra;
  }

  private clientData(type: string, challenge: string, origin: string) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): a new ES256 credential, as RegistrationResponseJSON. */
  create(options: CreationOptions, gesture: Gesture = {}) {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(b64url(c.id)))) {
      throw new Error("InvalidStateError: this authenticator already holds an excluded credential");
    }
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
    const cose = cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")],
      ]),
    );
    const id = randomBytes(32);
    const credential = { id, rpId, userHandle: options.user.id, privateKey, counter: 0 };
    const idLength = Uint8Array.of(id.length >> 8, id.length & 0xff);
    const authData = Buffer.concat([
      sha256(rpId),
      Uint8Array.of(this.flags(gesture.userVerified ?? true, FLAGS.AT)),
      counterBytes(0),
      new Uint8Array(16), // AAGUID: none given with fmt "none"
      idLength,
      id,
      cose,
    ]);
    const attestationObject = cbor({ fmt: "none", attStmt: {}, authData });
    const clientDataJSON = this.clientData(
      "webauthn.create",
      options.challenge,
      gesture.origin ?? this.origin,
    );
    this.credentials.push(credential);
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ["internal"],
      },
    };
  }

  /** navigator.credentials.get(): an assertion signed by one of its credentials. */
  get(options: RequestOptions, gesture: Gesture = {}) {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((c) => c.id));
    const credential = this.credentials.find(
      (c) =>
        c.rpId === rpId &&
        (gesture.credentialId
          ? b64url(c.id) === gesture.credentialId
          : allowed.size === 0 || allowed.has(b64url(c.id))),
    );
    if (!credential) throw new Error("NotAllowedError: no credential for these options");
    if (!this.options.noCounter) credential.counter += 1;
    const counter = gesture.counter ?? (this.options.noCounter ? 0 : credential.counter);
    const authData = Buffer.concat([
      sha256(rpId),
      Uint8Array.of(this.flags(gesture.userVerified ?? true)),
      counterBytes(counter),
    ]);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, gesture.origin ?? this.origin);
    // ECDSA over authenticatorData || SHA-256(clientDataJSON), DER-encoded as WebAuthn wants it.
    const signature = sign(
      "sha256",
      Buffer.concat([authData, sha256(clientDataJSON)]),
      credential.privateKey,
    );
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
    };
  }
}

function counterBytes(counter: number): Bytes {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, counter);
  return out;
}
