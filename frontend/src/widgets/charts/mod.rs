//! Charts.

pub mod bars;
pub mod histogram;
pub mod number;
pub mod numbers;
pub mod quadrants;
pub mod scale;
pub mod world;
pub mod world_grid;
