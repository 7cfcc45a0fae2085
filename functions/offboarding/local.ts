/**
 * Local-mode support for offboarding (local runs and tests; never imported by ./lambda).
 *
 * moto 5.2.1 lacks two IAM features offboarding handles: user permissions boundaries
 * (PutUserPermissionsBoundary/DeleteUserPermissionsBoundary answer HTTP 500, CreateUser ignores
 * PermissionsBoundary, GetUser never returns one) and service-specific credentials (every call
 * answers HTTP 500). `MotoIamGaps` fills exactly those gaps in memory as a client middleware, the
 * way AWS behaves (NoSuchEntity for unknown users and ids, DeleteConflict when DeleteUser runs
 * while service-specific credentials remain), so the production code runs unchanged against moto.
 */
import { randomBytes } from 'node:crypto';
import {
  CreatePolicyCommand,
  DeleteConflictException,
  GetUserCommand,
  ListPoliciesCommand,
  NoSuchEntityException,
  type IAMClient,
  type ServiceSpecificCredentialMetadata,
} from '@aws-sdk/client-iam';
import type { LocalWorkflowDefinition } from '../local/runner';
import { DENY_POLICY_NAME, denyPolicyDocument } from './domain';
import { OFFBOARDING_ASL_FILE, offboardingTaskBindings, type OffboardingHandlers } from './handlers';

/** Path of the local deny policy (the deployed stack creates its own). */
export const LOCAL_DENY_POLICY_PATH = '/iam-lifecycle/';

/**
 * Creates the offboarding deny policy in the emulator the way the stack does when deployed (a
 * customer managed policy denying everything), once: a second call finds the existing one.
 * Answers its ARN, which the steps need (OFFBOARDING_DENY_POLICY_ARN when deployed).
 */
export async function ensureLocalDenyPolicy(iam: IAMClient): Promise<string> {
  try {
    const out = await iam.send(
      new CreatePolicyCommand({
        PolicyName: DENY_POLICY_NAME,
        Path: LOCAL_DENY_POLICY_PATH,
        PolicyDocument: denyPolicyDocument(),
        Description: 'iam-user-lifecycle: attached to users being offboarded; denies everything',
      }),
    );
    if (out.Policy?.Arn) return out.Policy.Arn;
  } catch (error) {
    if ((error as Error).name !== 'EntityAlreadyExistsException' && (error as Error).name !== 'EntityAlreadyExists') throw error;
  }
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: LOCAL_DENY_POLICY_PATH, Marker: marker }));
    const found = page.Policies?.find((p) => p.PolicyName === DENY_POLICY_NAME);
    if (found?.Arn) return found.Arn;
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  throw new Error(`the local deny policy ${DENY_POLICY_NAME} could not be created or found`);
}

/** `{ offboarding: offboardingWorkflowDefinition(handlers) }` is what LocalWorkflows needs. */
export function offboardingWorkflowDefinition(handlers: OffboardingHandlers): LocalWorkflowDefinition {
  return { aslFile: OFFBOARDING_ASL_FILE, tasks: offboardingTaskBindings(handlers) };
}

interface EmulatedCredential {
  readonly id: string;
  readonly serviceName: string;
  readonly serviceUserName: string;
  status: 'Active' | 'Inactive';
  readonly createDate: Date;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomId(prefix: string): string {
  const bytes = randomBytes(17);
  return prefix + Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

function noSuchEntity(message: string): NoSuchEntityException {
  return new NoSuchEntityException({ message, $metadata: { httpStatusCode: 404 } });
}

type Handler = (input: Record<string, unknown>) => Promise<unknown>;

export class MotoIamGaps {
  private readonly boundaries = new Map<string, string>();
  private readonly credentials = new Map<string, EmulatedCredential[]>();

  /** Installs the emulation on a client; install it on every client that talks to the same moto. */
  install(client: IAMClient): void {
    const userExists = async (userName: unknown): Promise<string> => {
      if (typeof userName !== 'string') throw noSuchEntity('UserName is required');
      await client.send(new GetUserCommand({ UserName: userName })); // NoSuchEntity when absent
      return userName;
    };
    const credentialOf = (userName: string, id: unknown): EmulatedCredential => {
      const found = (this.credentials.get(userName) ?? []).find((c) => c.id === id);
      if (!found) throw noSuchEntity(`No such credential ${String(id)}`);
      return found;
    };
    const metadata = (userName: string, c: EmulatedCredential): ServiceSpecificCredentialMetadata => ({
      UserName: userName,
      ServiceSpecificCredentialId: c.id,
      ServiceName: c.serviceName,
      ServiceUserName: c.serviceUserName,
      Status: c.status,
      CreateDate: c.createDate,
    });

    const emulated: Record<string, Handler> = {
      CreateServiceSpecificCredentialCommand: async (input) => {
        const userName = await userExists(input.UserName);
        const credential: EmulatedCredential = {
          id: randomId('ACCA'),
          serviceName: String(input.ServiceName),
          serviceUserName: `${userName}-at-${Math.floor(Math.random() * 1e12)}`,
          status: 'Active',
          createDate: new Date(),
        };
        this.credentials.set(userName, [...(this.credentials.get(userName) ?? []), credential]);
        return {
          ServiceSpecificCredential: {
            ...metadata(userName, credential),
            ServicePassword: randomBytes(33).toString('base64'),
          },
        };
      },
      ListServiceSpecificCredentialsCommand: async (input) => {
        const userName = await userExists(input.UserName);
        const list = (this.credentials.get(userName) ?? []).filter(
          (c) => input.ServiceName === undefined || c.serviceName === input.ServiceName,
        );
        return { ServiceSpecificCredentials: list.map((c) => metadata(userName, c)), IsTruncated: false };
      },
      UpdateServiceSpecificCredentialCommand: async (input) => {
        const userName = await userExists(input.UserName);
        credentialOf(userName, input.ServiceSpecificCredentialId).status = input.Status === 'Active' ? 'Active' : 'Inactive';
        return {};
      },
      DeleteServiceSpecificCredentialCommand: async (input) => {
        const userName = await userExists(input.UserName);
        const credential = credentialOf(userName, input.ServiceSpecificCredentialId);
        this.credentials.set(
          userName,
          (this.credentials.get(userName) ?? []).filter((c) => c !== credential),
        );
        return {};
      },
      PutUserPermissionsBoundaryCommand: async (input) => {
        const userName = await userExists(input.UserName);
        this.boundaries.set(userName, String(input.PermissionsBoundary));
        return {};
      },
      DeleteUserPermissionsBoundaryCommand: async (input) => {
        const userName = await userExists(input.UserName);
        this.boundaries.delete(userName);
        return {};
      },
    };

    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args.input ?? {}) as Record<string, unknown>;
        const command = context.commandName ?? '';
        const handler = emulated[command];
        if (handler) return { output: { ...((await handler(input)) as object), $metadata: {} }, response: {} } as never;
        if (command === 'DeleteUserCommand') {
          const userName = String(input.UserName);
          if ((this.credentials.get(userName) ?? []).length > 0) {
            throw new DeleteConflictException({
              message: 'Cannot delete entity, must remove service specific credentials first.',
              $metadata: { httpStatusCode: 409 },
            });
          }
          const result = await next(args);
          this.credentials.delete(userName);
          this.boundaries.delete(userName);
          return result;
        }
        const result = await next(args);
        const output = result.output as { User?: { UserName?: string; PermissionsBoundary?: unknown } };
        if (command === 'CreateUserCommand' && typeof input.PermissionsBoundary === 'string') {
          this.boundaries.set(String(input.UserName), input.PermissionsBoundary);
        }
        if ((command === 'GetUserCommand' || command === 'CreateUserCommand') && output.User?.UserName) {
          const boundary = this.boundaries.get(output.User.UserName);
          if (boundary)
            output.User.PermissionsBoundary = {
              PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
              PermissionsBoundaryArn: boundary,
            };
        }
        return result;
      },
      { step: 'initialize', name: 'motoIamGaps', override: true },
    );
  }
}
