/**
 * An uploaded logo: PNG or JPEG only (no SVG: it can carry script), recognised by its bytes, not
 * by what the browser called it, and at most 256 KB. Pure.
 */
import { invalidField } from '../../kernel/errors';

export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function sniffImage(bytes: Buffer): LogoType | null {
  if (bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG) && bytes.subarray(12, 16).toString('latin1') === 'IHDR') return 'image/png';
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** The image's bytes and type from base64, or a field problem in words. */
export function checkLogo(base64: string): { bytes: Buffer; type: LogoType } {
  const clean = base64.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length === 0) throw invalidField('logo', 'Choose a PNG or JPEG image.');
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.length > LOGO_MAX_BYTES) throw invalidField('logo', 'The logo is larger than 256 KB: choose a smaller image.');
  const type = sniffImage(bytes);
  if (!type) throw invalidField('logo', 'Choose a PNG or JPEG image.');
  return { bytes, type };
}
