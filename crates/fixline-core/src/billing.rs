//! What a visit costs the customer: parts and labour lines, what the warranty covers, VAT, and
//! the totals, in decimals (never floats), CNY unless the bill says otherwise.
//!
//! Prices are before tax. Parts are goods and labour a service, so each has its own VAT rate
//! (China: 13 % and 6 %). Tax is computed on each category's chargeable total and rounded once,
//! half away from zero, as invoices do.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::money::{Currency, Money};
use crate::text;
use crate::work_order::Visit;
use crate::zone::ServiceZone;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartLine {
    pub part_number: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub quantity: Decimal,
    pub unit_price: Money,
    /// Serial numbers of serial-tracked parts, one per piece.
    #[serde(default)]
    pub serials: Vec<String>,
    /// Covered by the warranty: listed on the receipt, not charged.
    #[serde(default)]
    pub under_warranty: bool,
    /// The parts list says each piece carries a serial number that must be recorded.
    #[serde(default)]
    pub serial_tracked: bool,
}

/// An entry of the parts list engineers pick from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Part {
    pub part_number: String,
    pub name: String,
    pub unit_price: Money,
    /// Each piece has a serial number the engineer records.
    #[serde(default)]
    pub serial_tracked: bool,
}

impl Part {
    pub fn validate(&self) -> Result<(), Error> {
        text::line("part_number", &self.part_number, 64)?;
        text::line("name", &self.name, text::LINE_MAX)?;
        if self.unit_price.amount < Decimal::ZERO {
            return Err(Error::invalid("unit_price", "must not be negative"));
        }
        Ok(())
    }

    /// A bill line for `quantity` of this part.
    pub fn line(&self, quantity: Decimal, serials: Vec<String>) -> PartLine {
        PartLine {
            part_number: self.part_number.clone(),
            name: self.name.clone(),
            quantity,
            unit_price: self.unit_price,
            serials,
            under_warranty: false,
            serial_tracked: self.serial_tracked,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabourLine {
    pub description: String,
    /// Billed minutes (after the labour rule's rounding).
    pub minutes: i64,
    pub hourly_rate: Money,
    #[serde(default)]
    pub under_warranty: bool,
}

/// How time on site becomes billed labour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabourRule {
    /// Billed in steps of this many minutes, rounded up.
    pub increment_minutes: i64,
    /// At least this much is billed for a visit.
    pub minimum_minutes: i64,
}

impl Default for LabourRule {
    fn default() -> Self {
        LabourRule {
            increment_minutes: 15,
            minimum_minutes: 30,
        }
    }
}

impl LabourRule {
    pub fn billed(&self, minutes: i64) -> i64 {
        let step = self.increment_minutes.max(1);
        let rounded = (minutes.max(0) + step - 1) / step * step;
        rounded.max(self.minimum_minutes)
    }
}

/// One labour line per finished visit, from its check-in and check-out times (named by the
/// local time of the check-in).
pub fn labour_from_visits(
    visits: &[Visit],
    rule: LabourRule,
    hourly_rate: Money,
    under_warranty: bool,
    zone: ServiceZone,
) -> Vec<LabourLine> {
    visits
        .iter()
        .filter_map(|v| {
            let minutes = v.minutes_on_site()?;
            Some(LabourLine {
                description: format!(
                    "Visit {} ({})",
                    v.number,
                    zone.format(v.checked_in_at, "%Y-%m-%d %H:%M")
                ),
                minutes: rule.billed(minutes),
                hourly_rate,
                under_warranty,
            })
        })
        .collect()
}

/// VAT rates by category, as fractions (0.13 = 13 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxRates {
    pub parts: Decimal,
    pub labour: Decimal,
}

impl Default for TaxRates {
    fn default() -> Self {
        TaxRates {
            parts: Decimal::new(13, 2),
            labour: Decimal::new(6, 2),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bill {
    #[serde(default)]
    pub currency: Currency,
    #[serde(default)]
    pub parts: Vec<PartLine>,
    #[serde(default)]
    pub labour: Vec<LabourLine>,
}

/// The receipt's money block. Every amount is rounded to the currency's minor unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// Chargeable parts before tax.
    pub parts: Money,
    /// Chargeable labour before tax.
    pub labour: Money,
    /// What the warranty covered (parts and labour, before tax): already left out of `parts`
    /// and `labour`, shown for the customer's information.
    pub warranty_covered: Money,
    pub tax: Money,
    /// To pay: parts + labour + tax.
    pub total: Money,
}

impl Bill {
    /// Refuses lines no receipt should carry: empty names, zero or negative quantities,
    /// negative prices, serial counts that do not match the quantity, other currencies.
    pub fn validate(&self) -> Result<(), Error> {
        for p in &self.parts {
            text::line("parts.name", &p.name, text::LINE_MAX)?;
            text::line("parts.part_number", &p.part_number, 64)?;
            if p.quantity <= Decimal::ZERO {
                return Err(Error::invalid("parts.quantity", "must be more than zero"));
            }
            if p.unit_price.amount < Decimal::ZERO {
                return Err(Error::invalid("parts.unit_price", "must not be negative"));
            }
            if (p.serial_tracked || !p.serials.is_empty())
                && Decimal::from(p.serials.len()) != p.quantity
            {
                return Err(Error::invalid(
                    "parts.serials",
                    format!(
                        "{} serial numbers for {} pieces of {}",
                        p.serials.len(),
                        p.quantity,
                        p.name
                    ),
                ));
            }
            self.same_currency(p.unit_price)?;
        }
        for l in &self.labour {
            text::line("labour.description", &l.description, text::LINE_MAX)?;
            if l.minutes <= 0 {
                return Err(Error::invalid("labour.minutes", "must be more than zero"));
            }
            if l.hourly_rate.amount < Decimal::ZERO {
                return Err(Error::invalid("labour.hourly_rate", "must not be negative"));
            }
            self.same_currency(l.hourly_rate)?;
        }
        Ok(())
    }

    fn same_currency(&self, m: Money) -> Result<(), Error> {
        if m.currency == self.currency {
            Ok(())
        } else {
            Err(Error::CurrencyMismatch {
                left: self.currency.to_string(),
                right: m.currency.to_string(),
            })
        }
    }

    pub fn part_total(line: &PartLine) -> Result<Money, Error> {
        line.unit_price.times(line.quantity)
    }

    pub fn labour_total(line: &LabourLine) -> Result<Money, Error> {
        line.hourly_rate
            .times(Decimal::from(line.minutes) / Decimal::from(60))
    }

    /// What the customer pays for a part line, as printed: its total to the cent, nothing when
    /// the warranty covers it.
    pub fn part_charge(line: &PartLine) -> Result<Money, Error> {
        let total = Self::part_total(line)?.rounded();
        Ok(if line.under_warranty {
            Money::new(Decimal::ZERO, total.currency)
        } else {
            total
        })
    }

    /// What the customer pays for a labour line, as printed (see [`Bill::part_charge`]).
    pub fn labour_charge(line: &LabourLine) -> Result<Money, Error> {
        let total = Self::labour_total(line)?.rounded();
        Ok(if line.under_warranty {
            Money::new(Decimal::ZERO, total.currency)
        } else {
            total
        })
    }

    /// The receipt's totals. Every figure is a sum of the line charges as printed (each to the
    /// cent), so the printed lines add up: parts + labour + tax = total, and what the warranty
    /// covered is shown beside it, not subtracted again.
    pub fn totals(&self, rates: &TaxRates) -> Result<Totals, Error> {
        self.validate()?;
        let c = self.currency;
        let sum = |items: Vec<Money>| Money::sum(c, items).map(Money::rounded);
        let mut parts = Vec::new();
        let mut labour = Vec::new();
        let mut covered = Vec::new();
        for p in &self.parts {
            parts.push(Self::part_charge(p)?);
            if p.under_warranty {
                covered.push(Self::part_total(p)?.rounded());
            }
        }
        for l in &self.labour {
            labour.push(Self::labour_charge(l)?);
            if l.under_warranty {
                covered.push(Self::labour_total(l)?.rounded());
            }
        }
        let parts = sum(parts)?;
        let labour = sum(labour)?;
        let tax = Money::new(parts.amount * rates.parts, c)
            .checked_add(Money::new(labour.amount * rates.labour, c))?
            .rounded();
        let total = parts.checked_add(labour)?.checked_add(tax)?;
        Ok(Totals {
            parts,
            labour,
            warranty_covered: sum(covered)?,
            tax,
            total,
        })
    }
}
