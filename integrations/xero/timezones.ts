/**
 * Xero names an organisation's zone the Windows way, upper-cased without spaces
 * ("NEWZEALANDSTANDARDTIME"). The IANA zone Arcus keeps is the usual one for that name; one
 * Windows name covers several IANA zones, so the user can refine it in Settings. Unknown names
 * give '' and the caller falls back to the country's default.
 */
const XERO_TO_IANA: Readonly<Record<string, string>> = {
  NEWZEALANDSTANDARDTIME: 'Pacific/Auckland',
  CHATHAMISLANDSSTANDARDTIME: 'Pacific/Chatham',
  FIJISTANDARDTIME: 'Pacific/Fiji',
  HAWAIIANSTANDARDTIME: 'Pacific/Honolulu',
  AUSEASTERNSTANDARDTIME: 'Australia/Sydney',
  EAUSTRALIASTANDARDTIME: 'Australia/Brisbane',
  CENAUSTRALIASTANDARDTIME: 'Australia/Adelaide',
  AUSCENTRALSTANDARDTIME: 'Australia/Darwin',
  WAUSTRALIASTANDARDTIME: 'Australia/Perth',
  TASMANIASTANDARDTIME: 'Australia/Hobart',
  GMTSTANDARDTIME: 'Europe/London',
  GREENWICHSTANDARDTIME: 'Atlantic/Reykjavik',
  ROMANCESTANDARDTIME: 'Europe/Paris',
  WEUROPESTANDARDTIME: 'Europe/Berlin',
  CENTRALEUROPEANSTANDARDTIME: 'Europe/Warsaw',
  CENTRALEUROPESTANDARDTIME: 'Europe/Budapest',
  GTBSTANDARDTIME: 'Europe/Athens',
  FLESTANDARDTIME: 'Europe/Helsinki',
  SOUTHAFRICASTANDARDTIME: 'Africa/Johannesburg',
  EAFRICASTANDARDTIME: 'Africa/Nairobi',
  ARABIANSTANDARDTIME: 'Asia/Dubai',
  INDIASTANDARDTIME: 'Asia/Kolkata',
  SINGAPORESTANDARDTIME: 'Asia/Singapore',
  CHINASTANDARDTIME: 'Asia/Shanghai',
  TOKYOSTANDARDTIME: 'Asia/Tokyo',
  KOREASTANDARDTIME: 'Asia/Seoul',
  SEASIASTANDARDTIME: 'Asia/Bangkok',
  EASTERNSTANDARDTIME: 'America/New_York',
  CENTRALSTANDARDTIME: 'America/Chicago',
  MOUNTAINSTANDARDTIME: 'America/Denver',
  USMOUNTAINSTANDARDTIME: 'America/Phoenix',
  PACIFICSTANDARDTIME: 'America/Los_Angeles',
  ALASKANSTANDARDTIME: 'America/Anchorage',
  ATLANTICSTANDARDTIME: 'America/Halifax',
  NEWFOUNDLANDSTANDARDTIME: 'America/St_Johns',
  'CENTRALSTANDARDTIME(MEXICO)': 'America/Mexico_City',
  ESOUTHAMERICASTANDARDTIME: 'America/Sao_Paulo',
  ARGENTINASTANDARDTIME: 'America/Argentina/Buenos_Aires',
  UTC: 'UTC',
};

export function ianaFromXero(name: string): string {
  return XERO_TO_IANA[name.trim().toUpperCase()] ?? '';
}
