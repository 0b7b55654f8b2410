/**
 * What a validated cluster profile holds, read without I/O: its packs in deploy order and the OS
 * image its OS pack names. Profiles are loaded and validated by profiles.ts; views (the wizard's
 * packs and review, /tke profile) read them through these.
 */
import { isMap, parseDocument } from 'yaml';
import type { Profile, ProfilePack } from '../profiles.js';
import { isOsImage, type OsImage } from './rules.js';

/** The profile's packs in deploy order: the OS pack, then the add-ons. */
export function listPacks(profile: Profile): ProfilePack[] {
  return [
    { packName: profile.layers.os.name, kind: 'os', values: profile.layers.os.values },
    ...profile.layers.addons.map((addon): ProfilePack => ({ packName: addon.name, kind: 'addon', values: addon.values })),
  ];
}

/** The OS image a validated profile runs (its OS pack's OsName), as TKE's ClusterOs expects it. */
export function osImageOf(profile: Profile): OsImage {
  const contents = parseDocument(profile.layers.os.values).contents;
  const osName: unknown = isMap(contents) ? contents.get('OsName') : undefined;
  if (!isOsImage(osName)) throw new Error(`profile ${profile.name}: OS pack has no valid OsName`);
  return osName;
}
