//! `GET /api/data/classes`: the loaded set's classes (`recclass`) with
//! their number of landings, most common first, for the Data page's class
//! filter to offer (and to match what a student types without minding
//! case: `l6` is NASA's `L6`).
//!
//! **Bounded.** The answer is read from the index a load already keeps,
//! the sorted set `counts:class` (each class scored by its count, see
//! [`super::store::layout`]), in one round trip: `ZREVRANGE` of at most
//! [`MAX_CLASSES`] members and a `ZCARD`. It costs the same on a million
//! landings as on a thousand; NASA's file has about 460 classes, a
//! hostile file at most as many as it has landings, which the limit cuts
//! (the rarest are left out, and `distinct` says how many there are).
//! Record edits keep the counts in step ([`super::store::records`]).

use axum::Json;
use bolide_shared::data::{ClassCount, ClassCounts};

use super::store::layout::Category;
use crate::error::AppError;
use crate::sandbox::Sandbox;

/// Most classes one answer lists.
pub const MAX_CLASSES: usize = 1000;

/// The handler (routed by [`super::api::router`]).
pub async fn classes(sandbox: Sandbox) -> Result<Json<ClassCounts>, AppError> {
    let key = Category::Class.counts_key(&sandbox.owner);
    let mut conn = sandbox.access.system.clone();
    let (members, distinct): (Vec<(String, f64)>, u64) = redis::pipe()
        .cmd("ZREVRANGE")
        .arg(&key)
        .arg(0)
        .arg(MAX_CLASSES - 1)
        .arg("WITHSCORES")
        .cmd("ZCARD")
        .arg(&key)
        .query_async(&mut conn)
        .await?;
    Ok(Json(ClassCounts {
        classes: ordered(members),
        distinct,
        commands: vec![
            format!("ZREVRANGE {key} 0 {} WITHSCORES   (Bolide's count of each class)", MAX_CLASSES - 1),
            format!("ZCARD {key}"),
        ],
    }))
}

/// Most common first; classes with the same count by name (`ZREVRANGE`
/// gives those in reverse byte order), counts of zero (a class whose last
/// landing was edited away) left out.
fn ordered(members: Vec<(String, f64)>) -> Vec<ClassCount> {
    let mut classes: Vec<ClassCount> = members
        .into_iter()
        .filter(|(_, score)| score.is_finite() && *score >= 1.0)
        .map(|(class, score)| ClassCount { class, count: score as u64 })
        .collect();
    classes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.class.cmp(&b.class)));
    classes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_common_first_then_by_name() {
        let got =
            ordered(vec![("L6".into(), 8.0), ("H5".into(), 3.0), ("EH4".into(), 3.0), ("gone".into(), 0.0)]);
        let names: Vec<(&str, u64)> = got.iter().map(|c| (c.class.as_str(), c.count)).collect();
        assert_eq!(names, [("L6", 8), ("EH4", 3), ("H5", 3)]);
    }
}
