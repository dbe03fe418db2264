//! Well-known places to load Meteorite Landings from: the course's sample
//! file and NASA's own export. The browser offers them as buttons and
//! `bolide load` accepts their names, so both read this one list. On a
//! shared site these are the only URLs the server fetches.
//!
//! NASA's export moved when data.nasa.gov was rebuilt in 2025: the file
//! (45,716 landings) is now under `docs/legacy/`, not at the Socrata
//! export link (`api/views/gh4g-9sfh/rows.csv`) older scripts use.

/// A named URL a student can load from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// Short name (`bolide load course-sample`, `{"preset": "…"}`).
    pub name: &'static str,
    /// What the button says.
    pub label: &'static str,
    /// Where the file is (`http` or `https`).
    pub url: &'static str,
}

/// Every preset, in the order the browser shows them.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "course-sample",
        label: "Course sample (30 landings, JSON)",
        url: "https://raw.githubusercontent.com/wjallen/coe332-sample-data/main/ML_Data_Sample.json",
    },
    Preset {
        name: "nasa",
        label: "NASA's full export (45,716 landings, CSV)",
        url: "https://data.nasa.gov/docs/legacy/meteorite_landings/Meteorite_Landings.csv",
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|preset| preset.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_named_once_and_use_https() {
        for (i, p) in PRESETS.iter().enumerate() {
            assert!(p.url.starts_with("https://"), "{}", p.name);
            assert_eq!(preset(p.name), Some(p));
            assert!(PRESETS[i + 1..].iter().all(|q| q.name != p.name), "{}", p.name);
        }
        assert_eq!(preset("everything"), None);
    }
}
