import {
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { CredentialReportUnavailableError, IamCredentialReportSource } from '../../functions/scan/credential-report';

const CSV = 'user,arn,access_key_1_active,access_key_1_last_rotated,access_key_2_active,access_key_2_last_rotated\n';
const content = () => new TextEncoder().encode(CSV);
const meta = { $metadata: {} };

const notReady = () => new CredentialReportNotReadyException({ message: 'Report is being generated', ...meta });
const notPresent = () => new CredentialReportNotPresentException({ message: 'Credential report not present', ...meta });
const expired = () => new CredentialReportExpiredException({ message: 'Report expired', ...meta });
const limitExceeded = () => new LimitExceededException({ message: 'Too many report requests', ...meta });
const throttled = () =>
  new IAMServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

describe('IamCredentialReportSource', () => {
  const iamMock = mockClient(IAMClient);
  let sleeps: number[];
  const source = (options: ConstructorParameters<typeof IamCredentialReportSource>[1] = {}) =>
    new IamCredentialReportSource(new IAMClient({ region: 'us-east-1' }), {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 1,
      ...options,
    });

  beforeEach(() => {
    iamMock.reset();
    sleeps = [];
  });

  it('reads a report that is already complete with two calls and no wait', async () => {
    // Prepare
    const generatedAt = new Date('2024-06-01T00:00:00Z');
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock.on(GetCredentialReportCommand).resolves({ Content: content(), GeneratedTime: generatedAt, ReportFormat: 'text/csv' });

    // Act
    const report = await source().fetchReport();

    // Assess
    expect(report).toEqual({ csv: CSV, generatedAt, apiCalls: 2 });
    expect(sleeps).toEqual([]);
  });

  it('waits while the report is STARTED / in progress (ReportInProgress), with growing pauses', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'STARTED' });
    iamMock.on(GetCredentialReportCommand).rejectsOnce(notReady()).rejectsOnce(notReady()).resolves({ Content: content() });

    const report = await source({ pollIntervalMs: 100 }).fetchReport();

    expect(report.apiCalls).toBe(4);
    expect(sleeps).toEqual([100, 150, 225]);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(1);
  });

  it('treats INPROGRESS like STARTED', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    iamMock.on(GetCredentialReportCommand).resolves({ Content: content() });

    const report = await source({ pollIntervalMs: 10 }).fetchReport();

    expect(report.csv).toBe(CSV);
    expect(sleeps).toEqual([10]);
  });

  it('generates again when the report is missing or expired', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock.on(GetCredentialReportCommand).rejectsOnce(notPresent()).rejectsOnce(expired()).resolves({ Content: content() });

    const report = await source().fetchReport();

    expect(report.csv).toBe(CSV);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(3);
    expect(report.apiCalls).toBe(6);
  });

  it('backs off on LimitExceeded and throttling, doubling up to the cap', async () => {
    iamMock
      .on(GenerateCredentialReportCommand)
      .rejectsOnce(limitExceeded())
      .rejectsOnce(limitExceeded())
      .resolves({ State: 'COMPLETE' });
    iamMock.on(GetCredentialReportCommand).rejectsOnce(throttled()).resolves({ Content: content() });

    const report = await source({ backoffBaseMs: 1000, maxBackoffMs: 3000 }).fetchReport();

    expect(report.apiCalls).toBe(5);
    expect(sleeps).toEqual([1000, 2000, 3000]);
  });

  it('gives up with a named error once the wait budget is spent, saying why', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'STARTED' });
    iamMock.on(GetCredentialReportCommand).rejects(notReady());

    const error = await source({ pollIntervalMs: 1000, maxPollIntervalMs: 1000, maxWaitMs: 5000 })
      .fetchReport()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialReportUnavailableError);
    expect((error as Error).message).toMatch(/wait budget of 5000 ms is spent/);
    expect((error as Error).message).toMatch(/CredentialReportNotReadyException: Report is being generated/);
    expect(sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('gives up after the call budget when IAM keeps throttling', async () => {
    iamMock.on(GenerateCredentialReportCommand).rejects(throttled());

    const error = await source({ maxCalls: 4, maxWaitMs: 1e9 })
      .fetchReport()
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialReportUnavailableError);
    expect((error as CredentialReportUnavailableError).apiCalls).toBe(4);
    expect((error as Error).message).toMatch(/budget of 4 IAM calls is spent.*Throttling: Rate exceeded/);
  });

  it('gives up when the report stays missing after repeated generation', async () => {
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock.on(GetCredentialReportCommand).rejects(notPresent());

    await expect(source({ maxGenerations: 2 }).fetchReport()).rejects.toThrow(/still missing after 2 generations/);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(2);
  });

  it('does not retry what retrying cannot fix (AccessDenied) and keeps the cause', async () => {
    const denied = new IAMServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      message: 'not authorized to perform iam:GenerateCredentialReport',
      $metadata: { httpStatusCode: 403 },
    });
    iamMock.on(GenerateCredentialReportCommand).rejects(denied);

    const error = (await source()
      .fetchReport()
      .catch((e: unknown) => e)) as CredentialReportUnavailableError & { cause?: unknown };

    expect(error).toBeInstanceOf(CredentialReportUnavailableError);
    expect(error.message).toMatch(/IAM refused the request.*AccessDenied/);
    expect(error.cause).toBe(denied);
    expect(iamMock.calls()).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });
});
