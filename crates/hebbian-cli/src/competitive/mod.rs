//! Competitive-learning experiments (`family = "competitive"`): winner-take-all units
//! and self-organizing maps that learn prototypes of labelled images.

pub mod config;
pub mod run;
