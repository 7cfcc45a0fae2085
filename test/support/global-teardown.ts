import type { MotoServer } from '../../functions/local/moto';

export default async function globalTeardown(): Promise<void> {
  const moto = (globalThis as { __MOTO__?: MotoServer }).__MOTO__;
  if (moto) await moto.stop();
}
