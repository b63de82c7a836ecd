/**
 * @module dns/dns-packet
 * Types for the parts of the `dns-packet` npm package (5.x, plain JavaScript) that cluster DNS
 * uses: whole-message encode/decode, the header flag bits and the record shapes we build.
 */
declare module 'dns-packet' {
  export interface Question { name: string; type: string; class?: string }
  export interface Answer {
    name: string; type: string; class?: string; ttl?: number; data?: any; flush?: boolean;
    /** OPT pseudo-record fields (EDNS). */
    udpPayloadSize?: number; extendedRcode?: number; ednsVersion?: number; flags?: number; options?: any[];
  }
  export interface Packet {
    id?: number; type?: 'query' | 'response'; flags?: number;
    opcode?: string; rcode?: string;
    flag_qr?: boolean; flag_aa?: boolean; flag_tc?: boolean; flag_rd?: boolean; flag_ra?: boolean; flag_cd?: boolean; flag_ad?: boolean;
    questions?: Question[]; answers?: Answer[]; authorities?: Answer[]; additionals?: Answer[];
  }
  export function encode(p: Packet, buf?: Buffer, offset?: number): Buffer;
  export function decode(buf: Buffer, offset?: number): Packet;
  export function encodingLength(p: Packet): number;
  export function streamEncode(p: Packet): Buffer;
  export function streamDecode(buf: Buffer): Packet | null;
  export const AUTHORITATIVE_ANSWER: number;
  export const TRUNCATED_RESPONSE: number;
  export const RECURSION_DESIRED: number;
  export const RECURSION_AVAILABLE: number;
  export const AUTHENTIC_DATA: number;
  export const CHECKING_DISABLED: number;
  export const DNSSEC_OK: number;
  const _default: {
    encode: typeof encode; decode: typeof decode; encodingLength: typeof encodingLength;
    streamEncode: typeof streamEncode; streamDecode: typeof streamDecode;
    AUTHORITATIVE_ANSWER: number; TRUNCATED_RESPONSE: number; RECURSION_DESIRED: number; RECURSION_AVAILABLE: number;
    AUTHENTIC_DATA: number; CHECKING_DISABLED: number; DNSSEC_OK: number;
  };
  export default _default;
}
