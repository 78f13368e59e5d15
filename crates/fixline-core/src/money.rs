//! Money as exact decimals with a currency; never floats. CNY unless a customer says otherwise.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Currency {
    #[default]
    CNY,
    HKD,
    USD,
    EUR,
}

impl Currency {
    /// Digits after the decimal point in amounts people pay (fen, cents).
    pub fn minor_digits(self) -> u32 {
        2
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Currency::CNY => "¥",
            Currency::HKD => "HK$",
            Currency::USD => "$",
            Currency::EUR => "€",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// An amount in one currency. Serialised with the amount as a string ("128.50") so no JSON
/// reader turns it into a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "128.50"))]
    pub amount: Decimal,
    #[serde(default)]
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    pub fn cny(amount: Decimal) -> Self {
        Money::new(amount, Currency::CNY)
    }

    pub fn zero(currency: Currency) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    pub fn checked_add(self, other: Money) -> Result<Money, Error> {
        if self.currency != other.currency {
            return Err(Error::CurrencyMismatch {
                left: self.currency.to_string(),
                right: other.currency.to_string(),
            });
        }
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| Error::invalid("amount", "total is too large"))?;
        Ok(Money::new(amount, self.currency))
    }

    /// Price times quantity (hours, pieces), exact; round only when a total is shown or charged.
    pub fn times(self, quantity: Decimal) -> Result<Money, Error> {
        let amount = self
            .amount
            .checked_mul(quantity)
            .ok_or_else(|| Error::invalid("amount", "line total is too large"))?;
        Ok(Money::new(amount, self.currency))
    }

    /// Rounded to the currency's minor unit, half away from zero (四舍五入, as Chinese invoices do).
    pub fn rounded(self) -> Money {
        let amount = self.amount.round_dp_with_strategy(
            self.currency.minor_digits(),
            RoundingStrategy::MidpointAwayFromZero,
        );
        Money::new(amount, self.currency)
    }

    /// Sums amounts of one currency; an empty list is zero in `currency`.
    pub fn sum(currency: Currency, items: impl IntoIterator<Item = Money>) -> Result<Money, Error> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.rounded();
        write!(f, "{}{:.2}", self.currency.symbol(), r.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn no_float_drift() {
        let total = Money::sum(
            Currency::CNY,
            [Money::cny(dec!(0.1)), Money::cny(dec!(0.2))],
        )
        .unwrap();
        assert_eq!(total.amount, dec!(0.3));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(Money::cny(dec!(2.345)).rounded().amount, dec!(2.35));
        assert_eq!(Money::cny(dec!(-2.345)).rounded().amount, dec!(-2.35));
        assert_eq!(
            Money::cny(dec!(180)).times(dec!(1.75)).unwrap().to_string(),
            "¥315.00"
        );
    }

    #[test]
    fn refuses_mixed_currencies() {
        let err = Money::cny(dec!(1)).checked_add(Money::new(dec!(1), Currency::USD));
        assert!(matches!(err, Err(Error::CurrencyMismatch { .. })));
    }

    #[test]
    fn serialises_amount_as_string_and_defaults_to_cny() {
        let json = serde_json::to_string(&Money::cny(dec!(128.50))).unwrap();
        assert_eq!(json, r#"{"amount":"128.50","currency":"CNY"}"#);
        let back: Money = serde_json::from_str(r#"{"amount":"9.9"}"#).unwrap();
        assert_eq!(back, Money::cny(dec!(9.9)));
    }
}
