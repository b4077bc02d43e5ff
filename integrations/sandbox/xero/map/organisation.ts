/** SbCompany → Xero Organisation. */
import type { SbCompany } from '../../model';
import { msDateTimeBare } from '../dates';
import { xeroTimezone } from '../timezones';

const VERSIONS: Record<string, string> = { AU: 'AU', NZ: 'NZ', GB: 'UK', US: 'US' };
/** Financial year end (month, day) by country, as Xero sets it up for new organisations. */
const YEAR_END: Record<string, [number, number]> = { AU: [6, 30], NZ: [3, 31], GB: [3, 31], US: [12, 31] };

export function organisationOut(company: SbCompany): Record<string, unknown> {
  const [month, day] = YEAR_END[company.countryCode] ?? [12, 31];
  return {
    OrganisationID: company.id,
    Name: company.name,
    LegalName: company.legalName,
    PaysTax: true,
    Version: VERSIONS[company.countryCode] ?? 'GLOBAL',
    OrganisationType: 'COMPANY',
    BaseCurrency: company.baseCurrency,
    CountryCode: company.countryCode,
    IsDemoCompany: false,
    OrganisationStatus: 'ACTIVE',
    FinancialYearEndDay: day,
    FinancialYearEndMonth: month,
    SalesTaxBasis: 'ACCRUALS',
    SalesTaxPeriod: 'QUARTERLY',
    DefaultSalesTax: 'Tax Exclusive',
    DefaultPurchasesTax: 'Tax Exclusive',
    CreatedDateUTC: msDateTimeBare(company.createdAt),
    OrganisationEntityType: 'COMPANY',
    Timezone: xeroTimezone(company.timezone),
    ShortCode: company.shortCode,
    Edition: 'BUSINESS',
    Class: 'PREMIUM',
    LineOfBusiness: 'Professional services',
    Addresses: [],
    Phones: [],
    ExternalLinks: [],
    PaymentTerms: {},
  };
}
