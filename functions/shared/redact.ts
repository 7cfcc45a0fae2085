/**
 * Secret-like values in text leaving the automation (notifications, logs, errors). No SDK imports:
 * every Lambda uses these, not every Lambda has an SNS client.
 */

/**
 * What a leaked AWS secret access key looks like: 40 characters of its base64-like alphabet, with
 * upper and lower case letters and digits (a random 40-character key lacks one of them only about
 * once in five thousand). Identifiers such as long user names rarely mix all three in one run.
 */
const SECRET_LIKE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

function looksLikeSecret(candidate: string): boolean {
  return /[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9]/.test(candidate);
}

export function containsSecretLikeValue(text: string): boolean {
  return [...text.matchAll(SECRET_LIKE)].some((m) => looksLikeSecret(m[0]));
}

/**
 * Last line of defence before a message leaves: secret-like runs are replaced, except where they
 * are part of the user's own name (IAM allows 64-character names).
 */
export function redactSecretLikeValues(text: string, keep: readonly string[] = []): string {
  return text.replace(SECRET_LIKE, (match) =>
    looksLikeSecret(match) && !keep.some((k) => k.includes(match)) ? '[REDACTED]' : match,
  );
}
