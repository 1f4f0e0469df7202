/** Word lists the synthetic world is built from: people, companies, places, job titles. */

function words(text: string): readonly string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

export const FIRST_NAMES = words(`
  James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
  Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra
  Mark Ashley Donald Kimberly Steven Emily Andrew Donna Paul Michelle Joshua Carol Kenneth Amanda
  Kevin Melissa Brian Deborah Timothy Stephanie Ronald Rebecca Jason Laura George Sharon Edward
  Cynthia Jeffrey Kathleen Ryan Amy Jacob Angela Nicholas Shirley Gary Brenda Eric Emma Jonathan Anna
  Priya Wei Aisha Mateo Sofia Lukas Ingrid Kenji Yuki Omar Fatima Diego Camila Noah Olivia Liam Ava
  Arjun Chloe Hugo Elena Marco Freya Tariq Zara Nikolai Leila Mei Ravi Astrid
`);

export const LAST_NAMES = words(`
  Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
  Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
  Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
  Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Chen Kim Singh Müller Schmidt Rossi
  Dubois Jensen Larsen Novak Kowalski Tanaka Sato Haddad Okafor Mensah Silva Costa Fischer Weber Meyer
  Wagner Becker Hoffmann Murphy O'Brien Kelly Walsh Byrne Cohen Levi Ivanova Petrov Yilmaz Demir Khan
  Ali Gupta Sharma Andersson Nilsson Berg Lindqvist Moreau Laurent Fournier Romano Ricci Bauer
`);

// Company names are two words from these lists, so 120 × 115 names exist before a number is appended.
export const COMPANY_FIRST = words(`
  Acme Globex Initech Umbrella Stark Wayne Tyrell Cyberdyne Soylent Vandelay Blue Red Green Silver
  Golden Iron Crystal Quantum Nimbus Apex Summit Pioneer Atlas Orion Nova Stellar Polar Coastal
  Northern Southern Eastern Western Pacific Atlantic Prairie Harbor River Lake Mountain Canyon Falcon
  Eagle Hawk Raven Fox Wolf Bear Lion Tiger Otter Bright Clear Swift Bold True Prime Core Vertex
  Zenith Vector Cobalt Copper Granite Marble Cedar Maple Oak Willow Aspen Birch Helix Fusion Pulse
  Signal Beacon Lantern Compass Anchor Harvest Meadow Velvet Amber Indigo Scarlet Onyx Jade Ruby
  Sapphire Opal Topaz Kinetic Lumen Arcadia Elysian Horizon Meridian Solstice Equinox Tidal Boreal
  Urban Metro Civic Global United Allied Keystone Cornerstone Bedrock Sterling Crescent Trident
  Pinnacle Vanguard Sentinel Paragon Catalyst Momentum Ember Frost
`);

export const COMPANY_SECOND = words(`
  Systems Labs Dynamics Networks Logistics Health Analytics Robotics Energy Foods Financial Capital
  Insurance Media Studios Software Cloud Data Security Devices Manufacturing Industries Materials
  Chemicals Pharma Biotech Genomics Medical Clinics Retail Brands Apparel Outdoors Motors Aerospace
  Marine Freight Shipping Transit Telecom Wireless Fiber Semiconductor Photonics Optics Instruments
  Controls Automation Consulting Partners Group Holdings Ventures Works Collective Company Corp Co
  Learning Education Academy Travel Hospitality Hotels Realty Properties Construction Engineering
  Architecture Design Creative Marketing Commerce Payments Lending Bank Mutual Trust Wealth Advisors
  Legal Staffing Talent People Workforce Benefits Agritech Farms Water Utilities Power Solar Wind Grid
  Mining Metals Games Entertainment Sports Fitness Wellness Nutrition Beverages Kitchens Home Pets
  Toys Supply Distribution Wholesale Trading Exports Imports Solutions Technologies
`);

export const TLDS = ['com', 'com', 'com', 'io', 'co', 'ai', 'net', 'tech'];

export const FREE_MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'hotmail.com', 'icloud.com'];

export const INDUSTRIES = [
  'Software',
  'Financial Services',
  'Healthcare',
  'Manufacturing',
  'Retail',
  'Logistics',
  'Education',
  'Media',
  'Telecommunications',
  'Energy',
  'Real Estate',
  'Professional Services',
  'Insurance',
  'Hospitality',
];

export interface Place {
  city: string;
  country: string;
  currency: string;
  region: string;
  phonePrefix: string;
}

export const PLACES: readonly Place[] = [
  { city: 'New York', country: 'United States', currency: 'USD', region: 'NA East', phonePrefix: '+1 212' },
  {
    city: 'San Francisco',
    country: 'United States',
    currency: 'USD',
    region: 'NA West',
    phonePrefix: '+1 415',
  },
  { city: 'Austin', country: 'United States', currency: 'USD', region: 'NA Central', phonePrefix: '+1 512' },
  { city: 'Chicago', country: 'United States', currency: 'USD', region: 'NA Central', phonePrefix: '+1 312' },
  { city: 'Boston', country: 'United States', currency: 'USD', region: 'NA East', phonePrefix: '+1 617' },
  { city: 'Seattle', country: 'United States', currency: 'USD', region: 'NA West', phonePrefix: '+1 206' },
  { city: 'Toronto', country: 'Canada', currency: 'USD', region: 'NA East', phonePrefix: '+1 416' },
  { city: 'London', country: 'United Kingdom', currency: 'GBP', region: 'EMEA', phonePrefix: '+44 20' },
  { city: 'Manchester', country: 'United Kingdom', currency: 'GBP', region: 'EMEA', phonePrefix: '+44 161' },
  { city: 'Berlin', country: 'Germany', currency: 'EUR', region: 'EMEA', phonePrefix: '+49 30' },
  { city: 'Munich', country: 'Germany', currency: 'EUR', region: 'EMEA', phonePrefix: '+49 89' },
  { city: 'Paris', country: 'France', currency: 'EUR', region: 'EMEA', phonePrefix: '+33 1' },
  { city: 'Amsterdam', country: 'Netherlands', currency: 'EUR', region: 'EMEA', phonePrefix: '+31 20' },
  { city: 'Madrid', country: 'Spain', currency: 'EUR', region: 'EMEA', phonePrefix: '+34 91' },
  { city: 'Stockholm', country: 'Sweden', currency: 'EUR', region: 'EMEA', phonePrefix: '+46 8' },
  { city: 'Sydney', country: 'Australia', currency: 'USD', region: 'APAC', phonePrefix: '+61 2' },
  { city: 'Singapore', country: 'Singapore', currency: 'USD', region: 'APAC', phonePrefix: '+65' },
  { city: 'Tokyo', country: 'Japan', currency: 'USD', region: 'APAC', phonePrefix: '+81 3' },
];

export type Seniority = 'c_level' | 'vp' | 'director' | 'manager' | 'individual_contributor';

export interface JobTitle {
  title: string;
  seniority: Seniority;
  department: string;
}

export const JOB_TITLES: readonly JobTitle[] = [
  { title: 'Chief Executive Officer', seniority: 'c_level', department: 'Executive' },
  { title: 'Chief Financial Officer', seniority: 'c_level', department: 'Finance' },
  { title: 'Chief Technology Officer', seniority: 'c_level', department: 'Engineering' },
  { title: 'Chief Revenue Officer', seniority: 'c_level', department: 'Sales' },
  { title: 'VP of Sales', seniority: 'vp', department: 'Sales' },
  { title: 'VP of Engineering', seniority: 'vp', department: 'Engineering' },
  { title: 'VP of Operations', seniority: 'vp', department: 'Operations' },
  { title: 'VP of Marketing', seniority: 'vp', department: 'Marketing' },
  { title: 'Director of IT', seniority: 'director', department: 'IT' },
  { title: 'Director of Revenue Operations', seniority: 'director', department: 'Operations' },
  { title: 'Director of Procurement', seniority: 'director', department: 'Procurement' },
  { title: 'Director of Finance', seniority: 'director', department: 'Finance' },
  { title: 'Engineering Manager', seniority: 'manager', department: 'Engineering' },
  { title: 'Sales Operations Manager', seniority: 'manager', department: 'Operations' },
  { title: 'IT Manager', seniority: 'manager', department: 'IT' },
  { title: 'Procurement Manager', seniority: 'manager', department: 'Procurement' },
  { title: 'Marketing Manager', seniority: 'manager', department: 'Marketing' },
  { title: 'Senior Software Engineer', seniority: 'individual_contributor', department: 'Engineering' },
  { title: 'Data Analyst', seniority: 'individual_contributor', department: 'Operations' },
  { title: 'Solutions Architect', seniority: 'individual_contributor', department: 'IT' },
  { title: 'Account Executive', seniority: 'individual_contributor', department: 'Sales' },
  { title: 'Financial Analyst', seniority: 'individual_contributor', department: 'Finance' },
];

// Seniority mix of the people a vendor meets at a customer: few executives, many managers and ICs.
export const JOB_TITLE_WEIGHTS = JOB_TITLES.map((t) =>
  t.seniority === 'c_level' ? 1 : t.seniority === 'vp' ? 2 : t.seniority === 'director' ? 3 : 4,
);

export const DEAL_NAME_SUFFIXES = [
  'Platform',
  'Expansion',
  'Enterprise Plan',
  'Pilot',
  'Renewal',
  'Team Plan',
  'Analytics Add-on',
  'Migration',
  'Annual Subscription',
  'Multi-year',
  'Security Package',
  'Rollout Phase 2',
];

export const NEXT_STEPS = [
  'Send revised proposal',
  'Schedule technical deep dive',
  'Security review with IT',
  'Confirm budget with CFO',
  'Legal redlines due',
  'Executive sponsor call',
  'Share pilot success criteria',
  'Procurement onboarding',
  'Demo for wider team',
  'Follow up on pricing questions',
  'Mutual action plan review',
  'Reference call',
];

export const LEAD_SOURCES = ['Inbound', 'Outbound', 'Partner', 'Event', 'Referral', 'Paid Search'];

export const CONTACT_ROLES = [
  'decision_maker',
  'champion',
  'economic_buyer',
  'influencer',
  'technical_evaluator',
  'user',
];
