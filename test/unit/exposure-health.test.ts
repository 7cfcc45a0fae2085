/** AWS Health exposure events (fixtures in AWS's documented EventBridge shape): all five codes, every entity. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXPOSURE_EVENT_CODES, exposuresFromHealthEvent } from '../../functions/exposure/health';
import { ValidationError } from '../../functions/shared/errors';

const dir = join(__dirname, '..', 'fixtures', 'health');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are spoiled field by field below
type Event = Record<string, any>;
const fixture = (file: string): Event => JSON.parse(readFileSync(join(dir, file), 'utf8'));

describe('exposuresFromHealthEvent', () => {
  it('answers an event of each of the five codes AWS uses for exposed keys', () => {
    // Prepare
    const events = readdirSync(dir).map(fixture);
    // Act
    const codes = events.map((e) => exposuresFromHealthEvent(e)[0]?.code).sort();
    // Assess
    expect(codes).toEqual([...EXPOSURE_EVENT_CODES].sort());
  });

  it('answers every affected entity, not only the first', () => {
    // Prepare
    const event = fixture('credentials-compromised.json');
    // Act
    const exposures = exposuresFromHealthEvent(event);
    // Assess
    expect(exposures).toEqual([
      { accessKeyId: 'AKIAEXAMPLEEXPOSED05', eventArn: event.detail.eventArn, code: 'AWS_RISK_CREDENTIALS_COMPROMISED' },
      { accessKeyId: 'AKIAEXAMPLEEXPOSED06', eventArn: event.detail.eventArn, code: 'AWS_RISK_CREDENTIALS_COMPROMISED' },
    ]);
  });

  it('names a key listed twice once and skips entities that are not access key ids', () => {
    // Prepare
    const event = fixture('credentials-exposed.json');
    event.detail.affectedEntities = [
      { entityValue: '123456789012' },
      { entityValue: 'AKIAEXAMPLEEXPOSED01' },
      { entityValue: ' AKIAEXAMPLEEXPOSED01 ' },
      { entityArn: 'arn:aws:health:global:123456789012:entity/x' },
      'AKIANOTANOBJECT00001',
    ];
    // Act
    const exposures = exposuresFromHealthEvent(event);
    // Assess
    expect(exposures.map((e) => e.accessKeyId)).toEqual(['AKIAEXAMPLEEXPOSED01']);
  });

  it('answers no key for an exposure event without affected entities', () => {
    // Prepare
    const event = fixture('credentials-exposed.json');
    delete event.detail.affectedEntities;
    // Act + Assess
    expect(exposuresFromHealthEvent(event)).toEqual([]);
  });

  it.each([
    ['another source', (e: Event) => (e.source = 'aws.iam')],
    ['another detail-type', (e: Event) => (e['detail-type'] = 'AWS API Call via CloudTrail')],
    ['another service', (e: Event) => (e.detail.service = 'EC2')],
    ['another RISK code', (e: Event) => (e.detail.eventTypeCode = 'AWS_RISK_OTHER')],
    ['no eventArn', (e: Event) => delete e.detail.eventArn],
    ['entities not a list', (e: Event) => (e.detail.affectedEntities = { entityValue: 'AKIAEXAMPLEEXPOSED01' })],
    ['no detail', (e: Event) => delete e.detail],
  ])('refuses %s with a ValidationError', (_what, spoil) => {
    // Prepare
    const event = fixture('credentials-exposed.json');
    spoil(event);
    // Act + Assess
    expect(() => exposuresFromHealthEvent(event)).toThrow(ValidationError);
  });

  it('refuses input that is not an object', () => {
    expect(() => exposuresFromHealthEvent('AKIAEXAMPLEEXPOSED01')).toThrow(ValidationError);
    expect(() => exposuresFromHealthEvent(null)).toThrow(ValidationError);
  });
});
