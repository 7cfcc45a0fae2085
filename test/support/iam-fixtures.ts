/** Fixtures and probes shared by the offboarding tests. */
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { CreateVirtualMFADeviceCommand, EnableMFADeviceCommand, type IAMClient } from '@aws-sdk/client-iam';

/** An ssh-rsa public key line (what UploadSSHPublicKey takes), from a fresh RSA key pair. */
export function sshRsaPublicKey(comment = 'offboarding-test'): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const field = (buf: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    return Buffer.concat([len, buf]);
  };
  const mpint = (b64url: string) => {
    const raw = Buffer.from(b64url, 'base64url');
    return field((raw[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), mpint(jwk.e), mpint(jwk.n)]);
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}

/** Polls until `probe` gives a value (not undefined, not false). */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether an IAM read finds its entity (NoSuchEntity means no; anything else is an error). */
export async function exists(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException') return false;
    throw error;
  }
}

/** A self-signed X.509 certificate (public material only), for UploadSigningCertificate. */
export const TEST_CERTIFICATE = [
  '-----BEGIN CERTIFICATE-----',
  'MIIDPzCCAiegAwIBAgIUAzRoJbYI30KiVcBeWipmri+2FCswDQYJKoZIhvcNAQEL',
  'BQAwLjEsMCoGA1UEAwwjaWFtLXVzZXItbGlmZWN5Y2xlIG9mZmJvYXJkaW5nIHRl',
  'c3QwIBcNMjYxMTIzMTU0MTE0WhgPMjEyNjEwMzAxNTQxMTRaMC4xLDAqBgNVBAMM',
  'I2lhbS11c2VyLWxpZmVjeWNsZSBvZmZib2FyZGluZyB0ZXN0MIIBIjANBgkqhkiG',
  '9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqRpfTxr/IsDxMZgRRC5VREBhUziUyyvaZDCf',
  'o+XHeS16bGrWQaOXUmO+1esJDooHfJmlu9sn+jGL0tSWmFw9UUzD+4DkzGofL+1I',
  'eQftujtQyE62OY9xZb/vuJrR1nJZsWg6dVIrCghSKWPUjXKm3FvOGvJFfYs36qt0',
  'd1Wd6Rojm3Eu3KNclfYERBJhryCnMmN00cgkTnHWQK4Kb095QHto/lnZkh4Ag9wV',
  '/zRYxQM0IGa2UK+WiTHx6TBRfOK7ZKbQose4/gKKNP8nfaTmzxQ1p/9ePPSLBYFX',
  '0OH1j78PSu/vpDncNAOCW7E+LTZ3rDt18nPlV+MfRq2RLb604QIDAQABo1MwUTAd',
  'BgNVHQ4EFgQU71qw3cot7ijUKowwOPLYCR7upi0wHwYDVR0jBBgwFoAU71qw3cot',
  '7ijUKowwOPLYCR7upi0wDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOC',
  'AQEANb3ALiamdeV+eBfQWnM7gKblg69r0ZszWAGlMIL7Es+1RSON8NtKbRDQ94EX',
  'dR44h5bkJ9slS0lRyasofMeJ5F+uLWu0LExps22oCg782nZ0yRFwweoKoXH7aK8a',
  'CU1dkydRfrJyr7uSVr1of9FVZLnYcL+xIiQFt25L2SiFSzNNYaJQyy1mG4bkZj8t',
  '+vWt5TSNDsy67PJt4dZaGJ0WVkS2Zj/+KMpjahAtXcMKe9IDzNXkPhHBCOiIckT5',
  'a+NTk4YRUZOSmYwrjmtUH3ty6SQ97OmNI55k8SCWIUtlwo3pwmF5+c0/KjfmDOw3',
  '2eCJqXD33RcFwg3pDZbqnNZT+A==',
  '-----END CERTIFICATE-----',
].join('\n');

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) from a Base32 seed: EnableMFADevice wants two consecutive codes. */
export function totp(base32Seed: string, step: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32Seed.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Creates a virtual MFA device named after the user and enables it for them (two TOTP codes). */
export async function enableVirtualMfa(iam: IAMClient, userName: string): Promise<{ SerialNumber?: string }> {
  const mfa = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${userName}-mfa` }))).VirtualMFADevice!;
  const seed = Buffer.from(mfa.Base32StringSeed!).toString('utf8');
  const step = Math.floor(Date.now() / 30_000);
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: userName,
      SerialNumber: mfa.SerialNumber!,
      AuthenticationCode1: totp(seed, step - 1),
      AuthenticationCode2: totp(seed, step),
    }),
  );
  return { SerialNumber: mfa.SerialNumber! };
}
