//! `density_grid`: landings per latitude/longitude cell, for a heat map.
//!
//! The globe is tiled by `cell_degrees` (a divisor of 90 and 180: see
//! [`bolide_shared::jobs::CELL_DEGREES`]) into a dense table of counters,
//! one increment per landing. A cell holds `lat ≤ reclat < lat + cell`
//! (likewise for longitude), with the north pole and the antimeridian
//! (latitude 90, longitude 180) in the last row and column. The cell is
//! found by division and then checked against its edges, which are exact
//! (integers × integers), so a place a hair below an edge is never pushed
//! over it by the division's rounding. `(0, 0)` placeholders are counted
//! like any place (in the cell whose south-west corner is 0, 0);
//! `data_quality` lists them.

use bolide_shared::jobs::{AnalysisResult, DensityGrid, GridCell};

use super::record::{Field, RecordView};
use super::Accumulator;

#[derive(Debug)]
pub struct DensityGridAccumulator {
    cell_degrees: f64,
    rows: usize,
    columns: usize,
    /// Row-major from the south-west corner: `row * columns + column`.
    counts: Vec<u64>,
    without_coordinates: u64,
}

impl DensityGridAccumulator {
    /// A grid of `cell_degrees` cells (one of `CELL_DEGREES`: whole degrees
    /// dividing 90; the job's params are validated before this).
    pub fn new(cell_degrees: f64) -> DensityGridAccumulator {
        let rows = (180.0 / cell_degrees).round().max(1.0) as usize;
        let columns = rows * 2;
        DensityGridAccumulator {
            cell_degrees,
            rows,
            columns,
            counts: vec![0; rows * columns],
            without_coordinates: 0,
        }
    }
}

/// The index of the cell of `value` on an axis starting at `start` with
/// `cells` cells of `size` (the last cell also takes the axis's end).
fn cell_index(value: f64, start: f64, size: f64, cells: usize) -> usize {
    let mut index = ((value - start) / size).floor().max(0.0) as usize;
    while index > 0 && start + index as f64 * size > value {
        index -= 1;
    }
    while start + (index + 1) as f64 * size <= value {
        index += 1;
    }
    index.min(cells - 1)
}

impl Accumulator for DensityGridAccumulator {
    fn fields() -> &'static [Field] {
        &[Field::Lat, Field::Long]
    }

    fn add(&mut self, record: &RecordView<'_>) {
        let Some((lat, long)) = record.coords() else {
            self.without_coordinates += 1;
            return;
        };
        let row = cell_index(lat, -90.0, self.cell_degrees, self.rows);
        let column = cell_index(long, -180.0, self.cell_degrees, self.columns);
        if let Some(count) = self.counts.get_mut(row * self.columns + column) {
            *count += 1;
        }
    }

    fn finish(self) -> AnalysisResult {
        let cells: Vec<GridCell> = self
            .counts
            .iter()
            .enumerate()
            .filter(|(_, &count)| count > 0)
            .map(|(index, &count)| GridCell {
                lat: -90.0 + (index / self.columns) as f64 * self.cell_degrees,
                long: -180.0 + (index % self.columns) as f64 * self.cell_degrees,
                count,
            })
            .collect();
        AnalysisResult::DensityGrid(DensityGrid {
            cell_degrees: self.cell_degrees,
            max_count: cells.iter().map(|cell| cell.count).max().unwrap_or(0),
            cells,
            without_coordinates: self.without_coordinates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::analysis::record::tests::view;
    use bolide_shared::jobs::CELL_DEGREES;

    fn grid(cell_degrees: f64, places: &[(&str, &str)]) -> DensityGrid {
        let mut accumulator = DensityGridAccumulator::new(cell_degrees);
        for (lat, long) in places {
            accumulator.add(&view("1", &[(Field::Lat, lat), (Field::Long, long)]));
        }
        match accumulator.finish() {
            AnalysisResult::DensityGrid(result) => result,
            other => panic!("{other:?}"),
        }
    }

    fn cells(result: &DensityGrid) -> Vec<(f64, f64, u64)> {
        result.cells.iter().map(|c| (c.lat, c.long, c.count)).collect()
    }

    #[test]
    fn edges_belong_to_the_cell_they_open_and_the_poles_to_the_last() {
        let result = grid(
            5.0,
            &[
                ("0", "0"),
                ("0.000000", "0.000000"),
                ("4.999999", "4.999999"),
                ("5", "5"),
                ("-90", "-180"),
                ("90", "180"),
                ("89.9", "179.9"),
                ("-0.000001", "-0.000001"),
                ("91", "0"),
                ("north", "east"),
            ],
        );
        assert_eq!(
            cells(&result),
            [(-90.0, -180.0, 1), (-5.0, -5.0, 1), (0.0, 0.0, 3), (5.0, 5.0, 1), (85.0, 175.0, 2)]
        );
        assert_eq!(result.max_count, 3);
        assert_eq!(result.without_coordinates, 2);
        assert_eq!(result.cell_degrees, 5.0);
    }

    #[test]
    fn a_hair_below_an_edge_stays_below_for_every_cell_size() {
        for size in CELL_DEGREES {
            for k in -10..=10 {
                let edge = k as f64 * size;
                if !(-90.0..90.0).contains(&edge) {
                    continue;
                }
                let below = if edge > 0.0 {
                    f64::from_bits(edge.to_bits() - 1)
                } else if edge < 0.0 {
                    f64::from_bits(edge.to_bits() + 1)
                } else {
                    -f64::MIN_POSITIVE
                };
                let row = cell_index(edge, -90.0, size, (180.0 / size) as usize);
                assert_eq!(-90.0 + row as f64 * size, edge, "size {size} edge {edge}");
                if below >= -90.0 {
                    let row_below = cell_index(below, -90.0, size, (180.0 / size) as usize);
                    assert_eq!(row_below + 1, row, "size {size}, just below {edge}");
                }
            }
        }
    }

    #[test]
    fn one_degree_cells_cover_the_globe() {
        let result = grid(1.0, &[("90", "-180"), ("-90", "180"), ("12.5", "-0.5")]);
        assert_eq!(cells(&result), [(-90.0, 179.0, 1), (12.0, -1.0, 1), (89.0, -180.0, 1)]);
        let empty = grid(30.0, &[]);
        assert!(empty.cells.is_empty());
        assert_eq!(empty.max_count, 0);
    }
}
