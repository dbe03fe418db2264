//! Charts drawn as SVG, each a component taking plain data: a [`Bar`] (a
//! label and a count) or a [`Column`] (a count over a stretch of a numeric
//! axis), or a result type from `bolide-shared` (hemispheres, a density
//! grid). What a bar or column *means* for an analysis (the 20 biggest
//! classes, a decade's label) is decided by the feature that fills them
//! (`jobs::series`); the numbers on the axes by [`scale`].

pub mod bars;
pub mod histogram;
pub mod number;
pub mod numbers;
pub mod quadrants;
pub mod scale;
pub mod world;
pub mod world_grid;

/// One labelled count.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    /// Drawn in grey: a catch-all ("other") or a "missing" count, not a
    /// value of the field.
    pub muted: bool,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: u64) -> Self {
        Bar { label: label.into(), value, muted: false }
    }

    pub fn muted(label: impl Into<String>, value: u64) -> Self {
        Bar { label: label.into(), value, muted: true }
    }
}

/// A count over `[start, end)` of a numeric axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub start: f64,
    pub end: f64,
    pub value: u64,
    /// What the column is, for its tooltip and the numbers table.
    pub label: String,
}
