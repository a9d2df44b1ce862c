import { ConfigStore } from "../../src/config/store.js";
import { FileSecretStore } from "../../src/config/secrets.js";
import type { AppSettings, Owner, Profile, WebmailSettings } from "../../src/config/types.js";
import { secretKey } from "../../src/config/types.js";

/** Saves a Webmail profile and its password the way `mailcfg setup` leaves them. */
export async function saveWebmail(
  configDir: string,
  owner: Owner,
  settings: Omit<WebmailSettings, "type">,
  password = "fake-password-123",
): Promise<Profile> {
  const config = await ConfigStore.open(configDir);
  const now = new Date().toISOString();
  const profile: Profile = { type: "webmail", ...settings, createdAt: now, updatedAt: now };
  config.saveProfile(owner, profile);
  await new FileSecretStore(configDir).set(secretKey(owner, "password"), password);
  return profile;
}

export async function setSetting(configDir: string, key: keyof AppSettings, value: string | number): Promise<void> {
  const config = await ConfigStore.open(configDir);
  config.setSetting(key, value as never);
}
