/**
 * A sensible default time zone for a ledger that does not report one (QuickBooks'
 * CompanyInfo has a country and a state/province, no zone). The user can change it in
 * Settings; nightly runs, "today" and quiet hours follow it.
 */
import { isTimeZone } from '../../kernel/dates';

const BY_COUNTRY: Record<string, string> = {
  US: 'America/New_York',
  CA: 'America/Toronto',
  GB: 'Europe/London',
  UK: 'Europe/London',
  IE: 'Europe/Dublin',
  AU: 'Australia/Sydney',
  NZ: 'Pacific/Auckland',
  ZA: 'Africa/Johannesburg',
  IN: 'Asia/Kolkata',
  SG: 'Asia/Singapore',
  HK: 'Asia/Hong_Kong',
  MY: 'Asia/Kuala_Lumpur',
  PH: 'Asia/Manila',
  AE: 'Asia/Dubai',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  ES: 'Europe/Madrid',
  IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam',
  BR: 'America/Sao_Paulo',
  MX: 'America/Mexico_City',
};

/** US states and Canadian provinces whose zone differs from the country default. */
const BY_REGION: Record<string, Record<string, string>> = {
  US: {
    CA: 'America/Los_Angeles', WA: 'America/Los_Angeles', OR: 'America/Los_Angeles', NV: 'America/Los_Angeles',
    AZ: 'America/Phoenix', CO: 'America/Denver', UT: 'America/Denver', NM: 'America/Denver', MT: 'America/Denver', WY: 'America/Denver', ID: 'America/Boise',
    TX: 'America/Chicago', IL: 'America/Chicago', MN: 'America/Chicago', WI: 'America/Chicago', MO: 'America/Chicago', IA: 'America/Chicago', LA: 'America/Chicago',
    OK: 'America/Chicago', KS: 'America/Chicago', NE: 'America/Chicago', AR: 'America/Chicago', MS: 'America/Chicago', AL: 'America/Chicago', TN: 'America/Chicago',
    ND: 'America/Chicago', SD: 'America/Chicago', AK: 'America/Anchorage', HI: 'Pacific/Honolulu',
  },
  CA: {
    BC: 'America/Vancouver', AB: 'America/Edmonton', SK: 'America/Regina', MB: 'America/Winnipeg', NS: 'America/Halifax', NB: 'America/Moncton',
    NL: 'America/St_Johns', PE: 'America/Halifax', YT: 'America/Whitehorse', NT: 'America/Yellowknife', QC: 'America/Toronto', ON: 'America/Toronto',
  },
  AU: { WA: 'Australia/Perth', SA: 'Australia/Adelaide', NT: 'Australia/Darwin', QLD: 'Australia/Brisbane', VIC: 'Australia/Melbourne', TAS: 'Australia/Hobart', ACT: 'Australia/Sydney', NSW: 'Australia/Sydney' },
};

export function defaultTimezone(countryCode: string | null | undefined, region?: string | null): string {
  const country = (countryCode ?? '').trim().toUpperCase();
  const byRegion = region ? BY_REGION[country]?.[region.trim().toUpperCase()] : undefined;
  return byRegion ?? BY_COUNTRY[country] ?? 'UTC';
}

/** The ledger's zone when it is a valid IANA name, else the country's default. */
export function organisationTimezone(reported: string | null | undefined, countryCode: string | null | undefined): string {
  return reported && isTimeZone(reported) ? reported : defaultTimezone(countryCode);
}
