/** IPv4 CIDR arithmetic the emulator needs to judge cluster networks like TKE does. */
export interface Cidr {
  start: number;
  end: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const start = address - (address % size);
  return { start, end: start + size - 1, prefix };
}

export const overlaps = (a: Cidr, b: Cidr): boolean => a.start <= b.end && b.start <= a.end;

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c) as Cidr);

/** Inside 10/8, 172.16/12 or 192.168/16, as TKE requires for container and service networks. */
export const isPrivate = (cidr: Cidr): boolean =>
  PRIVATE_RANGES.some((range) => cidr.start >= range.start && cidr.end <= range.end);

/** The n-th usable address of a CIDR (wrapping), as dotted quad. */
export function addressIn(cidr: Cidr, n: number): string {
  const usable = Math.max(1, cidr.end - cidr.start - 3);
  const address = cidr.start + 2 + (n % usable);
  return [24, 16, 8, 0].map((shift) => String(Math.floor(address / 2 ** shift) % 256)).join('.');
}
