//! Firmographics: one account's industry, size, revenue, tier and regulation,
//! and its row in `accounts.csv`.

use crate::rng::Rng;
use crate::sink::{push_u64, push_u64_padded};

/// One industry: how common it is, how often its companies are regulated,
/// its median revenue per employee, and whether the `enterprise` model's
/// ICP list names it.
struct IndustrySpec {
    name: &'static str,
    weight: u32,
    regulated_ppm: u32,
    revenue_per_employee: f64,
    icp: bool,
}

const fn industry(
    name: &'static str,
    weight: u32,
    regulated_ppm: u32,
    revenue_per_employee: f64,
    icp: bool,
) -> IndustrySpec {
    IndustrySpec {
        name,
        weight,
        regulated_ppm,
        revenue_per_employee,
        icp,
    }
}

const INDUSTRIES: [IndustrySpec; 11] = [
    industry("software", 160, 30_000, 260_000.0, true),
    industry("fintech", 120, 970_000, 320_000.0, true),
    industry("healthcare", 110, 960_000, 190_000.0, true),
    industry("cybersecurity", 90, 50_000, 240_000.0, true),
    industry("education", 80, 100_000, 120_000.0, false),
    industry("retail", 100, 40_000, 210_000.0, false),
    industry("manufacturing", 110, 80_000, 240_000.0, false),
    industry("media", 60, 20_000, 220_000.0, false),
    industry("logistics", 60, 120_000, 190_000.0, false),
    industry("telecom", 50, 400_000, 300_000.0, false),
    industry("energy", 40, 450_000, 420_000.0, false),
];

fn industry_weights() -> [u32; INDUSTRIES.len()] {
    let mut w = [0; INDUSTRIES.len()];
    for (slot, spec) in w.iter_mut().zip(INDUSTRIES.iter()) {
        *slot = spec.weight;
    }
    w
}

/// Median head count and its log-scale spread: most accounts are small or
/// mid-sized, a long tail are large enterprises.
const EMPLOYEES_MEDIAN: f64 = 320.0;
const EMPLOYEES_SIGMA: f64 = 1.35;
const EMPLOYEES_MAX: f64 = 400_000.0;
/// Spread of revenue per employee around the industry's median.
const REVENUE_SIGMA: f64 = 0.4;
/// Missing values, parts per million of accounts.
const MISSING_EMPLOYEES_PPM: u32 = 5_000;
const MISSING_REVENUE_PPM: u32 = 5_000;
const MISSING_DOMAIN_PPM: u32 = 3_000;

/// One generated account. `employees` and `revenue` are the true values;
/// the `*_shown` flags say whether the export carries them.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub index: u64,
    industry: usize,
    pub employees: u64,
    pub revenue: u64,
    pub tier: u8,
    pub regulated: bool,
    pub employees_shown: bool,
    pub revenue_shown: bool,
    pub has_domain: bool,
}

impl Account {
    pub(crate) fn draw(rng: &mut Rng, index: u64) -> Account {
        let industry = rng.weighted(&industry_weights());
        let spec = &INDUSTRIES[industry];
        let employees = rng
            .log_normal(EMPLOYEES_MEDIAN, EMPLOYEES_SIGMA)
            .round()
            .clamp(1.0, EMPLOYEES_MAX) as u64;
        let per_employee = rng.log_normal(spec.revenue_per_employee, REVENUE_SIGMA);
        let revenue = (employees as f64 * per_employee).round().max(10_000.0) as u64;
        // Bigger companies are more often named (tier 1) accounts.
        let (tier1_ppm, tier2_ppm) = match employees {
            0..=999 => (110_000, 250_000),
            1000..=4999 => (250_000, 350_000),
            _ => (550_000, 300_000),
        };
        let t = rng.below(1_000_000);
        let tier = if t < tier1_ppm {
            1
        } else if t < tier1_ppm + tier2_ppm {
            2
        } else {
            3
        };
        let regulated = rng.chance(spec.regulated_ppm);
        let employees_shown = !rng.chance(MISSING_EMPLOYEES_PPM);
        let revenue_shown = !rng.chance(MISSING_REVENUE_PPM);
        let has_domain = !rng.chance(MISSING_DOMAIN_PPM);
        Account {
            index,
            industry,
            employees,
            revenue,
            tier,
            regulated,
            employees_shown,
            revenue_shown,
            has_domain,
        }
    }

    pub(crate) fn industry_name(&self) -> &'static str {
        INDUSTRIES[self.industry].name
    }

    /// Whether the account matches the `enterprise` model's ideal customer
    /// profile (size 200–5000 and an ICP industry). Marketing targets these
    /// accounts, so they engage somewhat more.
    pub(crate) fn is_icp(&self) -> bool {
        INDUSTRIES[self.industry].icp && (200..=5000).contains(&self.employees)
    }
}

/// Appends `acc-SEED-NNNNN`.
pub(crate) fn push_account_id(buf: &mut Vec<u8>, seed: u64, index: u64) {
    buf.extend_from_slice(b"acc-");
    push_u64(buf, seed);
    buf.push(b'-');
    push_u64_padded(buf, index, 5);
}

/// Appends `companySEEDxN.example`.
pub(crate) fn push_domain(buf: &mut Vec<u8>, seed: u64, index: u64) {
    buf.extend_from_slice(b"company");
    push_u64(buf, seed);
    buf.push(b'x');
    push_u64(buf, index);
    buf.extend_from_slice(b".example");
}

/// Appends the `accounts.csv` row (without the line end):
/// `id,domain,name,industry,employees,revenue,tier,regulated`.
pub(crate) fn push_account_row(buf: &mut Vec<u8>, seed: u64, id: &[u8], a: &Account) {
    buf.extend_from_slice(id);
    buf.push(b',');
    if a.has_domain {
        push_domain(buf, seed, a.index);
    }
    buf.extend_from_slice(b",Company ");
    push_u64(buf, a.index);
    buf.push(b',');
    buf.extend_from_slice(a.industry_name().as_bytes());
    buf.push(b',');
    if a.employees_shown {
        push_u64(buf, a.employees);
    }
    buf.push(b',');
    if a.revenue_shown {
        push_u64(buf, a.revenue);
    }
    buf.push(b',');
    push_u64(buf, u64::from(a.tier));
    buf.extend_from_slice(if a.regulated { b",true" } else { b",false" });
}
