import { describe, expect, it } from 'vitest';
import { cidrRange, cidrsOverlap, isPrivateCidr } from '../../src/services/cidr.js';

describe('CIDRs', () => {
  it('tells overlapping CIDRs apart from neighbours', () => {
    expect(cidrsOverlap('10.0.0.0/8', '10.244.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.244.0.0/16', '10.245.0.0/16')).toBe(false);
    expect(cidrsOverlap('192.168.240.0/20', '192.168.255.0/24')).toBe(true);
    expect(cidrsOverlap('192.168.240.0/20', '192.169.0.0/16')).toBe(false);
    expect(cidrsOverlap('not a cidr', '10.0.0.0/8')).toBe(false);
  });

  it('knows a network address from an address with host bits set', () => {
    expect(cidrRange('10.244.0.0/16')?.isNetwork).toBe(true);
    expect(cidrRange('10.244.1.0/16')?.isNetwork).toBe(false);
    expect(cidrRange('10.244.0.0/33')).toBeUndefined();
  });

  it('accepts only CIDRs wholly inside 10/8, 172.16/12 or 192.168/16 as private', () => {
    for (const cidr of ['10.244.0.0/16', '172.31.0.0/16', '192.168.240.0/20']) expect(isPrivateCidr(cidr)).toBe(true);
    for (const cidr of ['8.8.0.0/16', '172.32.0.0/16', '172.0.0.0/8', '192.169.0.0/16']) expect(isPrivateCidr(cidr)).toBe(false);
  });
});
