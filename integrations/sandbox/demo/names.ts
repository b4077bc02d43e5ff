/**
 * Word lists for demo customers. Email domains use the reserved `.example` TLD and phone
 * numbers come from ranges set aside for fiction, so seeded data can never reach a real person.
 */
import type { SbAddress } from '../model';
import type { Rng } from './prng';

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Amelia', 'Noah', 'Isla', 'Oliver', 'Ava', 'Jack', 'Mia', 'Leo', 'Grace', 'Arjun', 'Sofia', 'Mateo',
  'Chloe', 'Hiroshi', 'Aroha', 'Wiremu', 'Priya', 'Daniel', 'Fatima', 'Samuel', 'Zara', 'Ethan', 'Lucy', 'Kofi', 'Hannah',
  'Tomás', 'Ruby', 'Finn', 'Maya', 'Oscar', 'Ella', 'Henry', 'Layla', 'Lucas', 'Nora', 'Elijah', 'Ivy', 'James', 'Mei',
  'Benjamin', 'Aisha', 'George', 'Sienna', 'Theo', 'Harriet', 'Caleb', 'Freya', 'Rohan', 'Eleanor', 'Mason', 'Tane',
] as const;

export const LAST_NAMES = [
  'Smith', 'Patel', 'Williams', 'Nguyen', 'Brown', 'Taylor', 'Wilson', 'Ngata', 'Campbell', 'Singh', 'Anderson', 'Thomas',
  'Walker', 'Chen', 'Harris', 'Martin', 'Robinson', 'Clarke', 'Kaur', 'Lewis', 'Young', 'Hughes', 'Edwards', 'Tanaka',
  'Okafor', 'Murphy', "O'Brien", 'García', 'Rossi', 'Kowalski', 'Müller', 'Fraser', 'MacLeod', 'Henare', 'Dubois', 'Kim',
  'Lopez', 'Walsh', 'Bennett', 'Hall', 'Wright', 'Green', 'Baker', 'Adams', 'Mitchell', 'Turner', 'Parker', 'Cooper',
] as const;

const PLACE_WORDS = [
  'Harbour', 'Riverside', 'Summit', 'Oakwood', 'Cedar', 'Granite', 'Northgate', 'Westfield', 'Bluebell', 'Kingsway',
  'Pacific', 'Silverfern', 'Kauri', 'Totara', 'Sequoia', 'Maplewood', 'Lakeshore', 'Birchwood', 'Highland', 'Meridian',
  'Coastal', 'Evergreen', 'Ironbark', 'Sunrise', 'Baywater', 'Foxglove', 'Ashford', 'Brightwater', 'Copperleaf', 'Driftwood',
  'Elmstead', 'Fairview', 'Glenmore', 'Hillcrest', 'Juniper', 'Larkspur', 'Millbrook', 'Northshore', 'Parkside', 'Quayside',
  'Redcliff', 'Stonebridge', 'Thornbury', 'Union', 'Valley', 'Wattle', 'Yarrow', 'Zenith', 'Orchard', 'Pinecrest',
] as const;

export interface Industry {
  nouns: readonly string[];
  items: readonly { code: string; description: string; min: number; max: number; unit?: 'hours' }[];
}

export const INDUSTRIES: Record<string, Industry> = {
  joinery: {
    nouns: ['Builders', 'Developments', 'Property Group', 'Interiors', 'Architects', 'Homes', 'Estates', 'Construction', 'Lettings', 'Design Studio', 'Hotel', 'Dental Practice', 'Coffee House'],
    items: [
      { code: 'KIT-FIT', description: 'Bespoke kitchen units — supply and fit', min: 180_000, max: 950_000 },
      { code: 'STAIR', description: 'Oak staircase with glass balustrade', min: 250_000, max: 780_000 },
      { code: 'WARD', description: 'Fitted wardrobes', min: 90_000, max: 320_000 },
      { code: 'DOOR', description: 'Internal doors hung (per door)', min: 18_000, max: 42_000 },
      { code: 'SASH', description: 'Sash window restoration', min: 35_000, max: 120_000 },
      { code: 'LAB', description: 'Joiner labour', min: 3_800, max: 5_500, unit: 'hours' },
      { code: 'MAT', description: 'Timber and materials', min: 4_000, max: 160_000 },
    ],
  },
  plumbing: {
    nouns: ['Builders', 'Property Management', 'Cafe', 'Motors', 'Homes', 'Holdings', 'Body Corporate', 'Medical Centre', 'Rentals', 'Kindergarten', 'Brewery', 'Motel'],
    items: [
      { code: 'CALL', description: 'Call-out fee', min: 8_500, max: 14_500 },
      { code: 'LAB', description: 'Plumber labour', min: 9_500, max: 13_500, unit: 'hours' },
      { code: 'HWC', description: 'Hot water cylinder replacement', min: 180_000, max: 420_000 },
      { code: 'DRAIN', description: 'Drain unblocking and CCTV inspection', min: 22_000, max: 68_000 },
      { code: 'GAS', description: 'Gas fitting and certification', min: 25_000, max: 110_000 },
      { code: 'PARTS', description: 'Fittings and parts', min: 1_500, max: 45_000 },
    ],
  },
  dental: {
    nouns: ['Insurance Services', 'Health Plan', 'Family Trust', 'Benefits Administrators', 'School District', 'Employers Group', 'Medical Group', 'Care Network'],
    items: [
      { code: 'D0120', description: 'Periodic oral evaluation', min: 6_500, max: 11_000 },
      { code: 'D1110', description: 'Prophylaxis — adult', min: 9_500, max: 16_000 },
      { code: 'D2740', description: 'Crown — porcelain/ceramic', min: 95_000, max: 160_000 },
      { code: 'D3330', description: 'Endodontic therapy, molar', min: 110_000, max: 180_000 },
      { code: 'D8080', description: 'Comprehensive orthodontic treatment', min: 250_000, max: 650_000 },
      { code: 'D0330', description: 'Panoramic radiographic image', min: 9_000, max: 15_000 },
    ],
  },
  bakery: {
    nouns: ['Cafe', 'Coffee Roasters', 'Grocer', 'Deli', 'Bistro', 'Catering', 'Market', 'Hotel', 'Restaurant', 'Tea Room', 'Food Co-op', 'Events'],
    items: [
      { code: 'SOUR', description: 'Sourdough loaves (case of 12)', min: 4_800, max: 7_200 },
      { code: 'CROI', description: 'Butter croissants (tray of 24)', min: 3_600, max: 5_400 },
      { code: 'CAKE', description: 'Celebration cake', min: 6_500, max: 28_000 },
      { code: 'BAGEL', description: 'Montreal-style bagels (dozen)', min: 1_400, max: 2_200 },
      { code: 'CATER', description: 'Catering platter', min: 9_000, max: 42_000 },
      { code: 'DELIV', description: 'Delivery', min: 1_500, max: 3_500 },
    ],
  },
};

export interface Locale {
  suffixes: readonly string[];
  cities: readonly { city: string; region: string; postal: () => string }[];
  streets: readonly string[];
  phone: (rng: Rng) => string;
  domain: string;
}

export function locale(countryCode: string, rng: Rng): Locale {
  const d = (n: number) => rng.digits(n);
  switch (countryCode) {
    case 'GB':
      return {
        suffixes: ['Ltd', 'Ltd', 'Limited', 'LLP', '', '& Co'],
        cities: [
          { city: 'London', region: 'Greater London', postal: () => `SE1 ${rng.int(1, 9)}${rng.pick(['AB', 'JD', 'QT', 'XZ'])}` },
          { city: 'Bristol', region: 'Bristol', postal: () => `BS${rng.int(1, 16)} ${rng.int(1, 9)}RT` },
          { city: 'Brighton', region: 'East Sussex', postal: () => `BN${rng.int(1, 3)} ${rng.int(1, 9)}HQ` },
          { city: 'Oxford', region: 'Oxfordshire', postal: () => `OX${rng.int(1, 4)} ${rng.int(1, 9)}EF` },
        ],
        streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Mill Lane', 'Queen Street', 'The Green'],
        phone: (r) => `+44 20 7946 0${String(r.int(0, 999)).padStart(3, '0')}`,
        domain: 'co.uk.example',
      };
    case 'NZ':
      return {
        suffixes: ['Ltd', 'Limited', 'Ltd', '', 'Trust'],
        cities: [
          { city: 'Auckland', region: 'Auckland', postal: () => `10${d(2)}` },
          { city: 'Wellington', region: 'Wellington', postal: () => `60${d(2)}` },
          { city: 'Christchurch', region: 'Canterbury', postal: () => `80${d(2)}` },
          { city: 'Hamilton', region: 'Waikato', postal: () => `32${d(2)}` },
        ],
        streets: ['Queen Street', 'Ponsonby Road', 'Dominion Road', 'Lambton Quay', 'Colombo Street', 'Victoria Street'],
        phone: (r) => `+64 9 555 ${String(r.int(0, 9999)).padStart(4, '0')}`,
        domain: 'co.nz.example',
      };
    case 'CA':
      return {
        suffixes: ['Inc.', 'Ltd.', '', 'Corp.'],
        cities: [
          { city: 'Toronto', region: 'ON', postal: () => `M${rng.int(1, 9)}${rng.pick(['A', 'B', 'C', 'E', 'G'])} ${rng.int(1, 9)}${rng.pick(['K', 'L', 'N', 'P'])}${rng.int(1, 9)}` },
          { city: 'Mississauga', region: 'ON', postal: () => `L5${rng.pick(['A', 'B', 'M'])} ${rng.int(1, 9)}T${rng.int(1, 9)}` },
          { city: 'Hamilton', region: 'ON', postal: () => `L8${rng.pick(['L', 'N', 'P'])} ${rng.int(1, 9)}W${rng.int(1, 9)}` },
        ],
        streets: ['Queen St W', 'King St E', 'Yonge St', 'Dundas St W', 'Bloor St W', 'Spadina Ave'],
        phone: (r) => `+1 416 555 01${String(r.int(0, 99)).padStart(2, '0')}`,
        domain: 'ca.example',
      };
    default:
      return {
        suffixes: ['LLC', 'Inc.', '', 'Corp.', 'LLP'],
        cities: [
          { city: 'Los Angeles', region: 'CA', postal: () => `900${d(2)}` },
          { city: 'Pasadena', region: 'CA', postal: () => `911${d(2)}` },
          { city: 'Santa Monica', region: 'CA', postal: () => `904${d(2)}` },
          { city: 'Long Beach', region: 'CA', postal: () => `908${d(2)}` },
        ],
        streets: ['Main Street', 'Sunset Blvd', 'Wilshire Blvd', 'Ocean Avenue', 'Colorado Blvd', 'Pine Avenue'],
        phone: (r) => `+1 310 555 01${String(r.int(0, 99)).padStart(2, '0')}`,
        domain: 'example',
      };
  }
}

export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 24);
}

export function businessName(rng: Rng, industry: Industry, loc: Locale): string {
  const first = rng.chance(0.55) ? rng.pick(PLACE_WORDS) : rng.chance(0.5) ? rng.pick(LAST_NAMES) : `${rng.pick(LAST_NAMES)} & ${rng.pick(LAST_NAMES)}`;
  const suffix = rng.pick(loc.suffixes);
  return `${first} ${rng.pick(industry.nouns)}${suffix ? ` ${suffix}` : ''}`;
}

export function address(rng: Rng, loc: Locale, country: string): SbAddress {
  const c = rng.pick(loc.cities);
  return { line1: `${rng.int(1, 240)} ${rng.pick(loc.streets)}`, city: c.city, region: c.region, postalCode: c.postal(), country };
}
