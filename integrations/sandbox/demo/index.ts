export { DEFAULT_DEMO_COMPANIES, type DemoCompanySpec, PAYING_HABITS, type SeedDemoOptions, seedDemo } from './generate';
export { hashSeed, Rng } from './prng';
