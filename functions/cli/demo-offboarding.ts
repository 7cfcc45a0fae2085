/** The offboarding part of `npm start` (filled in with the offboarding capability). */
import type { LifecycleConfig } from '../shared/config';

export async function runOffboardingDemo(_args: {
  endpoint: string;
  config: LifecycleConfig;
  say: (line: string) => void;
  print: (line: string) => void;
  name: (base: string) => string;
  seedDeps: unknown;
}): Promise<string[]> {
  return [];
}
