//! A page's summary — the mass and year ranges of the landings it lists —
//! from the indexes, without reading the landings.
//!
//! The range of a sorted set's own scores is its two ends
//! (`ZRANGE key 0 0 WITHSCORES`, `ZRANGE key -1 -1 WITHSCORES`). The
//! summary also needs the range of *another* index over the listed
//! landings: the years of a result sorted by mass, say. Two ways:
//!
//! - **probing**: read the other index from its low end in a batch
//!   (`ZRANGE year 0 255 WITHSCORES`) and ask which of those ids are listed
//!   (`ZMSCORE result id…`): the first that is gives the minimum; the same
//!   from the high end (`REV`). When the listed landings are a fair share
//!   of the index — a big class, "found", "has coordinates", everything —
//!   the first batch nearly always has one, so this costs two round trips
//!   whatever the size of the dataset;
//! - **intersecting**: `ZINTERSTORE scratch 2 result year WEIGHTS 0 1` and
//!   its two ends: one pass over the listed landings, the right tool when
//!   they are few (a rare class) and probing would read far for a first hit.
//!
//! So probing goes first, with batches growing to [`PROBE_LIMIT`] entries,
//! and intersecting finishes the job when probing found nothing yet.

use redis::aio::ConnectionLike;

use crate::error::AppError;

/// The first probe's batch (each next one is four times larger), and how
/// many batches probing reads at most (at each end: 5,376 entries) before
/// intersecting instead.
const FIRST_BATCH: usize = 256;
const PROBE_ROUNDS: usize = 3;

/// Lowest and highest score of a sorted set (`None` when it is empty).
pub type Ends = (Option<f64>, Option<f64>);

/// A `ZRANGE … WITHSCORES` answer.
pub type Scored = Vec<(String, f64)>;

/// `ZRANGE key 0 0 WITHSCORES` and `ZRANGE key -1 -1 WITHSCORES`.
pub fn add_ends(pipe: &mut redis::Pipeline, key: &str) {
    pipe.cmd("ZRANGE").arg(key).arg(0).arg(0).arg("WITHSCORES");
    pipe.cmd("ZRANGE").arg(key).arg(-1).arg(-1).arg("WITHSCORES");
}

/// The answer of [`add_ends`]'s two commands.
pub fn ends_of(low: &[(String, f64)], high: &[(String, f64)]) -> Ends {
    (low.first().map(|(_, score)| *score), high.first().map(|(_, score)| *score))
}

/// The lowest and highest score in `index` of the members of the sorted set
/// `within` (see the module docs); `scratch` is a key it may use for a
/// moment.
pub async fn ends_within(
    conn: &mut impl ConnectionLike,
    index: &str,
    within: &str,
    scratch: &str,
) -> Result<Ends, AppError> {
    let mut low = Probe::new(false);
    let mut high = Probe::new(true);
    let mut batch = FIRST_BATCH;
    for _ in 0..PROBE_ROUNDS {
        if low.done && high.done {
            break;
        }
        let mut reads = redis::pipe();
        for probe in [&low, &high] {
            let mut range = redis::cmd("ZRANGE");
            range.arg(index).arg(probe.offset).arg(probe.offset + batch - 1);
            if probe.reverse {
                range.arg("REV");
            }
            reads.add_command(range.arg("WITHSCORES").clone());
        }
        let (low_batch, high_batch): (Scored, Scored) = reads.query_async(conn).await?;
        let mut checks = redis::pipe();
        for (probe, read) in [(&low, &low_batch), (&high, &high_batch)] {
            if !probe.done && !read.is_empty() {
                checks.cmd("ZMSCORE").arg(within).arg(read.iter().map(|(id, _)| id).collect::<Vec<_>>());
            }
        }
        let mut answers: Vec<Vec<Option<f64>>> =
            if checks.cmd_iter().next().is_some() { checks.query_async(conn).await? } else { Vec::new() };
        answers.reverse();
        for (probe, read) in [(&mut low, &low_batch), (&mut high, &high_batch)] {
            if probe.done {
                continue;
            }
            if read.is_empty() {
                // The whole index was read: no member of `within` is in it.
                probe.done = true;
                continue;
            }
            let found = answers.pop().unwrap_or_default();
            match read.iter().zip(found).find(|(_, listed)| listed.is_some()) {
                Some(((_, score), _)) => {
                    probe.score = Some(*score);
                    probe.done = true;
                }
                None if read.len() < batch => probe.done = true,
                None => probe.offset += batch,
            }
        }
        batch *= 4;
    }
    if low.done && high.done {
        return Ok((low.score, high.score));
    }
    let (low_end, high_end): (Scored, Scored) = {
        let mut tx = redis::pipe();
        tx.atomic();
        tx.cmd("ZINTERSTORE")
            .arg(scratch)
            .arg(2)
            .arg(within)
            .arg(index)
            .arg("WEIGHTS")
            .arg(0)
            .arg(1)
            .ignore();
        add_ends(&mut tx, scratch);
        tx.cmd("UNLINK").arg(scratch).ignore();
        tx.query_async(conn).await?
    };
    Ok(ends_of(&low_end, &high_end))
}

/// One end's search.
struct Probe {
    reverse: bool,
    offset: usize,
    done: bool,
    score: Option<f64>,
}

impl Probe {
    fn new(reverse: bool) -> Self {
        Probe { reverse, offset: 0, done: false, score: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_of_empty_answers_are_none() {
        assert_eq!(ends_of(&[], &[]), (None, None));
        assert_eq!(ends_of(&[("1".into(), 0.5)], &[("2".into(), 7.0)]), (Some(0.5), Some(7.0)));
    }
}
