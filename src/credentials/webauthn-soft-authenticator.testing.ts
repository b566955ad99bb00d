/**
 * A software WebAuthn authenticator for tests that need no browser: ES256 keys from node:crypto,
 * authenticator data built byte by byte, attestation `none`. It answers the options the service issues the
 * way a platform authenticator with a fingerprint reader would, and can be told to fail the finger (UV
 * false) or to lie (another origin, a stale counter) so tests can reach each failure.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

interface SoftCredential {
  id: Uint8Array;
  privateKey: KeyObject;
  userHandle: string;
  counter: number;
}

export interface CeremonyOverrides {
  /** Sign a different challenge than the options carry. */
  challenge?: string;
  origin?: string;
  rpId?: string;
  /** This one answer's UV flag (the authenticator's `userVerified` otherwise). */
  userVerified?: boolean;
  /** Use this counter value instead of the next one. */
  counter?: number;
  /** Answer with this credential (base64url id) even if the options do not allow it. */
  credentialId?: string;
}

export class SoftAuthenticator {
  /** Whether the next finger is recognised. */
  userVerified = true;
  private readonly credentials = new Map<string, SoftCredential>();

  constructor(readonly origin: string) {}

  /** Creates a credential, as navigator.credentials.create() would. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = randomBytes(16);
    const credential: SoftCredential = { id, privateKey, userHandle: options.user.id, counter: 0 };
    const idText = id.toString('base64url');
    this.credentials.set(idText, credential);
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x as string, 'base64url')],
      [-3, Buffer.from(jwk.y as string, 'base64url')],
    ]);
    const attested = Buffer.concat([
      Buffer.alloc(16), // aaguid: none
      u16(id.length),
      id,
      isoCBOR.encode(coseKey),
    ]);
    const authData = this.authenticatorData(
      overrides.rpId ?? options.rp.id ?? '',
      overrides,
      0,
      FLAG_AT,
      attested,
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, number>()],
        ['authData', authData],
      ]),
    );
    return {
      id: idText,
      rawId: idText,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData(
          'webauthn.create',
          overrides.challenge ?? options.challenge,
          overrides,
        ),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** Signs an assertion, as navigator.credentials.get() would. */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): AuthenticationResponseJSON {
    const wanted =
      overrides.credentialId ?? options.allowCredentials?.find((c) => this.credentials.has(c.id))?.id;
    const credential = wanted === undefined ? undefined : this.credentials.get(wanted);
    if (!credential) throw new Error('NotAllowedError: no credential of this authenticator is allowed');
    credential.counter += 1;
    const counter = overrides.counter ?? credential.counter;
    const authData = this.authenticatorData(overrides.rpId ?? options.rpId ?? '', overrides, counter, 0);
    const clientDataJSON = this.clientData(
      'webauthn.get',
      overrides.challenge ?? options.challenge,
      overrides,
    );
    const clientDataHash = createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest();
    const signature = sign('sha256', Buffer.concat([authData, clientDataHash]), credential.privateKey);
    const idText = Buffer.from(credential.id).toString('base64url');
    return {
      id: idText,
      rawId: idText,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  private authenticatorData(
    rpId: string,
    overrides: CeremonyOverrides,
    counter: number,
    extraFlags: number,
    attested?: Buffer,
  ): Buffer {
    const verified = overrides.userVerified ?? this.userVerified;
    const flags = FLAG_UP | (verified ? FLAG_UV : 0) | extraFlags;
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    return Buffer.concat([
      createHash('sha256').update(rpId).digest(),
      Buffer.from([flags]),
      counterBytes,
      ...(attested ? [attested] : []),
    ]);
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): string {
    const json = JSON.stringify({
      type,
      challenge,
      origin: overrides.origin ?? this.origin,
      crossOrigin: false,
    });
    return Buffer.from(json, 'utf8').toString('base64url');
  }
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}
