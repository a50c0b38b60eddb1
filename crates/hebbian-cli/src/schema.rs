//! Checks shared by the experiment schemas, returning messages that name the key.

/// Message for a key whose value breaks `rule`.
pub fn reject(key: &str, value: impl std::fmt::Display, rule: &str) -> String {
    format!("key `{key}` = {value}: must be {rule}")
}

/// Checks that a key contains a finite number > 0.
pub fn require_positive(key: &str, value: f64, meaning: &str) -> Result<(), String> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(reject(
            key,
            value,
            &format!("a finite number > 0 ({meaning})"),
        ))
    }
}

/// Rejects a key that another kind of model or source uses.
pub fn forbid<T>(key: &str, value: &Option<T>, applies_to: &str) -> Result<(), String> {
    if value.is_some() {
        Err(format!(
            "key `{key}` does not apply here: it is only used by {applies_to}"
        ))
    } else {
        Ok(())
    }
}
