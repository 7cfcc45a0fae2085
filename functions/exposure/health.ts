/**
 * AWS Health events about exposed credentials (EventBridge `source: aws.health`, `detail-type: AWS
 * Health Event`, service RISK). AWS sends them under five codes; a responder that matches only
 * AWS_RISK_CREDENTIALS_EXPOSED misses most real events. One event may name several keys
 * (`detail.affectedEntities[]`): every one of them is answered, not only the first.
 */
import { ValidationError } from '../shared/errors';

export const EXPOSURE_EVENT_CODES = [
  'AWS_RISK_CREDENTIALS_EXPOSED',
  'AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED',
  'AWS_RISK_CREDENTIALS_COMPROMISED',
  'AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED',
  'AWS_RISK_IAM_QUARANTINE',
] as const;

export type ExposureEventCode = (typeof EXPOSURE_EVENT_CODES)[number];

export interface HealthExposure {
  readonly accessKeyId: string;
  readonly eventArn: string;
  readonly code: string;
}

/** IAM access key ids: AKIA (long-term) or ASIA (temporary), 16-128 characters in all. */
const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isExposureCode(code: unknown): code is ExposureEventCode {
  return typeof code === 'string' && (EXPOSURE_EVENT_CODES as readonly string[]).includes(code);
}

/**
 * The exposed access keys an AWS Health event names, one entry per distinct key. Throws
 * ValidationError for anything that is not an exposure event of AWS Health (another source, service
 * or code), so a misrouted event is reported rather than silently dropped. Entities that are not
 * access key ids (AWS may name the account) are skipped; an event naming no key answers [].
 */
export function exposuresFromHealthEvent(raw: unknown): HealthExposure[] {
  if (!isRecord(raw)) throw new ValidationError('a Health event must be a JSON object');
  if (raw.source !== 'aws.health') throw new ValidationError(`not an AWS Health event (source ${String(raw.source)})`);
  if (raw['detail-type'] !== 'AWS Health Event') {
    throw new ValidationError(`not an AWS Health event (detail-type ${String(raw['detail-type'])})`);
  }
  const detail = raw.detail;
  if (!isRecord(detail)) throw new ValidationError('the Health event has no detail');
  if (detail.service !== 'RISK') throw new ValidationError(`Health event of service ${String(detail.service)}, not RISK`);
  const code = detail.eventTypeCode;
  if (!isExposureCode(code)) {
    throw new ValidationError(`Health event code ${String(code)} is not one of ${EXPOSURE_EVENT_CODES.join(', ')}`);
  }
  const eventArn = detail.eventArn;
  if (typeof eventArn !== 'string' || eventArn.length === 0) throw new ValidationError('the Health event has no eventArn');
  const entities = detail.affectedEntities;
  if (entities !== undefined && !Array.isArray(entities)) throw new ValidationError('affectedEntities must be a list');
  const seen = new Set<string>();
  const out: HealthExposure[] = [];
  for (const entity of entities ?? []) {
    const value = isRecord(entity) ? entity.entityValue : undefined;
    if (typeof value !== 'string') continue;
    const accessKeyId = value.trim();
    if (!ACCESS_KEY_ID.test(accessKeyId) || seen.has(accessKeyId)) continue;
    seen.add(accessKeyId);
    out.push({ accessKeyId, eventArn, code });
  }
  return out;
}
