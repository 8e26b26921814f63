import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Signed-note signature type byte for Ed25519 (c2sp.org/signed-note). */
const ED25519_TYPE = 0x01;

/** Key names follow the signed-note rules: non-empty, no spaces, no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

export function rawEd25519(publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${publicKey.asymmetricKeyType ?? 'a symmetric key'}`);
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url');
}

/** Signed-note key id: SHA-256(name || 0x0A || 0x01 || raw key)[:4], as 8 hex digits. */
export function keyIdOf(name: string, publicKey: KeyObject): string {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519_TYPE]))
    .update(rawEd25519(publicKey))
    .digest()
    .subarray(0, 4)
    .toString('hex');
}

/** The signed-note verifier key string: `<name>+<key id hex>+<base64(0x01 || key)>`. */
export function verifierKeyOf(name: string, publicKey: KeyObject): string {
  return `${name}+${keyIdOf(name, publicKey)}+${Buffer.concat([Buffer.from([ED25519_TYPE]), rawEd25519(publicKey)]).toString('base64')}`;
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** Reads an Ed25519 public key from PEM (SPKI), or derives it from a private key PEM. */
export function parsePublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  rawEd25519(key);
  return key;
}

export function verifyEd25519(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}

/** The deployment's Ed25519 signing key, under a key name (the log's origin). */
export class LedgerSigningKey {
  readonly publicKey: KeyObject;
  readonly keyId: string;

  private constructor(
    readonly name: string,
    private readonly privateKey: KeyObject,
  ) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = keyIdOf(name, this.publicKey);
  }

  static generate(name: string): LedgerSigningKey {
    return new LedgerSigningKey(name, generateKeyPairSync('ed25519').privateKey);
  }

  static fromPem(name: string, pem: string): LedgerSigningKey {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key must be Ed25519, not ${key.asymmetricKeyType}`);
    return new LedgerSigningKey(name, key);
  }

  /** Loads the key file, or creates it (mode 0600) when it does not exist yet. */
  static loadOrCreate(file: string, name: string): { key: LedgerSigningKey; created: boolean } {
    if (existsSync(file)) {
      let pem: string;
      try {
        pem = readFileSync(file, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the ledger signing key ${file}: ${(error as Error).message}`);
      }
      try {
        return { key: LedgerSigningKey.fromPem(name, pem), created: false };
      } catch (error) {
        throw new Error(`${file} is not a usable Ed25519 private key (${(error as Error).message})`);
      }
    }
    const key = LedgerSigningKey.generate(name);
    key.writeTo(file);
    return { key, created: true };
  }

  get publicKeyPem(): string {
    return publicKeyPem(this.publicKey);
  }

  get verifierKey(): string {
    return verifierKeyOf(this.name, this.publicKey);
  }

  sign(message: Uint8Array): Buffer {
    return sign(null, message, this.privateKey);
  }

  /** Writes the private key atomically (temp file, then rename), readable by the owner only. */
  writeTo(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, this.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  }
}
