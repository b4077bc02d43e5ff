/**
 * Xero names an organisation's time zone the Windows way, upper-cased without spaces
 * ("NEWZEALANDSTANDARDTIME"). The sandbox keeps IANA zones; this table maps them both ways so a
 * client can resolve what Xero sends back to an IANA zone. Every value is in the spec's
 * TimeZone enum (checked by a test).
 */

/** IANA zone → Xero (Windows) time zone name. */
export const IANA_TO_XERO_TIMEZONE: Readonly<Record<string, string>> = {
  'Pacific/Auckland': 'NEWZEALANDSTANDARDTIME',
  'Pacific/Chatham': 'CHATHAMISLANDSSTANDARDTIME',
  'Pacific/Fiji': 'FIJISTANDARDTIME',
  'Pacific/Honolulu': 'HAWAIIANSTANDARDTIME',
  'Australia/Sydney': 'AUSEASTERNSTANDARDTIME',
  'Australia/Melbourne': 'AUSEASTERNSTANDARDTIME',
  'Australia/Brisbane': 'EAUSTRALIASTANDARDTIME',
  'Australia/Adelaide': 'CENAUSTRALIASTANDARDTIME',
  'Australia/Darwin': 'AUSCENTRALSTANDARDTIME',
  'Australia/Perth': 'WAUSTRALIASTANDARDTIME',
  'Australia/Hobart': 'TASMANIASTANDARDTIME',
  'Europe/London': 'GMTSTANDARDTIME',
  'Europe/Dublin': 'GMTSTANDARDTIME',
  'Europe/Lisbon': 'GMTSTANDARDTIME',
  'Europe/Paris': 'ROMANCESTANDARDTIME',
  'Europe/Brussels': 'ROMANCESTANDARDTIME',
  'Europe/Madrid': 'ROMANCESTANDARDTIME',
  'Europe/Berlin': 'WEUROPESTANDARDTIME',
  'Europe/Amsterdam': 'WEUROPESTANDARDTIME',
  'Europe/Rome': 'WEUROPESTANDARDTIME',
  'Europe/Zurich': 'WEUROPESTANDARDTIME',
  'Europe/Stockholm': 'WEUROPESTANDARDTIME',
  'Europe/Warsaw': 'CENTRALEUROPEANSTANDARDTIME',
  'Europe/Athens': 'GTBSTANDARDTIME',
  'Europe/Helsinki': 'FLESTANDARDTIME',
  'Africa/Johannesburg': 'SOUTHAFRICASTANDARDTIME',
  'Africa/Nairobi': 'EAFRICASTANDARDTIME',
  'Asia/Dubai': 'ARABIANSTANDARDTIME',
  'Asia/Kolkata': 'INDIASTANDARDTIME',
  'Asia/Singapore': 'SINGAPORESTANDARDTIME',
  'Asia/Kuala_Lumpur': 'SINGAPORESTANDARDTIME',
  'Asia/Hong_Kong': 'CHINASTANDARDTIME',
  'Asia/Shanghai': 'CHINASTANDARDTIME',
  'Asia/Tokyo': 'TOKYOSTANDARDTIME',
  'Asia/Seoul': 'KOREASTANDARDTIME',
  'Asia/Manila': 'SINGAPORESTANDARDTIME',
  'Asia/Bangkok': 'SEASIASTANDARDTIME',
  'Asia/Jakarta': 'SEASIASTANDARDTIME',
  'America/New_York': 'EASTERNSTANDARDTIME',
  'America/Toronto': 'EASTERNSTANDARDTIME',
  'America/Detroit': 'EASTERNSTANDARDTIME',
  'America/Chicago': 'CENTRALSTANDARDTIME',
  'America/Winnipeg': 'CENTRALSTANDARDTIME',
  'America/Denver': 'MOUNTAINSTANDARDTIME',
  'America/Edmonton': 'MOUNTAINSTANDARDTIME',
  'America/Phoenix': 'USMOUNTAINSTANDARDTIME',
  'America/Los_Angeles': 'PACIFICSTANDARDTIME',
  'America/Vancouver': 'PACIFICSTANDARDTIME',
  'America/Anchorage': 'ALASKANSTANDARDTIME',
  'America/Halifax': 'ATLANTICSTANDARDTIME',
  'America/St_Johns': 'NEWFOUNDLANDSTANDARDTIME',
  'America/Mexico_City': 'CENTRALSTANDARDTIME(MEXICO)',
  'America/Sao_Paulo': 'ESOUTHAMERICASTANDARDTIME',
  'America/Argentina/Buenos_Aires': 'ARGENTINASTANDARDTIME',
  UTC: 'UTC',
  'Etc/UTC': 'UTC',
};

/** Xero (Windows) name → the canonical IANA zone (the first listed above for that name). */
export const XERO_TO_IANA_TIMEZONE: Readonly<Record<string, string>> = (() => {
  const out: Record<string, string> = {};
  for (const [iana, xero] of Object.entries(IANA_TO_XERO_TIMEZONE)) if (!(xero in out)) out[xero] = iana;
  return out;
})();

/** The Xero name for an IANA zone; zones outside the table fall back to UTC. */
export function xeroTimezone(iana: string): string {
  return IANA_TO_XERO_TIMEZONE[iana] ?? 'UTC';
}

/** The IANA zone for a Xero time zone name, or null when it is not in the table. */
export function ianaTimezone(xero: string): string | null {
  return XERO_TO_IANA_TIMEZONE[xero.toUpperCase()] ?? null;
}
