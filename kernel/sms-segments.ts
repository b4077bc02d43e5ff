/**
 * How many SMS segments a text takes (pure). GSM 03.38 text: 160 characters in one segment, 153
 * a segment beyond (the extension characters ^{}\[~]|€ count two); anything outside it sends the
 * whole message as UCS-2: 70 in one, 67 a segment beyond. A step's text over two segments is
 * warned about in the editor (cost and carriers' concatenation limits).
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const BASIC = new Set([...GSM_BASIC]);
const EXTENDED = new Set([...GSM_EXTENDED]);

export interface SegmentCount {
  encoding: 'gsm' | 'ucs2';
  /** Characters as the network counts them (GSM: an extension character is two; UCS-2: UTF-16 units). */
  units: number;
  segments: number;
}

export const SMS_SEGMENT_WARNING = 2;

export function countSegments(text: string): SegmentCount {
  let units = 0;
  let gsm = true;
  for (const ch of text) {
    if (BASIC.has(ch)) units += 1;
    else if (EXTENDED.has(ch)) units += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (!gsm) {
    const u = text.length;
    return { encoding: 'ucs2', units: u, segments: u === 0 ? 0 : u <= 70 ? 1 : Math.ceil(u / 67) };
  }
  return { encoding: 'gsm', units, segments: units === 0 ? 0 : units <= 160 ? 1 : Math.ceil(units / 153) };
}
