//! One cached landing: the fields an analysis may read, owned, in one
//! allocation.
//!
//! A cache of a million records must not cost seven small allocations per
//! record (one per [`Field`]), so a [`StoredRecord`] keeps every value
//! back to back in a single buffer with the end of each, and lends them out
//! as the same borrowed [`RecordView`] the streaming reader hands the
//! accumulators — the analyses cannot tell a cached record from a fresh one.

use super::super::record::{Field, RecordView};

/// Every field, in [`Field`]'s order: what the cache reads and keeps.
pub(super) const ALL_FIELDS: [Field; Field::COUNT] =
    [Field::Name, Field::Class, Field::Mass, Field::Fall, Field::Year, Field::Lat, Field::Long];

/// The values of one record's fields (a field the hash lacks is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StoredRecord {
    /// The values present, in [`ALL_FIELDS`] order, back to back.
    bytes: Box<[u8]>,
    /// Where each field's value ends in `bytes` (an absent field's is its
    /// predecessor's, so it has no bytes).
    ends: [u32; Field::COUNT],
    /// Bit `i` is set when field `i` is present (a present value may be
    /// empty: `HSET k year ""`).
    present: u8,
}

impl StoredRecord {
    /// Copies `view`'s values out of the reply they borrow from. `None`
    /// when a value is too large to index with `u32` (4 GiB: no landing;
    /// such a record is not cached).
    pub(super) fn copy(view: &RecordView<'_>) -> Option<StoredRecord> {
        let total: usize = ALL_FIELDS.iter().filter_map(|field| view.raw(*field)).map(<[u8]>::len).sum();
        u32::try_from(total).ok()?;
        let mut bytes = Vec::with_capacity(total);
        let mut ends = [0u32; Field::COUNT];
        let mut present = 0u8;
        for (index, field) in ALL_FIELDS.iter().enumerate() {
            if let Some(value) = view.raw(*field) {
                bytes.extend_from_slice(value);
                present |= 1 << index;
            }
            ends[index] = u32::try_from(bytes.len()).ok()?;
        }
        Some(StoredRecord { bytes: bytes.into_boxed_slice(), ends, present })
    }

    /// A view of `id` with the values of `fields` (only those, as the
    /// streaming reader would have fetched).
    pub(super) fn view<'a>(&'a self, id: &'a [u8], fields: &[Field]) -> RecordView<'a> {
        let mut view = RecordView::new(id);
        for field in fields {
            view.set(*field, self.value(*field));
        }
        view
    }

    /// `field`'s value, if the hash has it.
    fn value(&self, field: Field) -> Option<&[u8]> {
        let index = field as usize;
        if self.present & (1 << index) == 0 {
            return None;
        }
        let start = if index == 0 { 0 } else { self.ends[index - 1] as usize };
        self.bytes.get(start..self.ends[index] as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_including_absent_and_empty_ones() {
        let mut view = RecordView::new(b"7");
        view.set(Field::Name, Some(b"Aachen"));
        view.set(Field::Mass, Some(b"21"));
        view.set(Field::Year, Some(b""));
        view.set(Field::Long, Some(b"6.08333"));
        let stored = StoredRecord::copy(&view).expect("small");
        let back = stored.view(b"7", &ALL_FIELDS);
        assert_eq!(back.id(), "7");
        for field in ALL_FIELDS {
            assert_eq!(back.raw(field), view.raw(field), "{field:?}");
        }
        assert_eq!(stored.bytes.len(), "Aachen21".len() + "6.08333".len());
    }

    #[test]
    fn a_view_carries_only_the_fields_asked_for() {
        let mut view = RecordView::new(b"1");
        view.set(Field::Class, Some(b"L6"));
        view.set(Field::Mass, Some(b"10"));
        let stored = StoredRecord::copy(&view).expect("small");
        let narrow = stored.view(b"1", &[Field::Class]);
        assert_eq!(narrow.raw(Field::Class), Some(&b"L6"[..]));
        assert_eq!(narrow.raw(Field::Mass), None);
    }

    #[test]
    fn a_record_without_fields_is_stored_empty() {
        let stored = StoredRecord::copy(&RecordView::new(b"bare")).expect("small");
        let back = stored.view(b"bare", &ALL_FIELDS);
        assert!(ALL_FIELDS.iter().all(|field| back.raw(*field).is_none()));
    }
}
