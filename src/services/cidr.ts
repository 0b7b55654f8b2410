/** IPv4 CIDR arithmetic shared by the wizard's rules and the cluster profile schema. */

/** The addresses a CIDR covers, as [start, end) numbers; undefined when the text is not `a.b.c.d/n`. */
export function cidrRange(text: string): { start: number; end: number; isNetwork: boolean } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(address / size) * size;
  return { start, end: start + size, isNetwork: start === address };
}

/** Whether two CIDRs share an address (one contains the other). Unparseable text overlaps nothing. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [x, y] = [cidrRange(a), cidrRange(b)];
  return x !== undefined && y !== undefined && x.start < y.end && y.start < x.end;
}

/** The private ranges (RFC 1918) TKE takes pod and service CIDRs from. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** Whether the CIDR lies wholly inside one of the private ranges. */
export function isPrivateCidr(text: string): boolean {
  const range = cidrRange(text);
  return (
    range !== undefined &&
    PRIVATE_RANGES.some((privateRange) => {
      const outer = cidrRange(privateRange);
      return outer !== undefined && outer.start <= range.start && range.end <= outer.end;
    })
  );
}
