//! Quantities with units in experiment files: `"20 ms"`, `"-70 mV"`, `"10 Hz"`.
//!
//! A dimensioned key takes a string of a number and a unit. A bare number is rejected
//! with the expected unit, because `20` could mean 20 ms or 20 s. Values are stored in the
//! library's units (ms, mV, Hz) and written back with those units in `summary.json`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A physical dimension: its name, the unit values are stored in, and accepted units.
pub trait Dimension {
    /// Name used in messages ("a time").
    const WHAT: &'static str;
    /// Unit of the stored value.
    const UNIT: &'static str;
    /// An example written in messages.
    const EXAMPLE: &'static str;
    /// Accepted units and their factor to [`Dimension::UNIT`].
    const UNITS: &'static [(&'static str, f64)];
}

/// Time, stored in ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeDim;

impl Dimension for TimeDim {
    const WHAT: &'static str = "a time";
    const UNIT: &'static str = "ms";
    const EXAMPLE: &'static str = "\"20 ms\"";
    const UNITS: &'static [(&'static str, f64)] = &[
        ("us", 1e-3),
        ("µs", 1e-3),
        ("ms", 1.0),
        ("s", 1e3),
        ("min", 6e4),
    ];
}

/// Voltage, stored in mV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoltageDim;

impl Dimension for VoltageDim {
    const WHAT: &'static str = "a voltage";
    const UNIT: &'static str = "mV";
    const EXAMPLE: &'static str = "\"-70 mV\"";
    const UNITS: &'static [(&'static str, f64)] =
        &[("uV", 1e-3), ("µV", 1e-3), ("mV", 1.0), ("V", 1e3)];
}

/// Rate, stored in Hz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateDim;

impl Dimension for RateDim {
    const WHAT: &'static str = "a rate";
    const UNIT: &'static str = "Hz";
    const EXAMPLE: &'static str = "\"10 Hz\"";
    const UNITS: &'static [(&'static str, f64)] = &[("Hz", 1.0), ("kHz", 1e3)];
}

/// A value of dimension `D`, in the library's unit for `D`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity<D> {
    value: f64,
    dim: PhantomData<D>,
}

/// A time in ms.
pub type Time = Quantity<TimeDim>;
/// A voltage in mV.
pub type Voltage = Quantity<VoltageDim>;
/// A rate in Hz.
pub type Rate = Quantity<RateDim>;

impl<D: Dimension> Quantity<D> {
    /// Creates a quantity from a value in the library's unit.
    pub fn new(value: f64) -> Self {
        Quantity {
            value,
            dim: PhantomData,
        }
    }

    /// Returns the value in the library's unit (ms, mV or Hz).
    pub fn get(self) -> f64 {
        self.value
    }

    /// Parses `"<number> <unit>"`; the space is optional.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        // the unit is the trailing run of letters
        let split = text
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphabetic())
            .last()
            .map_or(text.len(), |(i, _)| i);
        let (number, unit) = (text[..split].trim(), text[split..].trim());
        let units = D::UNITS
            .iter()
            .map(|(u, _)| *u)
            .collect::<Vec<_>>()
            .join(", ");
        if unit.is_empty() {
            return Err(format!(
                "expected {} with its unit, such as {} (units: {units}); got {text:?}",
                D::WHAT,
                D::EXAMPLE
            ));
        }
        let Some(&(_, factor)) = D::UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!(
                "unknown unit {unit:?} for {}; use one of {units}, such as {}",
                D::WHAT,
                D::EXAMPLE
            ));
        };
        let value: f64 = number.parse().map_err(|_| {
            format!(
                "invalid number {number:?} in {text:?}; write {} as a number and a unit, such as {}",
                D::WHAT,
                D::EXAMPLE
            )
        })?;
        if !value.is_finite() {
            return Err(format!("{} must be finite, got {text:?}", D::WHAT));
        }
        Ok(Quantity::new(value * factor))
    }
}

impl<D: Dimension> fmt::Display for Quantity<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, D::UNIT)
    }
}

impl<D: Dimension> Serialize for Quantity<D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

struct QuantityVisitor<D>(PhantomData<D>);

impl<D: Dimension> QuantityVisitor<D> {
    fn bare_number<E: de::Error>(value: impl fmt::Display) -> E {
        E::custom(format!(
            "expected {} with its unit as a string, such as {}; got the bare number {value} \
             (write \"{value} {}\" if you meant {})",
            D::WHAT,
            D::EXAMPLE,
            D::UNIT,
            D::UNIT
        ))
    }
}

impl<D: Dimension> Visitor<'_> for QuantityVisitor<D> {
    type Value = Quantity<D>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} with its unit, such as {}", D::WHAT, D::EXAMPLE)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Quantity::parse(text).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Err(Self::bare_number(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Err(Self::bare_number(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Err(Self::bare_number(value))
    }
}

impl<'de, D: Dimension> Deserialize<'de> for Quantity<D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        deserializer.deserialize_any(QuantityVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_signs() {
        assert_eq!(Time::parse("20 ms").unwrap().get(), 20.0);
        assert_eq!(Time::parse("1.5s").unwrap().get(), 1500.0);
        assert_eq!(Voltage::parse("-70 mV").unwrap().get(), -70.0);
        assert_eq!(Rate::parse("1 kHz").unwrap().get(), 1000.0);
    }

    #[test]
    fn rejects_missing_or_wrong_unit() {
        assert!(Time::parse("20").unwrap_err().contains("\"20 ms\""));
        assert!(Time::parse("20 mV").unwrap_err().contains("unknown unit"));
        assert!(
            Voltage::parse("x mV")
                .unwrap_err()
                .contains("invalid number")
        );
    }

    #[test]
    fn bare_number_names_the_unit() {
        #[derive(Debug, Deserialize)]
        struct T {
            #[allow(dead_code)]
            tau: Time,
        }
        let err = toml::from_str::<T>("tau = 20").unwrap_err().to_string();
        assert!(err.contains("\"20 ms\""), "{err}");
    }
}
