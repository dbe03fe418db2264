//! The arithmetic behind the charts' axes, shared by every `chart_*`
//! component: "nice" tick steps (1, 2 or 5 × a power of ten, as people
//! read axes), and numbers written for reading (`45,716`, `1.2 kg`).
//!
//! No component here: these are pure functions, tested natively.

/// A step of 1, 2 or 5 × 10ᵏ that cuts `span` into about `target` parts.
pub fn nice_step(span: f64, target: usize) -> f64 {
    if !span.is_finite() || span <= 0.0 {
        return 1.0;
    }
    let raw = span / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The ticks of a count axis that starts at 0: about five, at a whole
/// step, the last one at or above `max` (the axis's top). At least `0, 1`.
pub fn count_ticks(max: u64) -> Vec<u64> {
    let step = (nice_step(max.max(1) as f64, 5) as u64).max(1);
    let top = max.max(1).div_ceil(step) * step;
    (0..=top / step).map(|i| i * step).collect()
}

/// Ticks at a nice step within `[min, max]` (both ends included when they
/// fall on a step).
pub fn linear_ticks(min: f64, max: f64, target: usize) -> Vec<f64> {
    if !(min.is_finite() && max.is_finite()) || max < min {
        return Vec::new();
    }
    if max == min {
        return vec![min];
    }
    let step = nice_step(max - min, target);
    let first = (min / step).ceil() as i64;
    let last = (max / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// `45716` → `45,716`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A mass in grams with a readable unit: `0.5 g`, `12.3 g`, `1.5 kg`,
/// `60 t`, three significant digits at most.
pub fn mass(grams: f64) -> String {
    if !grams.is_finite() {
        return format!("{grams} g");
    }
    let (value, unit) = match grams.abs() {
        g if g >= 1e6 => (grams / 1e6, "t"),
        g if g >= 1e3 => (grams / 1e3, "kg"),
        g if g >= 1.0 || g == 0.0 => (grams, "g"),
        _ => (grams * 1e3, "mg"),
    };
    format!("{} {unit}", significant(value, 3))
}

/// A power of ten of grams as an axis label: `1 mg`, `10 g`, `100 kg`, `1 t`.
pub fn power_of_ten_mass(exponent: i32) -> String {
    match exponent {
        -3..=-1 => format!("{} mg", 10u64.pow((exponent + 3) as u32)),
        0..=2 => format!("{} g", 10u64.pow(exponent as u32)),
        3..=5 => format!("{} kg", 10u64.pow((exponent - 3) as u32)),
        6..=8 => format!("{} t", 10u64.pow((exponent - 6) as u32)),
        _ => format!("10^{exponent} g"),
    }
}

/// `value` with at most `digits` significant digits, without trailing zeros.
pub fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// `part` of `whole` as a percentage with one decimal (`12.5 %`).
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    format!("{:.1} %", part as f64 * 100.0 / whole as f64)
}

/// `lat 30°N–35°N, long 110°W–105°W`.
pub fn cell_label(lat: f64, long: f64, size: f64) -> String {
    let latitude = |value: f64| degrees(value, 'N', 'S');
    let longitude = |value: f64| degrees(value, 'E', 'W');
    format!(
        "lat {}–{}, long {}–{}",
        latitude(lat),
        latitude(lat + size),
        longitude(long),
        longitude(long + size)
    )
}

/// `35°N`, `0°`, `105°W`.
pub fn degrees(value: f64, positive: char, negative: char) -> String {
    let text = significant(value.abs(), 4);
    match value {
        v if v > 0.0 => format!("{text}°{positive}"),
        v if v < 0.0 => format!("{text}°{negative}"),
        _ => "0°".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::*;

    use super::*;

    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn steps_are_one_two_or_five() {
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(45_716.0, 5), 10_000.0);
        assert_eq!(nice_step(7.0, 5), 2.0);
        assert_eq!(nice_step(1_000.0, 10), 100.0);
        assert_eq!(nice_step(0.0, 5), 1.0);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn count_axes_cover_the_maximum() {
        assert_eq!(count_ticks(0), vec![0, 1]);
        assert_eq!(count_ticks(1), vec![0, 1]);
        assert_eq!(count_ticks(7), vec![0, 2, 4, 6, 8]);
        assert_eq!(count_ticks(100), vec![0, 20, 40, 60, 80, 100]);
        assert_eq!(count_ticks(12_345), vec![0, 5_000, 10_000, 15_000]);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn year_axes_fall_on_round_years() {
        assert_eq!(linear_ticks(1801.0, 2013.0, 6), vec![1850.0, 1900.0, 1950.0, 2000.0]);
        assert_eq!(linear_ticks(1990.0, 2000.0, 5), vec![1990.0, 1992.0, 1994.0, 1996.0, 1998.0, 2000.0]);
        assert_eq!(linear_ticks(5.0, 5.0, 5), vec![5.0]);
        assert!(linear_ticks(2.0, 1.0, 5).is_empty());
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(45_716), "45,716");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(mass(0.0), "0 g");
        assert_eq!(mass(0.25), "250 mg");
        assert_eq!(mass(12.34), "12.3 g");
        assert_eq!(mass(1_500.0), "1.5 kg");
        assert_eq!(mass(60_000_000.0), "60 t");
        assert_eq!(power_of_ten_mass(-2), "10 mg");
        assert_eq!(power_of_ten_mass(0), "1 g");
        assert_eq!(power_of_ten_mass(4), "10 kg");
        assert_eq!(power_of_ten_mass(7), "10 t");
        assert_eq!(power_of_ten_mass(9), "10^9 g");
        assert_eq!(percent(1, 8), "12.5 %");
        assert_eq!(percent(1, 0), "–");
    }
}
