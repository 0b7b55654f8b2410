import dotenv from 'dotenv';
import { loadStoreConfig } from './config.js';
import { NEW_MASTER_KEY_VARIABLE, rotateMasterKey } from './services/key-rotation.js';

/** `npm run rotate-key`: re-encrypts the store's Secret Keys under a new master key (the bot stopped). */
async function main(): Promise<void> {
  dotenv.config({ quiet: true, path: process.env.DOTENV_CONFIG_PATH ?? '.env' });
  const config = loadStoreConfig(process.env);
  const newMasterKey = process.env[NEW_MASTER_KEY_VARIABLE]?.trim() || undefined;
  const { message } = await rotateMasterKey({ ...config, newMasterKey });
  console.log(message);
}

main().catch((error: unknown) => {
  console.error(`tkeops could not rotate the master key:\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
