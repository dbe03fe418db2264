//! A bounded read's verdict and reply ([`BoundedRead`]: a `GET` sent as a
//! `GETRANGE` no longer than its first read), once its pipeline answered.
//!
//! What it read decides, as `GET` itself would have: a value shorter than
//! the read is the reply; a longer one is measured (`STRLEN`, for the
//! refusal or what the console leaves out) and costed from its length;
//! one let through whose first read stopped short of the bound (the
//! gateway's 8 MiB, read 1 MiB at first) is read again, whole up to the
//! bound, and costed again from what that read saw (the value may have
//! changed between the two).

use bolide_shared::cli::Reply;
use bolide_shared::commands::CommandSpec;
use redis::Value;

use super::batch::one_each;
use super::Relay;
use crate::console::cost::{self, BoundedRead, Cut, Probe};
use crate::error::AppError;
use crate::sandbox::store::Session;

impl Relay {
    /// What the bounded read `read` of `args` answers, from its replies
    /// (`range`: `GETRANGE`'s, `exists`: `EXISTS`'s when it was asked):
    /// the reply and how it is cut, or the refusal. `keys`: where its key
    /// is in `args`, when known; `needs`: its sizes, when named already
    /// (`Forwarded::needs`). A read reserves no room.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn bounded_reply(
        &self,
        session: &mut Session,
        spec: &'static CommandSpec,
        args: &[Vec<u8>],
        keys: Option<&[usize]>,
        needs: Vec<(Vec<u8>, Probe)>,
        read: BoundedRead,
        range: Value,
        exists: Option<Value>,
    ) -> Result<Result<(Reply, Cut), String>, AppError> {
        let whole = read.whole();
        let mut found = read.read(args, range, exists);
        if found.past_bound {
            // How long it is: measured only when past what was read (its
            // sizes named only now when they were not).
            let needs = if needs.is_empty() { cost::needs(&self.limits, spec, args) } else { needs };
            found.measured(&self.measure(session, &needs).await?);
        }
        let cut = match self.plan(session, spec, args, keys, &found.sizes()).await? {
            Ok((plan, _room)) => plan.cut,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let Some(whole) = whole.filter(|_| found.past_bound) else {
            return Ok(Ok((found.reply, cut)));
        };
        let measured = found.length;
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        whole.add_to(&mut pipe, args);
        let mut read_again = one_each(self.query_pipeline(session, &pipe, false).await, 1)?;
        let mut again = whole.read(args, read_again.pop().unwrap_or(Value::Nil), None);
        if again.past_bound {
            // Past the bound now: at least as long as measured before.
            again.length = again.length.max(measured);
        }
        Ok(match self.plan(session, spec, args, keys, &again.sizes()).await? {
            Ok((plan, _room)) => Ok((again.reply, plan.cut)),
            Err(refusal) => Err(refusal),
        })
    }
}
